"""Reports for readers who are not analysts: self-contained HTML pages with charts, key findings
and recommendations, written into REPORTS_DIR from the marts on every scheduled refresh.

`python -m reports.build` writes them all; `reports.build.build_all(database, reports_dir)` is the
function the Dagster asset calls. One module per report (risk_brief, acquisition, operations,
investigation), each with a `build(database, reports_dir) -> list[Path]`.
"""
