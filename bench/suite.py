"""The suite under test: a generated dbt project on DuckDB with the tests a user would write.

Two variants share one DuckDB file (the data set's ``bench.duckdb``):

* ``reference``: ``psi_drift`` on every feature against ``ref('reference')`` (exact quantile
  edges of the reference computed on every run);
* ``baseline``: the same ``psi_drift`` and ``prediction_drift`` with ``baseline: bench_ref``
  (the features, the score and the positive rate frozen once with
  ``dbt run-operation ml_monitor.freeze_baseline``; until 2026-11-30 ``prediction_drift`` read
  the reference in this variant too).

Both also run ``null_rate`` and ``value_range`` on every feature, ``prediction_drift`` on the
score and ``performance`` (accuracy, f1, roc_auc by segment, labels joined on id), and record
every observation in the history table (``on-run-end``), as the documented setup does.

``stats17=True`` (bench/stats_bench.py, issue #17) adds the newer drift statistics on the same
columns and reference (``ks_drift`` D and ``statistic: ks_pvalue``, ``wasserstein_drift`` normed and
raw, ``binned_drift`` hellinger / total_variation on every feature and linf / chi2_pvalue plus a
plain ``psi_drift`` on the categorical ones, ``prediction_drift`` with ``statistic: hellinger``) and
a multiclass ``performance`` test on a second model (``mc_predictions`` + ``mc_labels``, made by
``generate.generate_multiclass``). Off by default: the suite above, its numbers and the Spark
bench (which reads only ``TABLES``) are unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "cli"))
from ml_monitor.paths import package_root  # noqa: E402

BASELINE = "bench_ref"
TABLES = ("predictions", "reference", "labels")
MC_TABLES = ("mc_predictions", "mc_labels")
MC_METRICS = ["accuracy", "macro_f1", "weighted_f1", "micro_f1", "macro_precision", "macro_recall",
              "roc_auc_ovr_macro", "roc_auc_ovr_weighted", "log_loss"]
DBT = str(Path(sys.executable).with_name("dbt"))


def _y(value) -> str:
    return json.dumps(value)


def stats17_yaml(numeric: list[str], categorical: list[str], psi_ref: str, extra: str, extra_col: str,
                 mc_classes: list[str], ks_columns: list[str] | None = None) -> tuple[str, str, str]:
    """Issue #17's tests: (data_tests to add under ``predictions``, the ``mc_predictions`` model, the
    score's test). ``ks_columns``: the numeric columns of the KS / Wasserstein tests (default all)."""
    features = numeric + categorical
    ks_cols = ks_columns or numeric
    ref = "reference: ref('reference')"

    def drift(test: str, name: str, cols: list[str], args: str) -> str:
        return f"""
      - ml_monitor.{test}:
          name: {name}
          arguments:
            columns: {_y(cols)}
            {args}{extra}"""
    tests = "".join([
        drift("ks_drift", "bench_ks_drift", ks_cols, f"{ref}\n            threshold: 0.1"),
        drift("ks_drift", "bench_ks_pvalue", ks_cols, f"{ref}\n            statistic: ks_pvalue\n            threshold: 0.05"),
        drift("wasserstein_drift", "bench_wasserstein_norm", ks_cols, f"{ref}\n            threshold: 0.1"),
        drift("wasserstein_drift", "bench_wasserstein", ks_cols, f"{ref}\n            statistic: wasserstein\n            threshold: 1"),
        drift("binned_drift", "bench_hellinger", features, f"{psi_ref}\n            statistic: hellinger\n            threshold: 0.1"),
        drift("binned_drift", "bench_total_variation", features, f"{psi_ref}\n            statistic: total_variation\n            threshold: 0.1"),
        drift("psi_drift", "bench_psi_categorical", categorical, f"{psi_ref}\n            threshold: 0.1"),
        drift("binned_drift", "bench_linf", categorical, f"{psi_ref}\n            statistic: linf\n            threshold: 0.1"),
        drift("binned_drift", "bench_chi2_pvalue", categorical, f"{psi_ref}\n            statistic: chi2_pvalue\n            threshold: 0.05"),
    ])
    score_cols = "{" + ", ".join(f"{c}: p_{c}" for c in mc_classes) + "}"
    mc_model = f"""
  - name: mc_labels
  - name: mc_predictions
    data_tests:
      - ml_monitor.performance:
          name: bench_mc_performance
          arguments:
            problem: multiclass
            labels: ref('mc_labels')
            join_key: id
            label_column: y_true
            prediction_column: y_pred
            score_columns: {score_cols}
            metric: {_y(MC_METRICS)}
            per_class: true
            segment_by: [segment]
            min_value: 0{extra}
"""
    score_test = f"""
          - ml_monitor.prediction_drift:
              name: bench_prediction_drift_hellinger
              arguments:
                prediction_column: predicted_label
                {psi_ref}
                statistic: hellinger
                max_rate_shift: 0.05{extra_col}"""
    return tests, mc_model, score_test


