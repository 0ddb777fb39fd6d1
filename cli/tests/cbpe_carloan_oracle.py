"""Run inside the NannyML virtualenv (scripts/nannyml_venv.sh) by test_cbpe_nannyml.py:
NannyML's bundled synthetic car-loan data, and CBPE's monthly estimates on it.

Usage: python cbpe_carloan_oracle.py OUT_DIR  -> OUT_DIR/reference.csv, analysis.csv, estimates.json
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import nannyml as nml

warnings.filterwarnings("ignore")
METRICS = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy"]


def main(out: Path) -> None:
    reference, analysis, _ = nml.load_synthetic_car_loan_dataset()
    cols = ["id", "timestamp", "salary_range", "y_pred_proba", "y_pred"]
    reference[cols + ["repaid"]].to_csv(out / "reference.csv", index=False)
    analysis[cols].to_csv(out / "analysis.csv", index=False)
    est = nml.CBPE(y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="repaid",
                   timestamp_column_name="timestamp", metrics=METRICS + ["confusion_matrix"],
                   chunk_period="M", problem_type="classification_binary")
    est.fit(reference)
    res = est.estimate(analysis).filter(period="analysis").data
    chunks = []
    for i in range(len(res)):
        row = {"start": str(res[("chunk", "start_date")].iloc[i]), "end": str(res[("chunk", "end_date")].iloc[i]),
               "key": str(res[("chunk", "key")].iloc[i]), "n": int(res[("chunk", "end_index")].iloc[i] - res[("chunk", "start_index")].iloc[i] + 1)}
        for m in METRICS:
            for part in ["value", "sampling_error", "lower_confidence_boundary", "upper_confidence_boundary"]:
                row[f"{m}.{part}"] = float(res[(m, part)].iloc[i])
        for c in ["true_positive", "false_positive", "false_negative", "true_negative"]:
            row[f"estimated_{c}.value"] = float(res[(c, "value")].iloc[i])
        chunks.append(row)
    (out / "estimates.json").write_text(json.dumps({"needs_calibration": bool(est.needs_calibration),
                                                    "chunks": chunks}, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
