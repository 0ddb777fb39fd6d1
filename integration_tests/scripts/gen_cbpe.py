"""Integration data for estimated_performance (CBPE), with expected observations computed by
NannyML 0.13.1 itself (never by our SQL), in its own virtualenv (scripts/nannyml_venv.sh):
  - a calibrated model (score = the true probability: NannyML decides not to calibrate) and a
    miscalibrated one (over-confident and shifted: NannyML fits isotonic regression);
  - a labelled reference (2025) and a current month (January 2026) with covariate shift,
    a few null / out-of-range scores (excluded and counted) and rows outside the window;
  - late labels of the current predictions (seeds/cbpe/cbpe_labels.csv): 80% of those made
    before 2026-01-29, none after, for the realized metric beside the estimate (windows cases,
    checked against scikit-learn).

Run: python integration_tests/scripts/gen_cbpe.py   (deterministic; rewrites seeds/cbpe/*.csv
and seeds/expected/expected_cbpe.csv; builds the NannyML venv on first use)
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import numpy as np

from oracle import SEEDS, write_csv

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OUT = SEEDS / "cbpe"
REGIONS = ["north", "south", "east"]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def model_rows(rng, n, start, days, shift):
    x1 = rng.normal(shift, 1.0 + 0.2 * (shift > 0), n)
    x2 = rng.normal(0.0, 1.0, n)
    region = rng.choice(REGIONS, n, p=[0.5, 0.3, 0.2])
    logit = 1.2 * x1 - 0.8 * x2 + 0.4 * (region == "east") - 0.2
    p_true = sigmoid(logit)
    label = (rng.random(n) < p_true).astype(int)
    score_cal = p_true
    score_mis = sigmoid(2.5 * logit + 0.8)          # over-confident and shifted up
    seconds = rng.integers(0, days * 86400, n)
    rows = []
    for i in range(n):
        rows.append({
            "id": i + 1,
            "ts": (start + dt.timedelta(seconds=int(seconds[i]))).strftime("%Y-%m-%d %H:%M:%S"),
            "region": region[i],
            "score_cal": float(score_cal[i]),
            "pred_cal": int(score_cal[i] >= 0.5),
            "score_mis": float(score_mis[i]),
            "pred_mis": int(score_mis[i] >= 0.5),
            "label": int(label[i]),
        })
    return rows


def main() -> None:
    rng = np.random.default_rng(18)
    reference = model_rows(rng, 3000, dt.datetime(2025, 1, 1), 300, 0.0)
    current = model_rows(rng, 2500, dt.datetime(2026, 1, 1), 30, 0.6)
    # outside the window [2025-12-31, 2026-01-31): never read
    for r in model_rows(rng, 200, dt.datetime(2025, 11, 1), 50, 0.0):
        r["id"] += 10000
        current.append(r)
    # null and out-of-range scores in the window: counted and excluded
    bad = [None, None, None, None, 1.5, 1.25, -0.5]
    for i, v in enumerate(bad):
        current.append({"id": 20000 + i, "ts": f"2026-01-{10 + i:02d} 12:00:00", "region": REGIONS[i % 3],
                        "score_cal": v, "pred_cal": 1, "score_mis": v, "pred_mis": 1, "label": 1})
    cols = ["id", "ts", "region", "score_cal", "pred_cal", "score_mis", "pred_mis", "label"]
    write_csv(OUT / "cbpe_reference.csv", cols, reference)
    # the current predictions have no labels yet
    write_csv(OUT / "cbpe_current.csv", [c for c in cols if c != "label"], current)
    # labels arrive late: 80% of the predictions made before 2026-01-29 have one (own rng, so the
    # rows above do not change)
    pick = np.random.default_rng(19).random(len(current)) < 0.8
    labels = [{"id": r["id"], "label": r["label"]} for r, keep in zip(current, pick)
              if keep and r["ts"] < "2026-01-29"]
    write_csv(OUT / "cbpe_labels.csv", ["id", "label"], labels)
    python = subprocess.run(["bash", str(REPO / "scripts" / "nannyml_venv.sh")], check=True,
                            capture_output=True, text=True).stdout.strip().splitlines()[-1]
    env = dict(os.environ, NML_DISABLE_USAGE_LOGGING="1")
    subprocess.run([python, str(HERE / "cbpe_nannyml_oracle.py")], cwd=HERE, check=True, env=env)


if __name__ == "__main__":
    main()
