"""Risk brief: what is new since the last brief, the case queue, the top fraud groups with a picture
of how each is linked, how well the strategies work, chargebacks, customer friction and drift.

Reads marts.risk_alerts, risk_cases, risk_groups, risk_group_members, risk_user_features,
risk_actions, risk_labels, risk_strategy_performance, ops_daily_kpis and ops_support_daily.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import altair as alt

from reports import charts, fmt
from reports.page import (
    Cell,
    Finding,
    Kpi,
    Links,
    Page,
    Section,
    Table,
    Text,
    Tiles,
    num,
    top_findings,
    write,
)
from reports.risk_common import (
    PACKS_DIR,
    SOURCES,
    group_links_chart,
    is_high_priority,
    link_label,
    shared_things,
    strategy_labels,
)
from reports.source import Marts, open_marts, utc_now

FILE_NAME = "risk_brief.html"
STATE_FILE = "risk_brief.state.json"  # the previous brief's cutoff: "new since the last brief"
MARTS = [
    "marts.risk_alerts",
    "marts.risk_cases",
    "marts.risk_groups",
    "marts.risk_group_members",
    "marts.risk_user_features",
    "marts.risk_actions",
    "marts.risk_labels",
    "marts.risk_strategy_performance",
    "marts.ops_daily_kpis",
    "marts.ops_support_daily",
]
SEVERITY_ORDER = ["critical", "high", "medium", "low"]
TOP_GROUPS = 4
# A strategy's precision is worth a finding below this, once enough users were reviewed.
PRECISION_TARGET = 0.8
MIN_REVIEWED = 10
# Appeals against restrictions: a finding when this share of decided appeals was upheld.
APPEAL_UPHELD_SHARE = 0.3
MIN_APPEALS = 5
# Fraud chargebacks: a finding when the last 7 days exceed the 7 before by this much.
CHARGEBACK_RISE = 0.5
MIN_CHARGEBACKS = 5


# --- findings: small pure functions, data in, Finding or None out ------------------------------


def finding_overdue_cases(open_cases: list[dict], cutoff: datetime) -> Finding | None:
    """Open cases whose SLA has passed at the data cutoff."""
    overdue = [c for c in open_cases if c["sla_due_at"] is not None and c["sla_due_at"] < cutoff]
    if not overdue:
        return None
    critical = [c for c in overdue if c["severity"] == "critical"]
    loss = sum(float(c["expected_loss_usd"] or 0) for c in overdue)
    oldest = min(overdue, key=lambda c: c["sla_due_at"])
    late = (cutoff - oldest["sla_due_at"]).total_seconds() / 3600
    return Finding(
        key="overdue_cases",
        headline=(
            f"{fmt.plural(len(overdue), 'open case')} ({len(critical)} critical) "
            f"{'is' if len(overdue) == 1 else 'are'} past the time allowed to handle them, "
            f"with {fmt.money(loss)} of expected loss."
        ),
        detail=(
            f"The oldest, {oldest['case_id']} ({oldest['entity_id']}), "
            f"has been overdue for {fmt.hours(late)}."
        ),
        recommendation=(
            f"Clear the {len(critical)} critical cases today, oldest first, and give the queue "
            f"another investigator until no case is overdue; cases that cannot be reached "
            f"should keep their restriction rather than wait unreviewed."
            if critical
            else "Work the overdue cases oldest first and add an investigator to the queue "
            "until none is overdue."
        ),
        weight=loss + 10_000,
    )


def finding_top_group(group: dict | None, case: dict | None) -> Finding | None:
    """The flagged group with the most money at stake in an open case."""
    if not group or not case:
        return None
    restricted = case.get("members_restricted") or 0
    unrestricted = (group["member_count"] or 0) - restricted
    action = (
        f"Restrict the {fmt.plural(unrestricted, 'member')} not yet restricted"
        if unrestricted > 0
        else "Keep all members restricted"
    )
    return Finding(
        key="top_group",
        headline=(
            f"Group {group['group_id']}: {fmt.plural(group['member_count'], 'account')} "
            f"sharing {shared_things(group['shared_identifier_types'])} put "
            f"{fmt.money(case['expected_loss_usd'])} at risk in open case {case['case_id']}."
        ),
        detail=f"Why it was flagged: {group['reason']}.",
        recommendation=(
            f"{action}, hold its payouts and investigate the members together in case "
            f"{case['case_id']} (its investigation pack lists every account and the money)."
        ),
        weight=float(case["expected_loss_usd"] or 0) + 5_000,
    )


def finding_low_precision(strategies: list[dict], labels: dict[str, str]) -> Finding | None:
    """The strategy whose alerts were most often cleared as false positives."""
    weak = [
        s
        for s in strategies
        if (s["reviewed_users"] or 0) >= MIN_REVIEWED
        and s["precision"] is not None
        and s["precision"] < PRECISION_TARGET
    ]
    if not weak:
        return None
    worst = min(weak, key=lambda s: s["precision"])
    name = labels.get(worst["strategy_id"], worst["strategy_id"])
    return Finding(
        key="low_precision",
        headline=(
            f"{name}: {fmt.count(worst['false_positive_users'])} of "
            f"{fmt.count(worst['reviewed_users'])} reviewed users "
            f"({fmt.pct(1 - worst['precision'])}) turned out to be innocent."
        ),
        detail=(
            f"Its precision is {fmt.pct(worst['precision'])}, below the "
            f"{fmt.pct(PRECISION_TARGET)} we aim for; each false alarm bothers a good customer."
        ),
        recommendation=(
            f"Tighten {name}'s rules (check the threshold trade-off table in the strategy "
            "backtest) and sample its next alerts for review before they restrict anyone."
        ),
        weight=float(worst["false_positive_users"]) * 200,
    )


def finding_appeals_upheld(lifted: int, upheld: int) -> Finding | None:
    """Appeals against restrictions that support decided in the customer's favour."""
    decided = (lifted or 0) + (upheld or 0)
    if decided < MIN_APPEALS or lifted / decided < APPEAL_UPHELD_SHARE:
        return None
    return Finding(
        key="appeals_upheld",
        headline=(
            f"{fmt.count(lifted)} of {fmt.count(decided)} appeals against a restriction "
            f"({fmt.pct(lifted / decided)}) ended with the restriction lifted."
        ),
        detail="Every lifted restriction is a good customer we blocked, and a support ticket.",
        recommendation=(
            "Look at which strategies restricted the customers who won their appeal and move "
            "those strategies from restrict to challenge (a verification step) until their "
            "precision improves."
        ),
        weight=float(lifted) * 300,
    )


