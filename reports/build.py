"""Write every report: `python -m reports.build [--database PATH] [--reports-dir DIR] [--only ...]`.

The database defaults to the serving copy (SERVING_PATH) when it exists, else the warehouse
(WAREHOUSE_PATH); it is opened read-only. Reports go to REPORTS_DIR (default data/reports).
"""

import argparse
import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from reports import acquisition, investigation, operations, risk_brief
from reports.source import default_database, default_reports_dir, utc_now

log = logging.getLogger("reports")

Builder = Callable[..., list[Path]]  # builder(database, reports_dir, now=None) -> files written

# Investigation packs first: the risk brief links to them.
BUILDERS: dict[str, Builder] = {
    "investigations": investigation.build,
    "risk_brief": risk_brief.build,
    "acquisition": acquisition.build,
    "operations": operations.build,
}


class ReportsFailed(RuntimeError):
    """Some reports could not be written; the others were."""


def build_all(
    database: Path | None = None,
    reports_dir: Path | None = None,
    only: list[str] | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Write the reports (all, or `only` these) and return the files written. A report that fails
    does not stop the others; ReportsFailed is raised at the end, naming each failure."""
    database = Path(database) if database else default_database()
    reports_dir = Path(reports_dir) if reports_dir else default_reports_dir()
    reports_dir.mkdir(parents=True, exist_ok=True)
    now = now or utc_now()
    unknown = sorted(set(only or []) - set(BUILDERS))
    if unknown:
        raise ValueError(f"Unknown report(s) {', '.join(unknown)}; known: {', '.join(BUILDERS)}")
    written: list[Path] = []
    failures: list[str] = []
    for name, builder in BUILDERS.items():
        if only and name not in only:
            continue
        started = time.monotonic()
        try:
            files = builder(database, reports_dir, now=now)
        except Exception as error:  # one broken mart must not cost the other reports
            log.exception("report %s failed", name)
            failures.append(f"{name}: {type(error).__name__}: {error}")
            continue
        log.info("%s: %d file(s) in %.1fs", name, len(files), time.monotonic() - started)
        written.extend(files)
    if failures:
        raise ReportsFailed("; ".join(failures))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.build", description=__doc__)
    parser.add_argument(
        "--database",
        type=Path,
        help="DuckDB file to read (default: SERVING_PATH if it exists, else WAREHOUSE_PATH)",
    )
    parser.add_argument(
        "--reports-dir", type=Path, help="where to write (default: REPORTS_DIR or data/reports)"
    )
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(BUILDERS)}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    only = [name.strip() for name in args.only.split(",")] if args.only else None
    try:
        written = build_all(args.database, args.reports_dir, only)
    except (ReportsFailed, FileNotFoundError, ValueError) as error:
        print(f"reports: {error}", file=sys.stderr)
        return 1
    html = [path for path in written if path.suffix == ".html"]
    print(f"{len(html)} report page(s) written to {args.reports_dir or default_reports_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
