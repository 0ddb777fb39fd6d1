"""Seeded generator of benchmark prediction tables.

Writes, into one directory:

* ``bench.duckdb`` with schema ``raw``: ``predictions`` (the current window), ``reference``
  (the training window) and ``labels`` (70% of the current predictions);
* the same three tables as ``predictions.parquet``, ``reference.parquet``, ``labels.parquet``
  (what the pandas and Evidently approaches read);
* ``manifest.json`` describing the data (a directory with the same manifest is reused).

Columns: ``id``, ``segment`` (8 values, unequal sizes), ``num_0 .. num_{k-1}`` (doubles; num_1,
num_4 and num_7 have nulls; num_0, num_3 and num_6 are shifted in the current window),
``cat_0 .. cat_{m-1}`` (text, cardinality 5-50; cat_2 has nulls, cat_1 is shifted), ``score``
in [0, 1] and ``predicted_label`` (score >= 0.5). Labels are Bernoulli(score) with a noisier
model in one segment, so AUC differs by segment.

Everything is generated with numpy's ``default_rng(seed)`` in chunks of 1M rows (memory stays
flat at any size); categorical values are drawn as codes and mapped to text inside DuckDB.

``generate_multiclass`` adds a multiclass model to the same directory (issue #17, used by
bench/stats_bench.py): ``raw.mc_predictions`` (``id``, ``segment``, ``y_pred`` and one probability
column ``p_<class>`` per class, a softmax: each row sums to 1) and ``raw.mc_labels`` (``id``,
``y_true`` for 70% of the rows), plus their parquet files. It draws from its own generator
(``default_rng([seed, 17])``), so the tables above are the same with or without it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

CHUNK = 1_000_000
SEGMENTS = [f"seg_{i}" for i in range(8)]
SEGMENT_P = np.array([0.25, 0.2, 0.15, 0.12, 0.1, 0.08, 0.06, 0.04])
CAT_CARDINALITIES = [5, 10, 20, 30, 50]
NULL_SHARE = {1: 0.05, 4: 0.02, 7: 0.10}       # numeric column index -> share of nulls
SHIFTED = (0, 3, 6)                            # numeric columns shifted in the current window
CAT_NULL_SHARE = {2: 0.01}
CAT_SHIFTED = (1,)
VERSION = 1


def numeric_names(n: int) -> list[str]:
    return [f"num_{i}" for i in range(n)]


def categorical_names(n: int) -> list[str]:
    return [f"cat_{i}" for i in range(n)]


def _numeric(rng: np.random.Generator, i: int, n: int, current: bool) -> np.ndarray:
    kind, variant = i % 10, i // 10
    shift = current and i in SHIFTED
    if kind == 0:
        x = rng.normal(0.3 if shift else 0.0, 1.0, n)
    elif kind == 1:
        x = rng.lognormal(0.0, 0.5, n)
    elif kind == 2:
        x = rng.uniform(0.0, 100.0, n)
    elif kind == 3:
        x = rng.gamma(2.0, 2.6 if shift else 2.0, n)
    elif kind == 4:
        x = rng.normal(50.0, 10.0, n)
    elif kind == 5:
        x = rng.exponential(1.0, n)
    elif kind == 6:
        x = rng.normal(11.5 if shift else 10.0, 3.0, n)
    elif kind == 7:
        x = rng.poisson(3.0, n).astype(np.float64)        # many ties
    elif kind == 8:
        x = rng.beta(2.0, 5.0, n)
    else:
        x = rng.normal(-5.0, 2.0, n)
    if variant:
        x = x * (1.0 + 0.5 * variant) + variant
    share = NULL_SHARE.get(i)
    if share:
        x[rng.random(n) < share] = np.nan                 # becomes NULL in DuckDB (see _load)
    return x


def _cat_probs(j: int, current: bool) -> np.ndarray:
    k = CAT_CARDINALITIES[j % len(CAT_CARDINALITIES)]
    w = 1.0 / np.arange(1, k + 1) ** 0.8                  # Zipf-like
    if current and j in CAT_SHIFTED:
        w = w[::-1].copy() * 0.3 + w                      # the tail gains mass
    return w / w.sum()


def _chunk(rng: np.random.Generator, start: int, n: int, n_num: int, n_cat: int, current: bool) -> pd.DataFrame:
    seg = rng.choice(len(SEGMENTS), size=n, p=SEGMENT_P)
    cols: dict[str, np.ndarray] = {"id": np.arange(start, start + n, dtype=np.int64), "segment_code": seg}
    for i in range(n_num):
        cols[f"num_{i}"] = _numeric(rng, i, n, current)
    for j in range(n_cat):
        p = _cat_probs(j, current)
        code = rng.choice(len(p), size=n, p=p).astype(np.int64)
        share = CAT_NULL_SHARE.get(j)
        if share:
            code[rng.random(n) < share] = -1
        cols[f"cat_{j}_code"] = code
    # score: logistic model of a few features and the segment
    z = -0.4 + 0.15 * (seg - 3.5)
    z = z + 0.8 * np.nan_to_num(cols["num_0"]) if n_num > 0 else z
    if n_num > 2:
        z = z + 0.02 * (cols["num_2"] - 50.0)
    z = z + rng.normal(0.0, 0.7, n)
    score = 1.0 / (1.0 + np.exp(-z))
    cols["score"] = score
    cols["predicted_label"] = (score >= 0.5).astype(np.int32)
    if current:
        # labels: Bernoulli(score); segment 5 has concept drift (labels barely follow the score)
        p = np.where(seg == 5, 0.5 * score + 0.25, score)
        cols["label_value"] = (rng.random(n) < p).astype(np.int32)
        cols["has_label"] = rng.random(n) < 0.7
    return pd.DataFrame(cols)


def _select_sql(n_num: int, n_cat: int) -> str:
    parts = ["id", "['" + "','".join(SEGMENTS) + "'][segment_code + 1] as segment"]
    for i in range(n_num):
        parts.append(f"case when isnan(num_{i}) then null else num_{i} end as num_{i}")
    for j in range(n_cat):
        parts.append(f"case when cat_{j}_code < 0 then null else 'c{j}_' || lpad(cast(cat_{j}_code as varchar), 2, '0') end as cat_{j}")
    parts += ["score", "predicted_label"]
    return ", ".join(parts)


def generate(out_dir: Path, rows: int, ref_rows: int, n_numeric: int = 10, n_categorical: int = 5,
             seed: int = 42, parquet: bool = True, quiet: bool = False) -> dict:
    """Create (or reuse) the data set in ``out_dir``; returns the manifest."""
    manifest = {"version": VERSION, "rows": rows, "ref_rows": ref_rows, "n_numeric": n_numeric,
                "n_categorical": n_categorical, "seed": seed, "parquet": parquet}
    mpath = out_dir / "manifest.json"
    if mpath.is_file():
        old = json.loads(mpath.read_text())
        same = {k: old.get(k) for k in manifest if k != "parquet"} == {k: v for k, v in manifest.items() if k != "parquet"}
        if same and (old.get("parquet") or not parquet):
            return old                     # a data set with parquet files serves runs without them
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    con = duckdb.connect(str(out_dir / "bench.duckdb"))
    con.execute("create schema raw")
    select = _select_sql(n_numeric, n_categorical)
    for table, n, current in (("reference", ref_rows, False), ("predictions", rows, True)):
        first = True
        start = 0 if current else 1_000_000_000_000
        for offset in range(0, n, CHUNK):
            df = _chunk(rng, start + offset, min(CHUNK, n - offset), n_numeric, n_categorical, current)
            con.register("chunk", df)
            if first:
                con.execute(f"create table raw.{table} as select {select} from chunk")
                if current:
                    con.execute("create table raw.labels as select id, label_value as label from chunk where has_label")
                first = False
            else:
                con.execute(f"insert into raw.{table} select {select} from chunk")
                if current:
                    con.execute("insert into raw.labels select id, label_value from chunk where has_label")
            con.unregister("chunk")
    if parquet:
        for table in ("predictions", "reference", "labels"):
            con.execute(f"copy raw.{table} to '{out_dir / (table + '.parquet')}' (format parquet)")
    con.execute("checkpoint")
    con.close()
    manifest["numeric"] = numeric_names(n_numeric)
    manifest["categorical"] = categorical_names(n_categorical)
    manifest["generated_seconds"] = round(time.perf_counter() - t0, 2)
    mpath.write_text(json.dumps(manifest, indent=2))
    if not quiet:
        print(f"generated {rows:,} + {ref_rows:,} rows in {manifest['generated_seconds']} s -> {out_dir}")
    return manifest


MC_CLASSES = ["prepaid_card", "highstreet_card", "upmarket_card", "business_card"]
MC_VERSION = 1


def _mc_chunk(rng: np.random.Generator, start: int, n: int) -> pd.DataFrame:
    """One chunk of the multiclass model: a softmax over the classes of a noisy linear score, the
    predicted class its argmax; labels drawn from the probabilities, except in seg_5 where they
    follow them only half of the time (concept drift, as in the binary data); seg_7 never
    predicts business_card (a class never predicted there)."""
    k = len(MC_CLASSES)
    seg = rng.choice(len(SEGMENTS), size=n, p=SEGMENT_P)
    logits = rng.normal(0.0, 1.0, (n, k)) * 1.4 + np.array([0.6, 0.3, 0.0, -0.4])
    logits[seg == 7, 3] -= 30.0
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    pred = p.argmax(axis=1)
    # labels: inverse-CDF draw from p; seg_5: half of the rows get a uniform random class
    u = rng.random(n)
    y = np.minimum((u[:, None] > np.cumsum(p, axis=1)).sum(axis=1), k - 1)
    noisy = (seg == 5) & (rng.random(n) < 0.5)
    y[noisy] = rng.integers(0, k, int(noisy.sum()))
    cols: dict = {"id": np.arange(start, start + n, dtype=np.int64), "segment_code": seg, "pred_code": pred,
                  "label_code": y, "has_label": rng.random(n) < 0.7}
    for j, c in enumerate(MC_CLASSES):
        cols[f"p_{c}"] = p[:, j]
    return pd.DataFrame(cols)


def generate_multiclass(out_dir: Path, rows: int, seed: int = 42, parquet: bool = True) -> dict:
    """Add (or reuse) ``raw.mc_predictions`` / ``raw.mc_labels`` in ``out_dir``'s bench.duckdb (made
    by ``generate``); returns the multiclass part of the manifest."""
    mpath = out_dir / "manifest.json"
    manifest = json.loads(mpath.read_text())
    want = {"version": MC_VERSION, "rows": rows, "seed": seed, "classes": MC_CLASSES}
    old = manifest.get("multiclass")
    if old and {k: old.get(k) for k in want} == want and (old.get("parquet") or not parquet):
        return old
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 17])
    classes = "[" + ", ".join(f"'{c}'" for c in MC_CLASSES) + "]"
    select = ("id, ['" + "','".join(SEGMENTS) + "'][segment_code + 1] as segment, "
              f"{classes}[pred_code + 1] as y_pred, " + ", ".join(f"p_{c}" for c in MC_CLASSES))
    con = duckdb.connect(str(out_dir / "bench.duckdb"))
    con.execute("drop table if exists raw.mc_predictions")
    con.execute("drop table if exists raw.mc_labels")
    for offset in range(0, rows, CHUNK):
        df = _mc_chunk(rng, offset, min(CHUNK, rows - offset))
        con.register("chunk", df)
        if offset == 0:
            con.execute(f"create table raw.mc_predictions as select {select} from chunk")
            con.execute(f"create table raw.mc_labels as select id, {classes}[label_code + 1] as y_true from chunk where has_label")
        else:
            con.execute(f"insert into raw.mc_predictions select {select} from chunk")
            con.execute(f"insert into raw.mc_labels select id, {classes}[label_code + 1] from chunk where has_label")
        con.unregister("chunk")
    if parquet:
        for table in ("mc_predictions", "mc_labels"):
            con.execute(f"copy raw.{table} to '{out_dir / (table + '.parquet')}' (format parquet)")
    con.execute("checkpoint")
    con.close()
    manifest["multiclass"] = {**want, "parquet": parquet, "generated_seconds": round(time.perf_counter() - t0, 2)}
    mpath.write_text(json.dumps(manifest, indent=2))
    return manifest["multiclass"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--ref-rows", type=int, default=None)
    ap.add_argument("--numeric", type=int, default=10)
    ap.add_argument("--categorical", type=int, default=5)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--multiclass", action="store_true", help="also the multiclass model (issue #17)")
    a = ap.parse_args()
    generate(a.out_dir, a.rows, a.ref_rows or a.rows, a.numeric, a.categorical, a.seed)
    if a.multiclass:
        generate_multiclass(a.out_dir, a.rows, a.seed)


if __name__ == "__main__":
    main()
