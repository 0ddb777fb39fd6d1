"""Writing the demo dbt project (from the template in ``demo/project/``) into a directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ml_monitor.paths import package_root

TEMPLATE = Path(__file__).resolve().parent / "project"
MARKER = ".ml_monitor_demo"
DUCKDB_FILE = "demo.duckdb"
REPORT_FILE = "report.html"
# Everything the demo creates in its directory; a re-run removes all of it first.
OWNED = [
    MARKER, "dbt_project.yml", "profiles.yml", "packages.yml", "package-lock.yml", "models",
    "macros", "tests", "target", "logs", "dbt_packages", DUCKDB_FILE, DUCKDB_FILE + ".wal",
    ".user.yml", REPORT_FILE,
    # what `ml-monitor run` / `ml-monitor report` leave when run by hand in the demo directory
    ".ml_monitor", "ml_monitor_report.html",
]


class DemoDirectoryError(Exception):
    """The demo directory cannot be used (not ours, or not a directory)."""


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def prepare_directory(directory: Path) -> None:
    """Create ``directory`` or clean what an earlier demo run left in it.

    A directory that exists, is not empty and was not made by the demo is refused rather
    than overwritten."""
    if directory.exists() and not directory.is_dir():
        raise DemoDirectoryError(f"{directory} exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not (directory / MARKER).is_file():
        raise DemoDirectoryError(
            f"{directory} is not empty and was not created by `ml-monitor demo`; "
            "choose another directory with --dir"
        )
    directory.mkdir(parents=True, exist_ok=True)
    for name in OWNED:
        _remove(directory / name)


def _yaml_string(value: str) -> str:
    # a JSON string is a valid YAML double-quoted scalar
    return json.dumps(value)


def write_project(directory: Path, as_of: str) -> None:
    """Copy the template into ``directory``, filling in the paths and the evaluation time."""
    substitutions = {
        "__ML_MONITOR_PACKAGE_ROOT__": _yaml_string(str(package_root())),
        "__ML_MONITOR_DUCKDB_PATH__": _yaml_string(str(directory / DUCKDB_FILE)),
        "__ML_MONITOR_AS_OF__": as_of,
    }
    for source in sorted(TEMPLATE.rglob("*")):
        if source.is_dir() or source.name.startswith(".") or "__pycache__" in source.parts:
            continue
        target = directory / source.relative_to(TEMPLATE)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        for placeholder, value in substitutions.items():
            text = text.replace(placeholder, value)
        target.write_text(text, encoding="utf-8")
    (directory / MARKER).write_text("created by `ml-monitor demo`; the whole directory is rewritten on each run\n",
                                    encoding="utf-8")
