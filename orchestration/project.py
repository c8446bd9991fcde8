"""The dbt project as Dagster sees it: one cached DbtProject, its manifest built with `dbt parse`."""

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration import settings


@cache
def _project() -> DbtProject:
    _put_dbt_on_path()
    return DbtProject(
        project_dir=settings.PROJECT_DIR,
        profiles_dir=settings.PROJECT_DIR,
        target_path=settings.dbt_target_path(),
    )


@cache
def warehouse_project() -> DbtProject:
    """The one DbtProject of this code location. Under `dagster dev` its manifest is re-parsed at
    load (prepare_if_dev); elsewhere it is built by `dbt parse` when missing (`make refresh` and
    `make rebuild` parse before every run, so a changed model is always picked up)."""
    project = _project()
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        prepare(project)
    return project


def manifest() -> dict:
    return json.loads(warehouse_project().manifest_path.read_text())


def _put_dbt_on_path() -> None:
    """dagster-dbt's manifest preparation runs `dbt` from PATH: make it this environment's."""
    if shutil.which("dbt") is None:
        os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])


# What `dbt parse` reads: when none of it changed since the manifest was written, it is current.
PARSED_INPUTS = (
    "dbt_project.yml",
    "profiles.yml",
    "packages.yml",
    "dependencies.yml",
    "selectors.yml",
)
PARSED_FOLDERS = ("models", "macros", "seeds", "snapshots", "analyses", "tests/dbt")


def manifest_is_current(project: DbtProject) -> bool:
    if not project.manifest_path.exists():
        return False
    written = project.manifest_path.stat().st_mtime
    root = Path(project.project_dir)
    inputs = [root / name for name in PARSED_INPUTS]
    for folder in PARSED_FOLDERS:
        inputs.extend(path for path in (root / folder).rglob("*") if path.is_file())
    return all(not path.exists() or path.stat().st_mtime < written for path in inputs)


def prepare(project: DbtProject | None = None, force: bool = False) -> Path:
    """(Re)build the manifest with `dbt parse` unless it is current; returns its path."""
    project = project or _project()
    if not force and manifest_is_current(project):
        return project.manifest_path
    subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--target-path", str(project.target_path)],
        cwd=project.project_dir,
        env={**os.environ, "DBT_PROFILES_DIR": str(project.profiles_dir)},
        check=True,
    )
    return project.manifest_path


def dbt_executable() -> str:
    """dbt of this environment, started through a guard that kills it if the process that started
    it dies (a killed run must not leave a dbt writing to the warehouse behind it)."""
    os.environ.setdefault("WAREHOUSE_PYTHON", sys.executable)
    os.environ.setdefault("WAREHOUSE_DBT_EXECUTABLE", str(Path(sys.executable).with_name("dbt")))
    return str(Path(__file__).resolve().parent / "bin" / "dbt")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=warehouse_project(),
        profiles_dir=str(settings.PROJECT_DIR),
        dbt_executable=dbt_executable(),
    )