def finding_fraud_chargebacks_rising(daily: list[dict]) -> Finding | None:
    """Fraud chargebacks of the last 7 days against the 7 days before (daily rows, oldest first)."""
    if len(daily) < 14:
        return None
    last, before = daily[-7:], daily[-14:-7]
    now = sum(row["fraud_chargebacks"] or 0 for row in last)
    then = sum(row["fraud_chargebacks"] or 0 for row in before)
    if now < MIN_CHARGEBACKS or now < then * (1 + CHARGEBACK_RISE):
        return None
    amount = sum(float(row["chargeback_amount_usd"] or 0) for row in last)
    return Finding(
        key="fraud_chargebacks_rising",
        headline=(
            f"Fraud chargebacks rose to {fmt.count(now)} in the last 7 days from "
            f"{fmt.count(then)} the week before ({fmt.money(amount)} charged back in all)."
        ),
        detail="Chargebacks arrive weeks after the payment, so this is fraud that already got through.",
        recommendation=(
            "Find the cards, devices and groups behind these chargebacks in the investigation "
            "queue, block them, and check with the payments team how close the month's "
            "chargeback count is to the card networks' monitoring thresholds."
        ),
        weight=amount + 2_000,
    )


def finding_new_alerts(
    new_alerts: list[dict], labels: dict[str, str], since_label: str
) -> Finding | None:
    """The strategy that raised the most money at risk since the last brief."""
    if not new_alerts:
        return None
    by_strategy: dict[str, list[dict]] = {}
    for alert in new_alerts:
        by_strategy.setdefault(alert["strategy_id"], []).append(alert)
    strategy, alerts = max(
        by_strategy.items(),
        key=lambda item: (sum(float(a["money_at_risk_usd"] or 0) for a in item[1]), len(item[1])),
    )
    money = sum(float(a["money_at_risk_usd"] or 0) for a in alerts)
    name = labels.get(strategy, strategy)
    return Finding(
        key="new_alerts",
        headline=(
            f"{name} raised {fmt.plural(len(alerts), 'new alert')} {since_label}"
            + (f", with {fmt.money(money)} at risk." if money else ".")
        ),
        detail=f"Biggest: {max(alerts, key=lambda a: float(a['money_at_risk_usd'] or 0))['reason']}.",
        recommendation=(
            "Confirm the restrictions on these accounts are in force and open their cases in "
            "order of expected loss."
        ),
        weight=money + 1_000,
    )


# --- data -------------------------------------------------------------------------------------