def suite_yaml(numeric: list[str], categorical: list[str], mode: str, extra_args: dict | None = None,
               stats17: bool = False, mc_classes: list[str] | None = None, ks_columns: list[str] | None = None) -> str:
    """The suite's YAML; ``extra_args`` (e.g. ``timestamp_column`` / ``window`` / ``windows``, used by
    bench/windows_bench.py) are added to every test's arguments."""
    features = numeric + categorical
    extra = "".join(f"\n            {k}: {_y(v)}" for k, v in (extra_args or {}).items())
    extra_col = "".join(f"\n                {k}: {_y(v)}" for k, v in (extra_args or {}).items())
    if mode == "baseline":
        psi_ref = f"baseline: {BASELINE}"
    else:
        psi_ref = "reference: ref('reference')"
    tests17, mc_model, score17 = (stats17_yaml(numeric, categorical, psi_ref, extra, extra_col, mc_classes or [], ks_columns)
                                  if stats17 else ("", "", ""))
    return f"""# Generated by bench/suite.py ({mode} variant): the tests a user would write.
version: 2
models:
  - name: reference
  - name: labels
  - name: predictions
    data_tests:
      - ml_monitor.null_rate:
          name: bench_null_rate
          arguments:
            columns: {_y(features)}
            max_null_rate: 0.05{extra}
      - ml_monitor.value_range:
          name: bench_value_range
          arguments:
            columns: {_y(numeric)}
            min_value: -1000
            max_value: 1000{extra}
      - ml_monitor.psi_drift:
          name: bench_psi_drift
          arguments:
            columns: {_y(features)}
            {psi_ref}
            threshold: 0.1{extra}
      - ml_monitor.performance:
          name: bench_performance
          arguments:
            metric: [accuracy, f1, roc_auc]
            labels: ref('labels')
            join_key: id
            label_column: label
            score_column: score
            prediction_column: predicted_label
            segment_by: [segment]
            min_value: 0.6{extra}{tests17}
    columns:
      - name: score
        data_tests:
          - ml_monitor.value_range:
              name: bench_score_range
              arguments:
                min_value: 0
                max_value: 1{extra_col}
          - ml_monitor.prediction_drift:
              name: bench_prediction_drift
              arguments:
                prediction_column: predicted_label
                {psi_ref}
                max_rate_shift: 0.05{extra_col}{score17}
{mc_model}"""


DBT_PROJECT = """# Generated by bench/suite.py
name: ml_monitor_bench
version: "1.0"
config-version: 2
profile: ml_monitor_bench
model-paths: ["models"]
on-run-end:
  - "{{ ml_monitor.record_observations(results) }}"
flags:
  send_anonymous_usage_stats: false
  version_check: false
  use_colors: false
  partial_parse: true
models:
  ml_monitor_bench:
    +materialized: view
"""


def write_project(project: Path, db_path: Path, numeric: list[str], categorical: list[str], mode: str,
                  threads: int = 2, memory_limit: str | None = None, extra_args: dict | None = None,
                  stats17: bool = False, mc_classes: list[str] | None = None,
                  ks_columns: list[str] | None = None) -> Path:
    """Write (or rewrite) the project in ``project``; returns it (the package linked as `dbt deps` would).
    ``stats17``: issue #17's tests too (the data needs ``generate.generate_multiclass``)."""
    tables = TABLES + (MC_TABLES if stats17 else ())
    models = project / "models"
    models.mkdir(parents=True, exist_ok=True)
    (project / "dbt_project.yml").write_text(DBT_PROJECT)
    (project / "packages.yml").write_text(f"packages:\n  - local: {_y(str(package_root()))}\n")
    (project / "profiles.yml").write_text(
        "ml_monitor_bench:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: {_y(str(db_path))}\n      threads: {threads}\n"
        + (f"      settings: {{memory_limit: {_y(memory_limit)}}}\n" if memory_limit else ""))
    (models / "sources.yml").write_text(
        "version: 2\nsources:\n  - name: raw\n    schema: raw\n"
        "    tables: [" + ", ".join(f"{{name: {t}}}" for t in tables) + "]\n")
    for name in tables:
        (models / f"{name}.sql").write_text(f"select * from {{{{ source('raw', '{name}') }}}}\n")
    (models / "suite.yml").write_text(suite_yaml(numeric, categorical, mode, extra_args, stats17, mc_classes,
                                                      ks_columns))
    link = project / "dbt_packages" / "ml_monitor"
    if not link.exists():
        # what `dbt deps` does for a `local:` package (a symlink), without a dbt invocation
        link.parent.mkdir(exist_ok=True)
        link.symlink_to(package_root(), target_is_directory=True)
    return project


def run_dbt(project: Path, args: list[str], check: bool = False, log_level_file: str = "info") -> dict:
    """One dbt command as a subprocess in ``project``; returns timing and exit code."""
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    cmd = [DBT, *args, "--project-dir", str(project), "--profiles-dir", str(project)]
    if args[0] != "deps":
        cmd += ["--log-level-file", log_level_file]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    return {"returncode": proc.returncode, "seconds": seconds, "stdout": proc.stdout}


def freeze_baseline(project: Path, features: list[str]) -> dict:
    """Freeze the reference's bins once (quantile, 10 bins) for every feature and the score, and
    the reference positive rate (prediction_drift's rule: predicted_label = 1)."""
    args = {"name": BASELINE, "model": "predictions", "reference": "reference", "columns": features + ["score"],
            "bins": 10, "positive_rate": {"prediction_column": "predicted_label"}}
    return run_dbt(project, ["run-operation", "ml_monitor.freeze_baseline", "--args", json.dumps(args)], check=True)
