"""The lineage the history hook records under "lineage" in each row's facts
(macros/history/lineage.sql): reading it, and one lineage per failing check, as alerts and
the report show it (which model version, which code, which reference produced the numbers).

Lineage holds relation names, the package version and md5 hashes only: nothing secret."""

from __future__ import annotations

from typing import Any, Iterable

from ml_monitor.schema import parse_facts

# What one test evaluation records, whatever row (macros/history/lineage.sql `_lineage_of`).
EVALUATION_FIELDS = ("relation", "references", "baseline", "package_version", "config_hash", "sql_hash",
                     "model_version_column")
HASH_CHARS = 12        # of an md5 in texts (the JSON payloads carry all 32)


def lineage_of(facts: Any) -> dict[str, Any]:
    """The `lineage` object of a row's facts (JSON text or dict; {} when there is none)."""
    lineage = (parse_facts(facts) or {}).get("lineage")
    return lineage if isinstance(lineage, dict) else {}


def versions_of(lineage: dict[str, Any]) -> list[str]:
    """The model versions one row describes: its own, or (an overall row) its evaluation's."""
    if lineage.get("model_version") is not None:
        return [str(lineage["model_version"])]
    versions = lineage.get("model_versions")
    return [str(v) for v in versions] if isinstance(versions, list) else []


def check_lineage(facts: Iterable[Any]) -> dict[str, Any] | None:
    """One check's lineage from the facts of its failing rows (None when none has lineage): the
    evaluation's fields, `model_version` when the rows describe exactly one version (else null)
    and `model_versions`, every version they describe."""
    rows = [lin for lin in (lineage_of(f) for f in facts) if lin]
    if not rows:
        return None
    out = {k: rows[0].get(k) for k in EVALUATION_FIELDS}
    versions = sorted({v for lin in rows for v in versions_of(lin)})
    out["model_version"] = versions[0] if len(versions) == 1 else None
    out["model_versions"] = versions
    return out


def version_text(lineage: dict[str, Any] | None) -> str | None:
    """The model version(s) a check describes, for people ("churn-v8", "churn-v7, churn-v8")."""
    if not lineage:
        return None
    return lineage.get("model_version") or (", ".join(lineage.get("model_versions") or []) or None)


def lineage_text(lineage: dict[str, Any] | None) -> str | None:
    """The code and data behind a check in one line: relation, references, baseline, package
    version and the first characters of the configuration and SQL hashes."""
    if not lineage:
        return None
    parts = []
    if lineage.get("relation"):
        parts.append(f"relation {lineage['relation']}")
    refs = [str(r) for r in lineage.get("references") or []]
    if refs:
        parts.append(("reference " if len(refs) == 1 else "references ") + ", ".join(refs))
    if lineage.get("baseline"):
        parts.append(f"baseline {lineage['baseline']}")
    if lineage.get("package_version"):
        parts.append(f"ml_monitor {lineage['package_version']}")
    for key, label in (("config_hash", "config"), ("sql_hash", "SQL")):
        if lineage.get(key):
            parts.append(f"{label} md5 {str(lineage[key])[:HASH_CHARS]}")
    return " · ".join(parts) or None