@dataclass
class RiskBrief:
    cutoff: datetime
    since: datetime
    since_label: str
    previous: dict
    alerts: list[dict]
    new_alerts: list[dict]
    cases: list[dict]
    new_cases: list[dict]
    open_cases: list[dict]
    groups: list[dict]
    group_members: dict[str, list[dict]]
    group_cases: dict[str, dict]
    strategies: list[dict]
    strategy_days: list[dict]
    chargebacks: list[dict]
    friction: list[dict]
    appeals: dict
    false_positive_verdicts: int
    labels: dict[str, str]
    warnings: list[dict] | None = None
    missing: list[str] = field(default_factory=list)


def baseline(previous: dict, cutoff: datetime) -> tuple[datetime, str]:
    """Since when things count as new: the previous brief's cutoff; a rerun on the same data keeps
    that brief's baseline; without a usable previous brief, the last 24 hours."""
    try:
        previous_cutoff = datetime.fromisoformat(previous["data_cutoff"])
        previous_since = datetime.fromisoformat(previous["since"])
    except (KeyError, TypeError, ValueError):
        previous_cutoff = previous_since = None
    if previous_cutoff is not None and previous_cutoff < cutoff:
        return previous_cutoff, f"since the last brief (data to {fmt.moment(previous_cutoff)})"
    if previous_cutoff == cutoff and previous_since is not None:
        return previous_since, f"since the brief before (data to {fmt.moment(previous_since)})"
    since = cutoff - timedelta(hours=24)
    return since, "in the last 24 hours of data (no earlier brief to compare with)"


def load(marts: Marts, previous: dict) -> RiskBrief:
    freshness = marts.freshness(SOURCES)
    cutoff = freshness.data_cutoff or utc_now()
    since, since_label = baseline(previous, cutoff)
    alerts = marts.rows(
        """
        select alert_id, strategy_id, entity_type, entity_id, raised_at, severity, action, score,
            money_at_risk_usd, reason, status
        from marts.risk_alerts order by raised_at desc, money_at_risk_usd desc nulls last
        """
    )
    cases = marts.rows(
        """
        select case_id, entity_type, entity_id, opened_at, severity, sla_due_at,
            expected_loss_usd, priority_rank, linked_accounts, money_in_usd, money_out_usd,
            strategies, status
        from marts.risk_cases order by priority_rank
        """
    )
    open_cases = [c for c in cases if c["status"] == "open"]
    groups = marts.rows(
        """
        select group_id, member_count, shared_identifier_types, reason, risk_score,
            dominant_channel, dominant_campaign_id, bonus_usd, internal_trade_usd
        from marts.risk_groups where is_flagged
        order by risk_score desc, member_count desc, group_id
        """
    )
    group_cases = {
        c["entity_id"]: c for c in open_cases if c["entity_type"] == "group"
    }  # open cases on groups, by group
    # Top groups: the flagged groups with the most expected loss in open cases, then by score.
    groups.sort(
        key=lambda g: -float((group_cases.get(g["group_id"]) or {}).get("expected_loss_usd") or 0)
    )
    top = groups[:TOP_GROUPS]
    members = marts.rows(
        """
        select members.group_id, members.user_id, members.linked_by, members.is_anchor,
            features.is_labelled_fraud, actions.action
        from marts.risk_group_members as members
        left join marts.risk_user_features as features on members.user_id = features.user_id
        left join marts.risk_actions as actions
            on members.user_id = actions.user_id and actions.is_active
        where members.group_id in (select unnest(?::varchar[]))
        order by members.group_id, members.user_id
        """,
        [[g["group_id"] for g in top]],
    )
    group_members: dict[str, list[dict]] = {}
    for member in members:
        group_members.setdefault(member["group_id"], []).append(member)
    for group_id, case in group_cases.items():
        case["members_restricted"] = sum(
            1 for m in group_members.get(group_id, []) if m["action"] == "restrict"
        )
    strategies = marts.rows(
        """
        select strategy_id,
            sum(alerts) as alerts,
            sum(users_covered) as users_covered,
            sum(reviewed_users) as reviewed_users,
            sum(confirmed_users) as confirmed_users,
            sum(false_positive_users) as false_positive_users,
            sum(confirmed_users) / nullif(sum(confirmed_users) + sum(false_positive_users), 0)
                as precision,
            arg_max(recall_to_date, report_date) filter (where recall_to_date is not null)
                as recall_to_date,
            sum(money_at_risk_usd) as money_at_risk_usd,
            max(report_date) as last_alert_day
        from marts.risk_strategy_performance
        group by strategy_id
        order by strategy_id
        """
    )
    strategy_days = marts.rows(
        """
        select strategy_id, report_date, recall_to_date, precision
        from marts.risk_strategy_performance
        where recall_to_date is not null
        order by strategy_id, report_date
        """
    )
    chargebacks = marts.rows(
        """
        select date_day, chargebacks, fraud_chargebacks, chargeback_amount_usd, successful_payments
        from marts.ops_daily_kpis order by date_day
        """
    )
    friction = marts.rows(
        """
        select actions.action,
            count(*) as users,
            count(*) filter (where not coalesce(features.is_labelled_fraud, false))
                as users_without_fraud_label
        from marts.risk_actions as actions
        left join marts.risk_user_features as features on actions.user_id = features.user_id
        where actions.is_active
        group by actions.action
        order by users desc
        """
    )
    appeals = marts.one(
        """
        select coalesce(sum(tickets_created), 0) as appeals,
            coalesce(sum(restrictions_lifted), 0) as lifted,
            coalesce(sum(restrictions_upheld), 0) as upheld
        from marts.ops_support_daily where category = 'account_restricted'
        """
    )
    false_positive_verdicts = marts.one(
        "select count(*) as n from marts.risk_labels where label_type = 'false_positive_case'"
    )["n"]
    warnings = None
    missing = []
    if marts.has("marts.risk_warnings"):
        warnings = marts.rows("select * from marts.risk_warnings")
    else:
        missing.append(
            "Warnings (marts.risk_warnings): not built in this warehouse yet, so new warnings "
            "are not counted."
        )
    missing += [
        "Chargeback rate against the card networks' thresholds: the warehouse has chargeback "
        "counts and amounts per day (shown) but no chargeback rate or network threshold table.",
        "Feature drift: no warehouse table measures how the risk features' distributions move "
        "between periods yet.",
    ]
    labels = strategy_labels(
        {a["strategy_id"] for a in alerts} | {s["strategy_id"] for s in strategies}
    )
    return RiskBrief(
        cutoff=cutoff,
        since=since,
        since_label=since_label,
        previous=previous,
        alerts=alerts,
        new_alerts=[a for a in alerts if since < a["raised_at"] <= cutoff],
        cases=cases,
        new_cases=[c for c in cases if since < c["opened_at"] <= cutoff],
        open_cases=open_cases,
        groups=top,
        group_members=group_members,
        group_cases=group_cases,
        strategies=strategies,
        strategy_days=strategy_days,
        chargebacks=chargebacks,
        friction=friction,
        appeals=appeals,
        false_positive_verdicts=false_positive_verdicts,
        labels=labels,
        warnings=warnings,
        missing=missing,
    )


