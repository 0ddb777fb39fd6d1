"""Shared helpers for the integration seed generators: write CSVs the way dbt seeds read them."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
EXPECTED_COLUMNS = [
    "case_name", "monitor", "column_name", "segment_column", "segment_value",
    "metric", "value", "threshold", "baseline_value", "sample_size", "window_start", "window_end", "status",
]


def fmt(v):
    """A CSV cell: None/NaN -> empty (NULL in the seed), floats with full precision."""
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return repr(v)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def with_window(rows: list[dict], start, end) -> list[dict]:
    """Stamp observation rows with the window they were evaluated on (None = no window)."""
    for r in rows:
        r.setdefault("window_start", start)
        r.setdefault("window_end", end)
    return rows


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Write a seed atomically, and not at all when its content is unchanged: a dbt build
    reading the seeds in another test worker never sees a half-written file."""
    import io
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([fmt(r.get(c)) for c in columns])
    text = buf.getvalue()
    if path.exists() and path.read_bytes() == text.encode("utf-8"):
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)


def write_expected(family: str, rows: list[dict]) -> None:
    write_csv(SEEDS / "expected" / f"expected_{family}.csv", EXPECTED_COLUMNS, rows)


def status_of(value, sample_size, min_rows, fails):
    """The status rule of every monitor (README, 'Statuses')."""
    if not sample_size:
        return "no_data"
    if sample_size < min_rows:
        return "skipped"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no_data"
    return "fail" if fails else "pass"
