"""The landing zone as Dagster sees it: 15 observable source assets (one per landed table, keyed
like the dbt sources), and the scan that tells a sensor which tables received new batches.

A table's state is its newest batch and its number of delivered files, read from file names only
(`<RAW_ROOT>/<system>/<table>/<YYYY-MM-DDTHH>.<ext>`): cheap enough to run every minute.
"""

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BATCH_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2})\.([A-Za-z0-9]+)$")


@dataclass(frozen=True)
class LandedTable:
    system: str
    table: str
    extension: str

    @property
    def name(self) -> str:
        return f"{self.system}/{self.table}"

    @property
    def asset_key_path(self) -> list[str]:
        return ["landing", self.system, self.table]


def landed_tables(manifest: Mapping) -> list[LandedTable]:
    """The landed tables, as declared by the project's dbt sources (their external_location)."""
    found = []
    for source in manifest["sources"].values():
        location = source.get("meta", {}).get("external_location") or source.get("config", {}).get(
            "meta", {}
        ).get("external_location", "")
        extension = re.search(r"\*\.([A-Za-z0-9]+)'", location)
        found.append(
            LandedTable(
                source["source_name"], source["name"], extension.group(1) if extension else "*"
            )
        )
    return sorted(found, key=lambda table: table.name)


def table_state(raw_root: Path, table: LandedTable) -> dict:
    """{latest_batch, files} of one landed table; files named off-contract are ignored."""
    directory = Path(raw_root) / table.system / table.table
    batches = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                match = BATCH_FILE.match(entry.name)
                if match and table.extension in ("*", match.group(2)):
                    batches.append(match.group(1))
    except FileNotFoundError:
        pass
    return {"latest_batch": max(batches) if batches else None, "files": len(batches)}


def zone_state(raw_root: Path, tables: list[LandedTable]) -> dict[str, dict]:
    return {table.name: table_state(raw_root, table) for table in tables}


def new_deliveries(previous: Mapping[str, dict], current: Mapping[str, dict]) -> list[str]:
    """Tables that received files since `previous` (a newer batch, or more files: a delivery that
    landed late still counts). An empty `previous` (first look) counts every non-empty table."""
    changed = []
    for name, state in sorted(current.items()):
        before = previous.get(name) or {"latest_batch": None, "files": 0}
        if state["files"] > before["files"] or (state["latest_batch"] or "") > (
            before["latest_batch"] or ""
        ):
            changed.append(name)
    return changed


def encode_cursor(state: Mapping[str, dict]) -> str:
    return json.dumps(state, sort_keys=True, separators=(",", ":"))


def decode_cursor(cursor: str | None) -> dict[str, dict]:
    if not cursor:
        return {}
    try:
        decoded = json.loads(cursor)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}