def findings(brief: RiskBrief) -> list[Finding]:
    top_group = brief.groups[0] if brief.groups else None
    return top_findings(
        [
            finding_overdue_cases(brief.open_cases, brief.cutoff),
            finding_top_group(top_group, brief.group_cases.get((top_group or {}).get("group_id"))),
            finding_low_precision(brief.strategies, brief.labels),
            finding_appeals_upheld(brief.appeals.get("lifted", 0), brief.appeals.get("upheld", 0)),
            finding_fraud_chargebacks_rising(brief.chargebacks),
            finding_new_alerts(brief.new_alerts, brief.labels, brief.since_label),
        ]
    )


# --- page -------------------------------------------------------------------------------------


def _money_sum(rows, column="money_at_risk_usd") -> float:
    return sum(float(row[column] or 0) for row in rows)


def headline_tiles(brief: RiskBrief) -> list[Kpi]:
    previous_new = brief.previous.get("new_alerts")
    open_alerts = [a for a in brief.alerts if a["status"] == "open"]
    overdue = [c for c in brief.open_cases if c["sla_due_at"] < brief.cutoff]
    new_critical = sum(1 for c in brief.new_cases if c["severity"] == "critical")
    tiles = [
        Kpi(
            "New alerts",
            fmt.count(len(brief.new_alerts)),
            "risk.new_alerts",
            len(brief.new_alerts),
            change=None if previous_new is None else f"{previous_new} in the previous brief",
            hint=f"{fmt.money(_money_sum(brief.new_alerts))} at risk",
        ),
        Kpi(
            "New cases",
            fmt.count(len(brief.new_cases)),
            "risk.new_cases",
            len(brief.new_cases),
            hint=f"{new_critical} critical",
        ),
    ]
    if brief.warnings is not None:
        tiles.append(
            Kpi("Warnings", fmt.count(len(brief.warnings)), "risk.warnings", len(brief.warnings))
        )
    tiles += [
        Kpi(
            "Money at risk (open alerts)",
            fmt.money(_money_sum(open_alerts)),
            "risk.money_at_risk_open_usd",
            round(_money_sum(open_alerts), 2),
            hint=f"{fmt.count(len(open_alerts))} open alerts",
        ),
        Kpi(
            "Open cases",
            fmt.count(len(brief.open_cases)),
            "risk.open_cases",
            len(brief.open_cases),
            change=f"{len(overdue)} overdue",
            tone="bad" if overdue else "good",
            hint=f"{fmt.money(_money_sum(brief.open_cases, 'expected_loss_usd'))} expected loss",
        ),
    ]
    return tiles


