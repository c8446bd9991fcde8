"""The project's conventions, read from dbt's manifest: a newcomer can rely on them everywhere."""

import json
from pathlib import Path

import pytest
from conftest import PROJECT_DIR

STAGING_SHARED_MODELS = {"stg_reference__fx_rates"}  # USD conversion in staging needs the rates


@pytest.fixture(scope="module")
def manifest(parsed_project) -> dict:
    return json.loads((parsed_project / "manifest.json").read_text())


def models(manifest):
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "marketplace_warehouse"
    }


def data_tests_on(manifest, model_unique_id):
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and model_unique_id in node["depends_on"]["nodes"]
    ]


def test_every_model_is_described(manifest):
    undocumented = [name for name, node in models(manifest).items() if not node["description"]]
    assert undocumented == []


def test_every_model_has_a_primary_key_test(manifest):
    missing = []
    for name, node in models(manifest).items():
        tests = data_tests_on(manifest, node["unique_id"])
        names = {t["test_metadata"]["name"] for t in tests if t.get("test_metadata")}
        unique_columns = {
            t.get("column_name")
            for t in tests
            if t.get("test_metadata", {}).get("name") == "unique"
        }
        not_null_columns = {
            t.get("column_name")
            for t in tests
            if t.get("test_metadata", {}).get("name") == "not_null"
        }
        has_single_key = bool(unique_columns & not_null_columns)
        if not (has_single_key or "unique_combination_of_columns" in names):
            missing.append(name)
    assert missing == []


def test_every_mart_column_is_documented_and_contracted(manifest):
    for name, node in models(manifest).items():
        if node["schema"] != "marts":
            continue
        assert node["config"]["contract"]["enforced"], f"{name} has no enforced contract"
        assert node["columns"], f"{name} documents no columns"
        for column, spec in node["columns"].items():
            assert spec["description"], f"{name}.{column} is undocumented"
            assert spec["data_type"], f"{name}.{column} has no data type"


def test_only_base_models_read_sources(manifest):
    for name, node in models(manifest).items():
        reads_sources = any(n.startswith("source.") for n in node["depends_on"]["nodes"])
        if reads_sources:
            assert name.startswith("base_"), f"{name} reads a source"
            assert node["schema"] == "staging"


def test_staging_models_live_in_their_system_folder(manifest):
    for name, node in models(manifest).items():
        path = Path(node["original_file_path"])
        if path.parts[1] != "staging":
            continue
        prefix, _, rest = name.partition("_")
        system = rest.split("__")[0]
        assert prefix in {"stg", "base"}, name
        assert "__" in name, name
        assert path.parts[2] == system, f"{name} is not in models/staging/{system}/"


def test_staging_reads_only_its_own_base_model(manifest):
    all_models = models(manifest)
    by_id = {node["unique_id"]: name for name, node in all_models.items()}
    for name, node in all_models.items():
        if not name.startswith("stg_"):
            continue
        upstream = {by_id[n] for n in node["depends_on"]["nodes"] if n in by_id}
        allowed = {"base_" + name[len("stg_") :]} | STAGING_SHARED_MODELS
        assert upstream <= allowed, f"{name} reads {upstream - allowed}"


def test_every_landed_table_is_declared_and_described(manifest):
    sources = [
        s for s in manifest["sources"].values() if s["package_name"] == "marketplace_warehouse"
    ]
    assert len(sources) == 15
    for source in sources:
        assert source["description"], source["unique_id"]
        assert source["freshness"]["warn_after"]["count"], source["unique_id"]
        assert source["loaded_at_field"], source["unique_id"]
        for column, spec in source["columns"].items():
            assert spec["description"], f"{source['unique_id']}.{column}"


def test_no_project_file_reads_the_shared_folder():
    shared_folder = "/".join(["..", "shared"])
    offenders = []
    for path in PROJECT_DIR.rglob("*"):
        if any(part in {".venv", "data", "target", ".git", "logs"} for part in path.parts):
            continue
        suffixes = {".py", ".sql", ".yml", ".yaml", ".toml", ".cfg"}
        if (
            path.is_file()
            and path.suffix in suffixes
            and shared_folder in path.read_text(errors="ignore")
        ):
            offenders.append(str(path.relative_to(PROJECT_DIR)))
    assert offenders == []
