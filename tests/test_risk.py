"""Risk groups and alerts on a generated landing zone, scored against the generator's _truth/
(which the models never read), and group ids that survive new deliveries."""

import csv
import os
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import query, run_dbt


def truth_users(zone: Path) -> dict[str, dict]:
    with open(zone / "_truth" / "users.csv", newline="", encoding="utf-8") as handle:
        return {row["user_id"]: row for row in csv.DictReader(handle)}


def flagged_membership(warehouse: Path) -> dict[str, str]:
    return dict(
        query(
            warehouse,
            """
            select members.user_id, members.group_id
            from marts.risk_group_members as members
            inner join marts.risk_groups as groups on members.group_id = groups.group_id
            where groups.is_flagged
            """,
        )
    )


def test_true_rings_sit_in_one_flagged_group(generated_zone, generated_warehouse):
    truth = truth_users(generated_zone)
    rings = defaultdict(list)
    for user, row in truth.items():
        if row["group_id"]:
            rings[row["group_id"]].append(user)
    flagged = flagged_membership(generated_warehouse)
    big_rings = {ring: members for ring, members in rings.items() if len(members) >= 4}
    assert big_rings, "the generated zone has organised groups of 4+"
    covered = 0
    for members in big_rings.values():
        groups = Counter(flagged[user] for user in members if user in flagged)
        if groups and groups.most_common(1)[0][1] >= 0.8 * len(members):
            covered += 1
    assert covered / len(big_rings) >= 0.9, f"{covered}/{len(big_rings)} rings covered"


def test_flagged_groups_are_fraud_not_families(generated_zone, generated_warehouse):
    truth = truth_users(generated_zone)
    flagged = flagged_membership(generated_warehouse)
    assert flagged
    fraudulent = sum(1 for user in flagged if truth[user]["is_fraud"] == "true")
    assert fraudulent / len(flagged) >= 0.9


def test_alerts_cover_fraudsters_precisely(generated_zone, generated_warehouse):
    truth = truth_users(generated_zone)
    covered = {
        user
        for (user,) in query(
            generated_warehouse,
            """
            select coalesce(members.user_id, alerts.entity_id)
            from marts.risk_alerts as alerts
            left join marts.risk_group_members as members
                on alerts.entity_type = 'group' and alerts.entity_id = members.group_id
            """,
        )
    }
    fraud = {user for user, row in truth.items() if row["is_fraud"] == "true"}
    true_positives = len(covered & fraud)
    assert true_positives / len(covered) >= 0.85
    assert true_positives / len(fraud) >= 0.85


def test_alerts_are_raised_on_the_scan_cadence(generated_warehouse):
    rows = query(
        generated_warehouse,
        """
        select cadence, raised_at, condition_met_at from marts.risk_alerts
        """,
    )
    assert rows
    for cadence, raised_at, condition_met_at in rows:
        assert raised_at >= condition_met_at
        if cadence == "T+hours":
            assert raised_at.minute == 0 and raised_at.hour % 4 == 0
            assert (raised_at - condition_met_at).total_seconds() < 4 * 3600
        else:
            assert (raised_at.hour, raised_at.minute) == (2, 0)
            assert (raised_at - condition_met_at).total_seconds() < 24 * 3600


@pytest.fixture(scope="module")
def earlier_warehouse(generated_zone, tmp_path_factory) -> Path:
    """The same zone as delivered three days before its end: every file of a later batch held back."""
    files = sorted(p for p in generated_zone.rglob("*.*") if "_truth" not in p.parts)
    last_batch = datetime.strptime(max(p.stem for p in files), "%Y-%m-%dT%H")
    cutoff = (last_batch - timedelta(days=3)).strftime("%Y-%m-%dT%H")
    earlier = tmp_path_factory.mktemp("earlier") / "raw"
    for path in files:
        if path.stem <= cutoff:
            target = earlier / path.relative_to(generated_zone)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(path, target)
    workdir = tmp_path_factory.mktemp("earlier_build")
    warehouse = workdir / "warehouse.duckdb"
    run_dbt(
        [
            "build",
            "--select",
            "+risk_group_members",
            "+risk_groups",
            "--indirect-selection",
            "cautious",
        ],
        earlier,
        warehouse,
        workdir / "target",
    )
    return warehouse


def test_a_ring_keeps_its_group_id_as_deliveries_arrive(generated_warehouse, earlier_warehouse):
    earlier = dict(
        query(earlier_warehouse, "select user_id, group_id from marts.risk_group_members")
    )
    later = dict(
        query(generated_warehouse, "select user_id, group_id from marts.risk_group_members")
    )
    flagged_earlier = {
        group
        for (group,) in query(
            earlier_warehouse, "select group_id from marts.risk_groups where is_flagged"
        )
    }
    assert flagged_earlier
    kept = [
        user
        for user, group in earlier.items()
        if group in flagged_earlier and later.get(user) == group
    ]
    in_flagged = [user for user, group in earlier.items() if group in flagged_earlier]
    assert len(kept) / len(in_flagged) >= 0.95