def headline(brief: RiskBrief) -> str:
    new_critical = sum(1 for c in brief.new_cases if c["severity"] == "critical")
    open_alerts = [a for a in brief.alerts if a["status"] == "open"]
    warnings = (
        f", {fmt.plural(len(brief.warnings), 'warning')}" if brief.warnings is not None else ""
    )
    return (
        f"{brief.since_label[0].upper()}{brief.since_label[1:]}: "
        f"{fmt.plural(len(brief.new_alerts), 'new alert')}{warnings} and "
        f"{fmt.plural(len(brief.new_cases), 'new case')} ({new_critical} critical). "
        f"Open alerts put {fmt.money(_money_sum(open_alerts))} at risk."
    )


def new_section(brief: RiskBrief) -> Section:
    section = Section(
        "new",
        "New since the last brief",
        f"Alerts raised {brief.since_label}, biggest money at risk first.",
    )
    start = brief.cutoff - timedelta(days=28)
    per_day: dict[tuple, int] = {}
    for alert in brief.alerts:
        if alert["raised_at"] > start:
            key = (alert["raised_at"].date(), alert["severity"])
            per_day[key] = per_day.get(key, 0) + 1
    rows = [{"day": d, "severity": s, "alerts": n} for (d, s), n in sorted(per_day.items())]
    if rows:
        present = [s for s in SEVERITY_ORDER if any(r["severity"] == s for r in rows)]
        chart = (
            alt.Chart(charts.data(rows))
            .mark_bar()
            .encode(
                x=charts.utc_x("day", None),
                y=alt.Y("alerts:Q", title="Alerts raised", stack=True),
                color=alt.Color(
                    "severity:N",
                    title=None,
                    scale=alt.Scale(
                        domain=present,
                        range=[
                            {
                                "critical": "#B42318",
                                "high": "#E69F00",
                                "medium": "#56B4E9",
                                "low": "#9aa5b1",
                            }[s]
                            for s in present
                        ],
                    ),
                    sort=present,
                ),
                order=alt.Order("severity:N"),
            )
            .properties(width=charts.WIDTH, height=charts.HEIGHT)
        )
        section.add(
            charts.block(
                chart,
                "Alerts raised per day, last 4 weeks",
                "Each bar is a day; colours show how severe the alerts were.",
            )
        )
    top = sorted(brief.new_alerts, key=lambda a: -float(a["money_at_risk_usd"] or 0))[:10]
    if top:
        section.add(
            Table(
                ["Raised", "What", "Who", "Severity", "Money at risk"],
                [
                    [
                        fmt.short_moment(a["raised_at"]),
                        brief.labels.get(a["strategy_id"], a["strategy_id"]),
                        a["entity_id"],
                        a["severity"],
                        num(fmt.money(a["money_at_risk_usd"]), a["money_at_risk_usd"]),
                    ]
                    for a in top
                ],
                caption=f"{fmt.plural(len(brief.new_alerts), 'new alert')}; the 10 with the most money at risk",
            )
        )
    else:
        section.add(Text(f"No alert was raised {brief.since_label}.", "note"))
    return section


def queue_section(brief: RiskBrief, packs: set[str]) -> Section:
    section = Section(
        "queue",
        "Case queue",
        "Open cases, highest expected loss first. A case groups the alerts on one account or group.",
    )
    by_severity = []
    for severity in SEVERITY_ORDER:
        in_severity = [c for c in brief.open_cases if c["severity"] == severity]
        overdue = [c for c in in_severity if c["sla_due_at"] < brief.cutoff]
        if in_severity:
            by_severity.append(
                Kpi(
                    f"Open {severity}",
                    fmt.count(len(in_severity)),
                    f"risk.open_cases.{severity}",
                    len(in_severity),
                    change=f"{len(overdue)} overdue",
                    tone="bad" if overdue else "good",
                )
            )
    if by_severity:
        section.add(Tiles(by_severity))
    rows = []
    for case in brief.open_cases[:10]:
        overdue = case["sla_due_at"] < brief.cutoff
        rows.append(
            [
                Cell(case["case_id"], href=f"{PACKS_DIR}/{case['case_id']}.html")
                if case["case_id"] in packs
                else case["case_id"],
                case["entity_id"],
                case["severity"],
                num(fmt.money(case["expected_loss_usd"]), case["expected_loss_usd"]),
                ("overdue since " if overdue else "due ") + fmt.short_moment(case["sla_due_at"]),
            ]
        )
    if rows:
        section.add(
            Table(
                ["Case", "Account or group", "Severity", "Expected loss", "Deadline"],
                rows,
                caption="The 10 open cases with the highest expected loss (linked: investigation pack)",
            )
        )
    if packs:
        section.add(
            Links(
                [
                    (
                        "All investigation packs",
                        f"{PACKS_DIR}/index.html",
                        f"{len(packs)} open critical and high-severity cases",
                    )
                ]
            )
        )
    return section


