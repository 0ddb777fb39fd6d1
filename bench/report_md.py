"""Markdown tables from benchmark results (for the README's "Performance" section).

    python bench/report_md.py bench/results/bench_1m.json [bench/results/bench_10m.json ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import LABELS, fmt_mb, fmt_s  # noqa: E402


def main_table(d: dict) -> str:
    s = d["main"]["summary"]
    base = s["raw_scan"]["seconds"]
    loads = [x for v in s.values() for x in v.get("load_average_1m", [])]
    out = [f"**{d['rows']:,} current + {d['ref_rows']:,} reference rows**, medians of {d['repeat']} runs "
           f"(1-minute load average during the runs: {min(loads):.1f}–{max(loads):.1f}; started {d['started_at']})",
           "", "| approach | time | peak memory | × raw scan |", "|---|---:|---:|---:|"]
    for a in LABELS:
        if a in s:
            t = s[a]["seconds"]
            extra = ""
            if a in ("pandas", "evidently") and s[a].get("load_seconds") is not None:
                extra = f" (read {fmt_s(s[a]['load_seconds'])})"
            out.append(f"| {s[a]['label']} | {fmt_s(t)}{extra} | {fmt_mb(s[a]['peak_rss_mb'])} | {t / base:.1f}× |")
    return "\n".join(out)


def per_test(d: dict) -> str:
    s = d["main"]["summary"]
    rows = ["| test | (b) compile-time queries | (b) test query | (d) test query | (c) dbt execution time |",
            "|---|---:|---:|---:|---:|"]
    b = s.get("suite_sql", {}).get("per_test_last_run", {})
    dd = s.get("baseline_sql", {}).get("per_test_last_run", {})
    c = s.get("dbt_build", {}).get("per_test_last_run", {})
    for t in sorted(b, key=lambda k: -(b[k]["compile_time_queries"] + b[k]["test_query"])):
        rows.append(f"| {t} | {b[t]['compile_time_queries']:.2f} s | {b[t]['test_query']:.2f} s | "
                    f"{dd.get(t, {}).get('test_query', float('nan')):.2f} s | {c.get(t, float('nan')):.2f} s |")
    return "\n".join(rows)


def agreement(d: dict) -> str:
    ag = d["main"]["agreement"]
    keys = list(next(iter(ag["psi"].values())).keys())
    out = ["| PSI | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
    for col, v in ag["psi"].items():
        out.append(f"| {col} | " + " | ".join(f"{v.get(k):.6f}" if v.get(k) is not None else "—" for k in keys) + " |")
    keys = list(next(iter(ag["roc_auc"].values())).keys())
    out += ["", "| ROC AUC | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
    for seg, v in ag["roc_auc"].items():
        out.append(f"| {seg} | " + " | ".join(f"{v.get(k):.10f}" if v.get(k) is not None else "—" for k in keys) + " |")
    out += ["", "Largest absolute difference from (b): " + "; ".join(
        f"{k} {v['max']:.2g} over {v['compared']} values" for k, v in ag["max_abs_diff_vs_suite_sql"].items()
        if v["max"] is not None)]
    return "\n".join(out)


def scaling(d: dict) -> str:
    out = ["| current + reference rows | (a) raw scan | (b) suite SQL | (c) dbt build | (b) / (a) | peak memory (c) |",
           "|---|---:|---:|---:|---:|---:|"]
    for p in d.get("scaling_rows", []):
        out.append(f"| {p['rows']:,} + {p['ref_rows']:,} | {fmt_s(p['raw_scan']['seconds'])} | "
                   f"{fmt_s(p['suite_sql']['seconds'])} | {fmt_s(p['dbt_build']['seconds'])} | "
                   f"{p['suite_sql']['seconds'] / p['raw_scan']['seconds']:.0f}× | {fmt_mb(p['dbt_build']['peak_rss_mb'])} |")
    out += ["", "| monitored columns (1M + 1M rows) | (a) raw scan | (b) suite SQL | (c) dbt build |", "|---|---:|---:|---:|"]
    for p in d.get("scaling_columns", []):
        out.append(f"| {p['columns']} | {fmt_s(p['raw_scan']['seconds'])} | {fmt_s(p['suite_sql']['seconds'])} | "
                   f"{fmt_s(p['dbt_build']['seconds'])} |")
    return "\n".join(out)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        d = json.loads(Path(path).read_text())
        print(f"<!-- {path} -->")
        if "main" in d:
            print(main_table(d), "\n")
            print("Ratios: " + "; ".join(f"{k} = {v}" for k, v in d["main"]["ratios"].items()), "\n")
            print(per_test(d), "\n")
            print(agreement(d), "\n")
        if d.get("scaling_rows") or d.get("scaling_columns"):
            print(scaling(d), "\n")
