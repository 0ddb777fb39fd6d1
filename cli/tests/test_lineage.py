"""Lineage recorded with every history row (macros/history/lineage.sql): what needs no dbt."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_package_version_macro_is_the_project_version():
    macro = (REPO / "macros" / "history" / "lineage.sql").read_text(encoding="utf-8")
    recorded = re.search(r"macro package_version\(\) %\}\{\{ return\('([^']+)'\) \}\}", macro).group(1)
    project = yaml.safe_load((REPO / "dbt_project.yml").read_text(encoding="utf-8"))["version"]
    assert recorded == project
    python = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert python == project


def test_report_keeps_the_rows_of_one_model_version():
    import json

    import pandas as pd

    from ml_monitor.report.lineage import filter_model_version, lineage_of

    def facts(**lineage):
        return json.dumps({"lineage": {"relation": "db.main.requests", **lineage}})

    frame = pd.DataFrame({
        "segment_value": ["v1", "v2", None, None, None, None],
        "facts": [facts(model_version="v1", model_versions=None), facts(model_version="v2", model_versions=None),
                  facts(model_version=None, model_versions=["v1", "v2"]),
                  facts(model_version=None, model_versions=["v2"]), '{"bins": []}', None],
    })
    kept = filter_model_version(frame, "v2")
    assert kept["segment_value"].tolist()[0] == "v2" and len(kept) == 2
    assert lineage_of(kept["facts"][1])["model_versions"] == ["v2"]
    assert len(filter_model_version(frame, None)) == 6
    assert filter_model_version(frame, "v9").empty
    assert lineage_of("not json") == {} and lineage_of(None) == {}