def groups_section(brief: RiskBrief) -> Section:
    section = Section(
        "groups",
        "Top fraud groups",
        "Accounts linked by what they share. Each picture joins the members (right) to the kinds "
        "of thing they share with others (left); colours show what we know about each member.",
    )
    rows = []
    for group in brief.groups:
        members = brief.group_members.get(group["group_id"], [])
        case = brief.group_cases.get(group["group_id"])
        if members:
            section.add(
                charts.block(
                    group_links_chart(members),
                    f"Group {group['group_id']} · {fmt.plural(group['member_count'], 'member')}",
                    group["reason"] or "",
                )
            )
        rows.append(
            [
                group["group_id"],
                num(fmt.count(group["member_count"]), group["member_count"]),
                num(str(group["risk_score"]), group["risk_score"]),
                num(
                    fmt.money(case["expected_loss_usd"]) if case else "no open case",
                    case["expected_loss_usd"] if case else None,
                ),
                fmt.listing([link_label(k) for k in group["shared_identifier_types"] or []]),
            ]
        )
    if rows:
        section.add(
            Table(
                ["Group", "Members", "Risk score", "Expected loss", "Linked by"],
                rows,
                caption="Flagged groups with the most expected loss in open cases",
            )
        )
    else:
        section.add(Text("No group is flagged as organised fraud.", "note"))
    return section


def strategies_section(brief: RiskBrief) -> Section:
    section = Section(
        "strategies",
        "Are the strategies working?",
        "Precision: of the users a strategy flagged and an investigator or a chargeback has since "
        "judged, the share that were fraud. Recall: of all known fraudsters, the share the "
        "strategy caught.",
    )
    measured = [
        s for s in brief.strategies if s["precision"] is not None or s["recall_to_date"] is not None
    ]
    bars = [
        {
            "strategy": brief.labels.get(s["strategy_id"], s["strategy_id"]),
            "measure": measure,
            "value": s[column],
        }
        for s in measured
        for measure, column in (("Precision", "precision"), ("Recall to date", "recall_to_date"))
        if s[column] is not None
    ]
    if bars:
        chart = (
            alt.Chart(charts.data(bars))
            .mark_bar()
            .encode(
                y=alt.Y("strategy:N", title=None, sort="ascending"),
                yOffset=alt.YOffset("measure:N"),
                x=alt.X(
                    "value:Q", title=None, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
                ),
                color=alt.Color(
                    "measure:N",
                    title=None,
                    scale=alt.Scale(
                        domain=["Precision", "Recall to date"], range=[charts.NEUTRAL, "#E69F00"]
                    ),
                ),
            )
            .properties(width=charts.WIDTH - 80, height=max(160, len(measured) * 30))
        )
        section.add(
            charts.block(
                chart,
                "Precision and recall by strategy",
                "Longer bars are better: blue is how often an alert was right, orange how much "
                "of the known fraud the strategy caught.",
            )
        )
    trend = [
        {
            "day": row["report_date"],
            "strategy": brief.labels.get(row["strategy_id"], row["strategy_id"]),
            "recall": row["recall_to_date"],
        }
        for row in brief.strategy_days
    ]
    if trend:
        chart = (
            alt.Chart(charts.data(trend))
            .mark_line(interpolate="step-after", point=alt.OverlayMarkDef(size=25))
            .encode(
                x=charts.utc_x("day"),
                y=alt.Y("recall:Q", title="Recall to date", axis=alt.Axis(format="%")),
                color=alt.Color("strategy:N", title=None),
            )
            .properties(width=charts.WIDTH, height=charts.HEIGHT)
        )
        section.add(
            charts.block(
                chart,
                "Recall over time",
                "The share of all known fraudsters each strategy had caught by each day.",
            )
        )
    section.add(
        Table(
            [
                "Strategy",
                "Alerts",
                "Reviewed users",
                "Wrongly flagged",
                "Precision",
                "Recall to date",
            ],
            [
                [
                    brief.labels.get(s["strategy_id"], s["strategy_id"]),
                    num(fmt.count(s["alerts"]), s["alerts"]),
                    num(fmt.count(s["reviewed_users"]), s["reviewed_users"]),
                    num(fmt.count(s["false_positive_users"]), s["false_positive_users"]),
                    num(
                        fmt.pct(s["precision"]),
                        s["precision"],
                        f"risk.precision.{s['strategy_id']}",
                    ),
                    num(
                        fmt.pct(s["recall_to_date"]),
                        s["recall_to_date"],
                        f"risk.recall.{s['strategy_id']}",
                    ),
                ]
                for s in brief.strategies
            ],
            caption="All alerts raised so far; precision is blank until someone has judged a flagged user",
        )
    )
    return section


