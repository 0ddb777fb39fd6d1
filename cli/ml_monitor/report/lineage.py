"""The lineage the history hook records in each row's facts (macros/history/lineage.sql):
reading it, and keeping the rows of one model version."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ml_monitor.lineage import lineage_of

__all__ = ["lineage_of", "describes_version", "filter_model_version"]


def describes_version(facts: Any, version: str) -> bool:
    """Whether a row describes exactly this model version: its own model_version, or (an overall
    row) an evaluation whose only version it is."""
    lineage = lineage_of(facts)
    if lineage.get("model_version") is not None:
        return str(lineage["model_version"]) == version
    versions = lineage.get("model_versions")
    return isinstance(versions, list) and [str(v) for v in versions] == [version]


def filter_model_version(frame: pd.DataFrame, version: str | None) -> pd.DataFrame:
    """The history rows that describe `version` (all rows when version is None)."""
    if version is None or frame.empty or "facts" not in frame.columns:
        return frame if version is None else frame.iloc[0:0]
    keep = frame["facts"].map(lambda f: describes_version(f, version))
    return frame[keep.astype(bool)].reset_index(drop=True)
