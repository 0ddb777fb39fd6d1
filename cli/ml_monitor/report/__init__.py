"""The monitoring report: observation history -> one self-contained HTML page.

    from ml_monitor.report import build_report
    result = build_report("path/to/dbt/project", out="report.html", days=30)

Modules: loader (history through dbt), shaping (pure pandas: checks, plots, grids),
render (HTML + inlined plotly.js), build (the entry points).
"""

from ml_monitor.report.build import ReportResult, build_report, write_report
from ml_monitor.report.loader import ReportError

__all__ = ["ReportError", "ReportResult", "build_report", "write_report"]
