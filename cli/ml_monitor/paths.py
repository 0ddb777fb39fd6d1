"""Where the dbt package lives (the repository root holds dbt_project.yml)."""

from __future__ import annotations

from pathlib import Path


def package_root() -> Path:
    """The directory of the ml_monitor dbt package (repo root in a source checkout)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "dbt_project.yml").is_file() and (parent / "macros").is_dir():
            return parent
    raise RuntimeError(
        "could not find the ml_monitor dbt package (dbt_project.yml) above " + str(here)
    )
