"""How dbt resources become Dagster assets: the one place for keys and grouping.

- A model, seed or snapshot is keyed `[schema, name]` (`marts/dim_users`), like its table.
- A landed table (a dbt source) is keyed `[landing, system, table]` and observed by
  `orchestration.landing`, so the landing zone and the models form one lineage graph.
- Groups follow layer and domain: `staging_<system>`, `intermediate_<domain>`, `marts_<domain>`,
  `audit`, `seeds`, `landing`; the domain is the folder under the layer (models/<layer>/<domain>/).
- Every dbt data test is an asset check; an error-severity test is a blocking check, so a failure
  stops what depends on it (dbt build skips it too).
"""

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

LANDING = "landing"
LAYERS = ("staging", "intermediate", "marts", "audit")


def layer_and_domain(dbt_resource_props: Mapping[str, Any]) -> tuple[str, str | None]:
    """(layer, domain) of a dbt resource, from where it lives in the project."""
    resource_type = dbt_resource_props["resource_type"]
    if resource_type == "source":
        return LANDING, dbt_resource_props["source_name"]
    if resource_type == "seed":
        return "seeds", None
    folders = list(dbt_resource_props.get("fqn", []))[1:-1]  # [layer, domain, ...] of models/
    layer = folders[0] if folders else dbt_resource_props.get("schema", "main")
    domain = folders[1] if len(folders) > 1 else None
    return layer, domain


def group_name(dbt_resource_props: Mapping[str, Any]) -> str:
    layer, domain = layer_and_domain(dbt_resource_props)
    if layer in (LANDING, "seeds", "audit") or domain is None:
        return layer
    return f"{layer}_{domain}"


def asset_key(dbt_resource_props: Mapping[str, Any]) -> AssetKey:
    if dbt_resource_props["resource_type"] == "source":
        return AssetKey([LANDING, dbt_resource_props["source_name"], dbt_resource_props["name"]])
    return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])


class WarehouseTranslator(DagsterDbtTranslator):
    def __init__(self):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        return asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return group_name(dbt_resource_props)

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        layer, domain = layer_and_domain(dbt_resource_props)
        return {
            **super().get_tags(dbt_resource_props),
            "layer": layer,
            **({"domain": domain} if domain else {}),
        }