def chargebacks_section(brief: RiskBrief) -> Section:
    section = Section(
        "chargebacks",
        "Chargebacks",
        "A chargeback is a cardholder disputing a payment with their bank; fraud chargebacks are "
        "those disputed as unauthorised. Card networks put merchants with too many of them in a "
        "monitoring programme with fines.",
    )
    rows = [
        {"day": r["date_day"], "kind": kind, "chargebacks": value}
        for r in brief.chargebacks[-42:]
        for kind, value in (
            ("Fraud", r["fraud_chargebacks"] or 0),
            ("Other reasons", (r["chargebacks"] or 0) - (r["fraud_chargebacks"] or 0)),
        )
    ]
    if rows:
        chart = (
            alt.Chart(charts.data(rows))
            .mark_bar()
            .encode(
                x=charts.utc_x("day"),
                y=alt.Y("chargebacks:Q", title="Chargebacks received", stack=True),
                color=alt.Color(
                    "kind:N",
                    title=None,
                    scale=alt.Scale(
                        domain=["Fraud", "Other reasons"], range=["#B42318", charts.MUTED]
                    ),
                ),
            )
            .properties(width=charts.WIDTH, height=charts.HEIGHT)
        )
        section.add(
            charts.block(
                chart,
                "Chargebacks received per day",
                "Red: disputed as fraud. Grey: other reasons (not received, not as described).",
            )
        )
        last = brief.chargebacks[-30:]
        section.add(
            Tiles(
                [
                    Kpi(
                        "Chargebacks, last 30 days",
                        fmt.count(sum(r["chargebacks"] or 0 for r in last)),
                        "risk.chargebacks_30d",
                        sum(r["chargebacks"] or 0 for r in last),
                    ),
                    Kpi(
                        "Of them fraud",
                        fmt.count(sum(r["fraud_chargebacks"] or 0 for r in last)),
                        "risk.fraud_chargebacks_30d",
                        sum(r["fraud_chargebacks"] or 0 for r in last),
                    ),
                    Kpi(
                        "Amount charged back",
                        fmt.money(sum(float(r["chargeback_amount_usd"] or 0) for r in last)),
                        "risk.chargeback_amount_30d_usd",
                        round(sum(float(r["chargeback_amount_usd"] or 0) for r in last), 2),
                    ),
                ]
            )
        )
    section.add(
        Text(
            "Not in the warehouse yet: the chargeback rate (chargebacks per card payment in the "
            "month) and the Visa and Mastercard thresholds to compare it with. Until a warehouse "
            "table provides them, this report shows counts only.",
            "missing",
        )
    )
    return section


def friction_section(brief: RiskBrief) -> Section:
    section = Section(
        "friction",
        "Customer friction",
        "Good customers we slow down or block: users under an action now, appeals and verdicts of "
        "innocence.",
    )
    tiles = [
        Kpi(
            f"Users under '{row['action']}' now",
            fmt.count(row["users"]),
            f"risk.active_{row['action']}",
            row["users"],
            hint=f"{fmt.count(row['users_without_fraud_label'])} without a fraud label",
        )
        for row in brief.friction
    ]
    decided = (brief.appeals.get("lifted") or 0) + (brief.appeals.get("upheld") or 0)
    tiles.append(
        Kpi(
            "Restriction appeals won",
            f"{fmt.count(brief.appeals.get('lifted'))} of {fmt.count(decided)}",
            "risk.appeals_lifted",
            brief.appeals.get("lifted"),
            hint=f"{fmt.count(brief.appeals.get('appeals'))} appeals filed",
        )
    )
    tiles.append(
        Kpi(
            "Cleared by investigators",
            fmt.count(brief.false_positive_verdicts),
            "risk.false_positive_verdicts",
            brief.false_positive_verdicts,
            hint="investigations closed as false positive",
        )
    )
    section.add(Tiles(tiles))
    section.add(
        Text(
            "'Without a fraud label' means no chargeback or confirmed investigation yet: some are "
            "good customers, some fraud not yet proven.",
            "note",
        )
    )
    return section


