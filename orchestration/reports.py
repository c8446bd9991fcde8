"""The reports, as a Dagster asset downstream of the serving copy.

Reports read only the published marts (read-only, no writer lock needed, never a half-built table)
and write files into REPORTS_DIR. They run on the T+1 cadence (`make rebuild`, the daily schedule).

REPORT_BUILDERS are functions `builder(serving: Path, reports_dir: Path) -> list[Path]` returning
the files they wrote; the project's reports (`reports.build.build_all`) are the first. The
`reports/index` asset runs every builder and writes `index.json` listing what was produced.
"""

import importlib.util
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration import serving, settings

ReportBuilder = Callable[[Path, Path], list[Path]]


def project_reports(serving_path: Path, reports_dir: Path) -> list[Path]:
    """Every report of the `reports` package, from the serving copy."""
    from reports.build import build_all

    return build_all(serving_path, reports_dir)


REPORT_BUILDERS: list[ReportBuilder] = (
    [project_reports] if importlib.util.find_spec("reports.build") else []
)

REPORTS_KEY = AssetKey(["reports", "index"])


def build_reports(serving_path: Path, reports_dir: Path, builders=None) -> Path:
    reports_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for builder in REPORT_BUILDERS if builders is None else builders:
        written.extend(str(path) for path in builder(serving_path, reports_dir))
    index = reports_dir / "index.json"
    index.write_text(
        json.dumps(
            {
                "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "serving_published_at": serving.published_at(serving_path),
                "reports": written,
            },
            indent=2,
        )
    )
    return index


def report_assets(serving_key: AssetKey) -> list:
    @asset(
        key=REPORTS_KEY,
        deps=[serving_key],
        group_name="reports",
        description="Reports for readers, built from the serving copy into REPORTS_DIR (T+1).",
        kinds={"python"},
    )
    def reports(context: AssetExecutionContext) -> MaterializeResult:
        index = build_reports(settings.serving_path(), settings.reports_dir())
        listed = json.loads(index.read_text())["reports"]
        context.log.info(f"{len(listed)} report file(s) in {index.parent}")
        return MaterializeResult(
            metadata={"index": MetadataValue.path(str(index)), "files": len(listed)}
        )

    return [reports]