def drift_section() -> Section:
    return Section(
        "drift",
        "Feature drift",
        "Whether the behaviour the strategies measure (payment attempts per hour, failed logins, "
        "shared devices, ...) is shifting, which would make thresholds too loose or too strict.",
    ).add(
        Text(
            "Not in the warehouse yet: no table compares the risk features' distributions between "
            "periods. This section will fill in once one is built.",
            "missing",
        )
    )


DEFINITIONS = {
    "Alert": "A strategy's rule held for an account or a group; raised at the strategy's next scheduled scan. One alert per strategy and account or group.",
    "Case": "All alerts on one account or group, for an investigator. Open until an investigation outcome arrives.",
    "Severity": "critical, high, medium or low, set per strategy in the strategy catalogue; it sets the case deadline (critical 4 h, high 24 h, medium 72 h, low 7 days).",
    "Overdue": "An open case past its deadline at the data cutoff.",
    "Money at risk": "Money the account or group could still take: payouts and bonuses (groups), successful payments (card testing), payouts (takeover, mule).",
    "Expected loss": "A case's exposure (payouts, top-ups and bonuses of the accounts it covers) times the strength of its best alert (score / 100).",
    "Group": "Accounts connected by shared devices, IP addresses, cards, payout accounts, app installs or trading with each other; flagged when its behaviour scores as organised fraud.",
    "Risk score": "Points of evidence of organised fraud in a group (behaviour and structure); flagged from 3 points with at least 2 from behaviour.",
    "Precision": "Confirmed fraudsters / (confirmed fraudsters + users cleared as false positives), among the users a strategy flagged. Blocklist hits are operator-defined and have none.",
    "Recall to date": "Known fraudsters a strategy had flagged / all fraudsters known by that day.",
    "Fraud label": "A fraudulent chargeback or an investigation closed as confirmed fraud.",
    "Chargeback": "A payment disputed by the cardholder through their bank; counted on the day it was received.",
    "Restrict, challenge, watch": "The action online systems enforce on a user now: restrict blocks money movement, challenge asks for verification, watch only records.",
    "Restriction appeals won": "Support tickets about a restricted account solved as restriction lifted, out of those solved as lifted or upheld.",
}


def page(brief: RiskBrief, marts: Marts, packs: set[str], now: datetime) -> Page:
    return Page(
        kind="risk_brief",
        title="Risk brief",
        subtitle="Fraud and risk · daily",
        headline=headline(brief),
        freshness=marts.freshness(SOURCES),
        generated_at=now,
        tiles=headline_tiles(brief),
        findings=findings(brief),
        sections=[
            new_section(brief),
            queue_section(brief, packs),
            groups_section(brief),
            strategies_section(brief),
            chargebacks_section(brief),
            friction_section(brief),
            drift_section(),
        ],
        definitions=DEFINITIONS,
        about=[
            f"'New' means raised after {fmt.moment(brief.since)} and up to the data cutoff.",
            "Alerts are raised on each strategy's scan schedule (every 4 hours, or daily at 02:00 UTC), "
            "using only records delivered by then.",
        ],
        missing=brief.missing,
        sources=SOURCES,
        marts=MARTS,
    )


def read_state(reports_dir: Path) -> dict:
    try:
        return json.loads((reports_dir / STATE_FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def build(database: Path, reports_dir: Path, now: datetime | None = None) -> list[Path]:
    """Write risk_brief.html (and its state file) into reports_dir; return the paths written."""
    now = now or utc_now()
    with open_marts(database) as marts:
        brief = load(marts, read_state(reports_dir))
        packs = {c["case_id"] for c in brief.open_cases if is_high_priority(c)}
        path = write(page(brief, marts, packs, now), reports_dir / FILE_NAME)
    state = reports_dir / STATE_FILE
    state.write_text(
        json.dumps(
            {
                "data_cutoff": brief.cutoff.isoformat(),
                "since": brief.since.isoformat(),
                "new_alerts": len(brief.new_alerts),
                "new_cases": len(brief.new_cases),
                "generated_at": now.isoformat(timespec="seconds"),
            },
            indent=2,
        )
    )
    return [path, state]
