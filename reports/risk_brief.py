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
    nav,
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
    "marts.risk_warnings",
    "marts.risk_customer_experience",
    "marts.risk_feature_drift",
]
SEVERITY_ORDER = ["critical", "high", "medium", "low"]
TOP_GROUPS = 4
TREND_STRATEGIES = 6
# A strategy's precision is worth a finding below this, once enough users were reviewed.
PRECISION_TARGET = 0.8
MIN_REVIEWED = 10
# Appeals against restrictions: a finding when this share of resolved appeals was overturned.
APPEAL_OVERTURN_SHARE = 0.3
MIN_APPEALS = 5
# An online-engine rule that hit this many good customers and no fraudster is worth a finding.
MIN_GOOD_CUSTOMERS_HIT = 3
PROGRAMMES = {
    "visa_vdmp": {"network": "Visa", "programme": "Visa's dispute monitoring programme (VDMP)"},
    "mastercard_ecm": {
        "network": "Mastercard",
        "programme": "Mastercard's excessive chargeback programme (ECM)",
    },
}
FEATURE_NAMES = {
    "payment_attempts": "payment attempts",
    "declined_attempts": "declined payments",
    "suspicious_declines": "suspicious declines (stolen card, wrong CVC)",
    "distinct_cards": "number of cards used",
    "max_attempts_in_hour": "most payment attempts in an hour",
    "topup_usd": "wallet top-ups (USD)",
    "failed_logins": "failed logins",
    "devices_used": "number of devices",
    "payouts": "number of payouts",
    "payout_usd": "payouts (USD)",
    "trades_bought": "purchases",
    "bonus_usd": "bonus amounts (USD)",
}
KRI_NAMES = {
    "signups": "Signups",
    "signups_by_channel": "Signups by channel",
    "signups_by_affiliate_partner": "Signups by affiliate partner",
    "payment_decline_rate": "Payment decline rate",
    "chargeback_rate": "Chargeback rate",
    "bonus_redemptions": "Bonus redemptions",
    "bonus_redemptions_by_promo_code": "Bonus redemptions by promo code",
    "payouts": "Payouts requested",
    "payout_usd": "Payout amount",
    "alerts_by_strategy": "Alerts by strategy",
}
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


def finding_appeals_overturned(experience: dict | None) -> Finding | None:
    """Appeals against restrictions that ended with the restriction lifted (all-time row of
    marts.risk_customer_experience, rule_name 'all')."""
    if not experience:
        return None
    resolved = experience.get("appeals_resolved") or 0
    overturned = experience.get("appeals_overturned") or 0
    if resolved < MIN_APPEALS or overturned / resolved < APPEAL_OVERTURN_SHARE:
        return None
    restricted, others = (
        experience.get("avg_csat_restricted"),
        experience.get("avg_csat_unrestricted"),
    )
    csat = (
        f" Customers we had restricted rate support {restricted:.1f} out of 5, against "
        f"{others:.1f} for other good customers."
        if restricted is not None and others is not None
        else ""
    )
    return Finding(
        key="appeals_overturned",
        headline=(
            f"{fmt.count(overturned)} of {fmt.count(resolved)} resolved appeals against a "
            f"restriction ({fmt.pct(overturned / resolved)}) ended with the restriction lifted."
        ),
        detail="Every lifted restriction is a customer we should not have blocked." + csat,
        recommendation=(
            "Review the restrictions behind the overturned appeals and move the strategies and "
            "rules that caused them from restrict to challenge (a verification step)."
        ),
        weight=float(overturned) * 300,
    )


def finding_softer_action(rules: list[dict]) -> Finding | None:
    """Online-engine rules that could challenge instead of review/block (all-time rule rows of
    marts.risk_customer_experience flagged is_softer_action_candidate)."""
    candidates = [r for r in rules if r.get("is_softer_action_candidate")]
    if not candidates:
        return None
    candidates.sort(key=lambda r: (-(r["good_customers_restricted"] or 0), r["rule_name"]))
    spared = sum(r["good_customers_restricted"] or 0 for r in candidates)
    names = [r["rule_name"] for r in candidates[:3]]
    more = f" and {len(candidates) - 3} more" if len(candidates) > 3 else ""
    return Finding(
        key="softer_action",
        headline=(
            f"{fmt.plural(len(candidates), 'online risk rule')} ({fmt.listing(names)}{more}) "
            f"restricted {fmt.plural(spared, 'good customer')}, while almost every fraudster "
            "they caught is also caught by another control."
        ),
        detail=(
            f"{candidates[0]['rule_name']} alone restricted "
            f"{fmt.plural(candidates[0]['good_customers_restricted'], 'good customer')} to catch "
            f"{fmt.plural(candidates[0]['fraudsters_hit'], 'fraudster')}."
        ),
        recommendation=(
            f"Change {fmt.listing(names)} from review or block to challenge (ask for "
            "verification): the fraud they catch stays caught and good customers get through."
        ),
        weight=float(spared) * 400,
    )


def finding_rule_without_catch(rules: list[dict]) -> Finding | None:
    """An online-engine rule that put friction on good customers and caught no fraudster."""
    idle = [
        r
        for r in rules
        if (r["good_customers_hit"] or 0) >= MIN_GOOD_CUSTOMERS_HIT and not r["fraudsters_hit"]
    ]
    if not idle:
        return None
    worst = max(idle, key=lambda r: (r["good_customers_hit"], r["rule_name"]))
    return Finding(
        key="rule_without_catch",
        headline=(
            f"Rule {worst['rule_name']} put friction on "
            f"{fmt.plural(worst['good_customers_hit'], 'good customer')} "
            f"({fmt.count(worst['good_customers_restricted'])} restricted) and caught no fraudster."
        ),
        detail="It costs customers and catches nothing the warehouse knows of.",
        recommendation=(
            f"Switch {worst['rule_name']} to watch-only (record, don't act) and review it with "
            "the rule owner within the week."
        ),
        weight=float(worst["good_customers_hit"]) * 500,
    )


def finding_chargeback_programme(programmes: list[dict]) -> Finding | None:
    """A card network's trailing 30-day chargeback rate at or near its monitoring threshold
    (latest day-grain programme rows of marts.risk_warnings)."""
    hot = [p for p in programmes if p["programme_level"] in ("act", "watch")]
    if not hot:
        return None
    worst = max(hot, key=lambda p: p["trailing_chargeback_rate"] / p["programme_threshold"])
    network = PROGRAMMES.get(
        worst["programme"], {"network": worst["dimension"], "programme": worst["programme"]}
    )
    above = worst["programme_level"] == "act"
    others = [
        PROGRAMMES.get(p["programme"], {}).get("network", p["dimension"])
        for p in hot
        if p is not worst
    ]
    return Finding(
        key="chargeback_programme",
        headline=(
            f"{network['network']}: chargebacks of the last 30 days are "
            f"{fmt.pct(worst['trailing_chargeback_rate'], 2)} of card payments "
            f"({fmt.count(worst['trailing_chargebacks'])} of "
            f"{fmt.count(worst['trailing_succeeded_payments'])}), "
            + (
                f"above the {fmt.pct(worst['programme_threshold'], 1)} threshold of "
                f"{network['programme']}."
                if above
                else f"close to the {fmt.pct(worst['programme_threshold'], 1)} threshold of "
                f"{network['programme']}."
            )
        ),
        detail=(
            "A merchant above it for long enters the network's monitoring programme: monthly "
            "fines and, at worst, losing card acceptance."
            + (
                f" {fmt.listing(others)} {'is' if len(others) == 1 else 'are'} also over or near {'its' if len(others) == 1 else 'their'} threshold."
                if others
                else ""
            )
        ),
        recommendation=(
            f"Require 3-D Secure on {network['network']} card payments from accounts younger than "
            "30 days, refund disputed payments before they become chargebacks, and warn the "
            "payments team so they can talk to the acquiring bank before the month closes."
        ),
        weight=100_000 * worst["trailing_chargeback_rate"] / worst["programme_threshold"],
    )


def _value(number) -> str:
    number = float(number or 0)
    return fmt.count(number) if abs(number) >= 10 else f"{number:.2f}"


def finding_drift(drift: list[dict]) -> Finding | None:
    """The risk feature drifting most on its latest assessed day (marts.risk_feature_drift)."""
    moving = [d for d in drift if d["drift_level"] in ("watch", "act")]
    if not moving:
        return None
    worst = max(moving, key=lambda d: d["psi"])
    direction = (
        "higher" if (worst["current_mean"] or 0) > (worst["reference_mean"] or 0) else "lower"
    )
    return Finding(
        key="feature_drift",
        headline=(
            f"New users' {FEATURE_NAMES.get(worst['feature'], worst['feature'])} has shifted "
            f"({worst['drift_level']}: PSI {worst['psi']:.2f} for signups of "
            f"{fmt.short_day(worst['drift_date'])}); it is now {direction} than when the "
            "thresholds were set."
        ),
        detail=(
            f"On average {_value(worst['current_mean'])} per new user, against "
            f"{_value(worst['reference_mean'])} in the reference period"
            + (
                f"; {fmt.plural(len(moving) - 1, 'other feature')} also moved."
                if len(moving) > 1
                else "."
            )
        ),
        recommendation=(
            "Re-run the strategy backtest on recent signups and check the thresholds of the "
            f"strategies that use {FEATURE_NAMES.get(worst['feature'], worst['feature'])} "
            "before they start missing fraud or flagging good customers."
        ),
        weight=worst["psi"] * 20_000,
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
        weight=money * 0.3,
    )


# --- data -------------------------------------------------------------------------------------


@dataclass
class RiskBrief:
    cutoff: datetime
    since: datetime
    since_label: str
    since_short: str
    previous_new_alerts: int | None
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
    false_positive_verdicts: int
    labels: dict[str, str]
    # marts.risk_monitoring (None when the warehouse does not have the table)
    warnings: list[dict] | None = None  # watch/act rows of periods ending after `since`
    programmes: list[dict] | None = None  # card-network programme rows, day grain, oldest first
    drift: list[dict] | None = None  # assessed feature-drift rows, oldest first
    experience: dict | None = None  # all-time row of the engine as a whole
    experience_rules: list[dict] = field(default_factory=list)  # all-time rows per rule
    missing: list[str] = field(default_factory=list)

    @property
    def latest_programmes(self) -> list[dict]:
        if not self.programmes:
            return []
        last = max(p["period_start"] for p in self.programmes)
        return [p for p in self.programmes if p["period_start"] == last]

    @property
    def latest_drift(self) -> list[dict]:
        """Each feature on its latest assessed day."""
        latest: dict[str, dict] = {}
        for row in self.drift or []:
            latest[row["feature"]] = row
        return sorted(latest.values(), key=lambda r: r["feature"])


@dataclass(frozen=True)
class Baseline:
    since: datetime  # alerts, cases and warnings after this are new
    label: str  # for sentences: "since the last brief (data to ...)"
    short: str  # for findings: "since the last brief"
    previous_new_alerts: int | None  # new alerts the previous brief counted


def baseline(state: dict, cutoff: datetime) -> Baseline:
    """Since when things count as new: the previous brief's data cutoff. A rerun on the same data
    keeps that brief's baseline, so it shows the same report; without a usable previous brief
    (first run, or a warehouse rebuilt on other data), the last 24 hours."""
    try:
        previous_cutoff = datetime.fromisoformat(state["data_cutoff"])
    except (KeyError, TypeError, ValueError):
        previous_cutoff = None
    if previous_cutoff is not None and previous_cutoff < cutoff:
        return Baseline(
            previous_cutoff,
            f"since the last brief (data to {fmt.moment(previous_cutoff)})",
            "since the last brief",
            state.get("new_alerts"),
        )
    if previous_cutoff == cutoff and state.get("since") and state.get("since_label"):
        return Baseline(
            datetime.fromisoformat(state["since"]),
            state["since_label"],
            state.get("since_short", "since the last brief"),
            state.get("previous_new_alerts"),
        )
    return Baseline(
        cutoff - timedelta(hours=24),
        "in the last 24 hours of data (no earlier brief to compare with)",
        "in the last 24 hours",
        None,
    )


def load(marts: Marts, previous: dict) -> RiskBrief:
    freshness = marts.freshness(SOURCES)
    cutoff = freshness.data_cutoff or utc_now()
    base = baseline(previous, cutoff)
    since, since_label = base.since, base.label
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
    false_positive_verdicts = marts.one(
        "select count(*) as n from marts.risk_labels where label_type = 'false_positive_case'"
    )["n"]
    monitoring = load_monitoring(marts, since, cutoff)
    labels = strategy_labels(
        {a["strategy_id"] for a in alerts} | {s["strategy_id"] for s in strategies}
    )
    return RiskBrief(
        cutoff=cutoff,
        since=since,
        since_label=since_label,
        since_short=base.short,
        previous_new_alerts=base.previous_new_alerts,
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
        false_positive_verdicts=false_positive_verdicts,
        labels=labels,
        **monitoring,
    )


def load_monitoring(marts: Marts, since: datetime, cutoff: datetime) -> dict:
    """Warnings, card-network programmes, feature drift and customer experience from the
    risk-monitoring marts; a mart this warehouse lacks is listed as missing."""
    loaded: dict = {"missing": []}
    if marts.has("marts.risk_warnings"):
        loaded["warnings"] = marts.rows(
            """
            select period_grain, period_start, period_end, kri, dimension, value, baseline,
                warning_level, reason
            from marts.risk_warnings
            where warning_level <> 'ok' and period_end > ? and period_start < ?
            order by warning_level = 'act' desc, period_start desc, kri, dimension
            """,
            [since, cutoff],
        )
        loaded["programmes"] = marts.rows(
            """
            select period_start, dimension, programme, programme_threshold, trailing_chargebacks,
                trailing_succeeded_payments, trailing_chargeback_rate, programme_level
            from marts.risk_warnings
            where period_grain = 'day' and programme is not null and period_start < ?
            order by period_start, programme
            """,
            [cutoff],
        )
    else:
        loaded["missing"].append(
            "Warnings and the chargeback rate against the card networks' thresholds "
            "(marts.risk_warnings) are not in this warehouse."
        )
    if marts.has("marts.risk_feature_drift"):
        loaded["drift"] = marts.rows(
            """
            select drift_date, feature, psi, drift_level, current_users, reference_users,
                current_mean, reference_mean, expected_psi_no_drift, reference_start_date,
                reference_end_date
            from marts.risk_feature_drift
            where is_assessed and psi is not null
            order by drift_date, feature
            """
        )
    else:
        loaded["missing"].append(
            "Feature drift (marts.risk_feature_drift) is not in this warehouse."
        )
    if marts.has("marts.risk_customer_experience"):
        rows = marts.rows(
            """
            select * from marts.risk_customer_experience
            where period_grain = 'all_time'
            order by rule_name
            """
        )
        loaded["experience"] = next((r for r in rows if r["rule_name"] == "all"), None)
        loaded["experience_rules"] = [r for r in rows if r["rule_name"] != "all"]
    else:
        loaded["missing"].append(
            "Customer friction of the online engine (marts.risk_customer_experience) is not in "
            "this warehouse."
        )
    return loaded


def findings(brief: RiskBrief) -> list[Finding]:
    top_group = brief.groups[0] if brief.groups else None
    return top_findings(
        [
            finding_overdue_cases(brief.open_cases, brief.cutoff),
            finding_top_group(top_group, brief.group_cases.get((top_group or {}).get("group_id"))),
            finding_low_precision(brief.strategies, brief.labels),
            finding_appeals_overturned(brief.experience),
            finding_softer_action(brief.experience_rules),
            finding_rule_without_catch(brief.experience_rules),
            finding_chargeback_programme(brief.latest_programmes),
            finding_drift(brief.latest_drift),
            finding_fraud_chargebacks_rising(brief.chargebacks),
            finding_new_alerts(brief.new_alerts, brief.labels, brief.since_short),
        ]
    )


# --- page -------------------------------------------------------------------------------------


def _money_sum(rows, column="money_at_risk_usd") -> float:
    return sum(float(row[column] or 0) for row in rows)


def headline_tiles(brief: RiskBrief) -> list[Kpi]:
    previous_new = brief.previous_new_alerts
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
        act = sum(1 for w in brief.warnings if w["warning_level"] == "act")
        tiles.append(
            Kpi(
                "Warnings",
                fmt.count(len(brief.warnings)),
                "risk.warnings",
                len(brief.warnings),
                hint=f"{act} to act on, {len(brief.warnings) - act} to watch",
            )
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
    # At most TREND_STRATEGIES lines (those with the most alerts), so each keeps its own colour.
    busiest = {
        s["strategy_id"]
        for s in sorted(brief.strategies, key=lambda s: (-(s["alerts"] or 0), s["strategy_id"]))[
            :TREND_STRATEGIES
        ]
    }
    trend = [
        {
            "day": row["report_date"],
            "strategy": brief.labels.get(row["strategy_id"], row["strategy_id"]),
            "recall": row["recall_to_date"],
        }
        for row in brief.strategy_days
        if row["strategy_id"] in busiest
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
                f"The share of all known fraudsters each strategy had caught by each day (the "
                f"{TREND_STRATEGIES} strategies with the most alerts).",
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


def warnings_section(brief: RiskBrief) -> Section | None:
    if brief.warnings is None:
        return None
    section = Section(
        "warnings",
        "Warnings",
        f"Risk indicators well above their usual level {brief.since_label}: 'act' is at least "
        "3 standard deviations and twice the level of the previous 7 days, 'watch' 2 and 1.5 "
        "times; for chargebacks also the card networks' thresholds.",
    )
    if not brief.warnings:
        return section.add(Text(f"No indicator warned {brief.since_label}.", "note"))
    shown = brief.warnings[:15]
    section.add(
        Table(
            ["Period", "Indicator", "Which", "Level", "Why"],
            [
                [
                    fmt.short_day(w["period_start"])
                    if w["period_grain"] == "day"
                    else f"{fmt.short_moment(w['period_start'])}–{w['period_end']:%H:%M}",
                    KRI_NAMES.get(w["kri"], w["kri"]),
                    w["dimension"],
                    w["warning_level"],
                    w["reason"],
                ]
                for w in shown
            ],
            caption=(
                f"{fmt.plural(len(brief.warnings), 'warning')}, 'act' first"
                + (f"; the first {len(shown)} shown" if len(brief.warnings) > len(shown) else "")
            ),
        )
    )
    return section


def chargebacks_section(brief: RiskBrief) -> Section:
    section = Section(
        "chargebacks",
        "Chargebacks against the card networks' thresholds",
        "A chargeback is a cardholder disputing a payment with their bank. Visa and Mastercard "
        "watch each merchant's chargebacks over the last 30 days as a share of its card "
        "payments; above their threshold a merchant enters a monitoring programme with fines.",
    )
    if brief.programmes:
        rows = [
            {
                "day": p["period_start"],
                "network": PROGRAMMES.get(p["programme"], {}).get("network", p["dimension"]),
                "rate": p["trailing_chargeback_rate"],
            }
            for p in brief.programmes
            if p["trailing_chargeback_rate"] is not None
        ]
        thresholds = [
            {
                "network": PROGRAMMES.get(p["programme"], {}).get("network", p["dimension"]),
                "threshold": p["programme_threshold"],
                "label": f"{PROGRAMMES.get(p['programme'], {}).get('network', p['dimension'])} threshold {fmt.pct(p['programme_threshold'], 1)}",
            }
            for p in brief.latest_programmes
        ]
        networks = sorted({r["network"] for r in rows} | {t["network"] for t in thresholds})
        colour = alt.Color(
            "network:N",
            title=None,
            scale=alt.Scale(domain=networks, range=[charts.NEUTRAL, "#E69F00"][: len(networks)]),
        )
        lines = (
            alt.Chart(charts.data(rows))
            .mark_line()
            .encode(
                x=charts.utc_x("day"),
                y=alt.Y(
                    "rate:Q",
                    title="Chargebacks / card payments, 30 days",
                    axis=alt.Axis(format=".1%"),
                ),
                color=colour,
            )
        )
        rules = (
            alt.Chart(charts.data(thresholds))
            .mark_rule(strokeDash=[6, 4], strokeWidth=1.5)
            .encode(y="threshold:Q", color=colour)
        )
        section.add(
            charts.block(
                alt.layer(lines, rules).properties(width=charts.WIDTH, height=charts.HEIGHT),
                "Chargeback rate by card network",
                "Solid: chargebacks of the last 30 days as a share of card payments. Dashed: the "
                "network's threshold; above it is where fines start.",
            )
        )
        section.add(
            Tiles(
                [
                    Kpi(
                        f"{PROGRAMMES.get(p['programme'], {}).get('network', p['dimension'])}, last 30 days",
                        fmt.pct(p["trailing_chargeback_rate"], 2),
                        f"risk.chargeback_rate.{p['programme']}",
                        p["trailing_chargeback_rate"],
                        change=f"threshold {fmt.pct(p['programme_threshold'], 1)}: {p['programme_level']}",
                        tone={"act": "bad", "watch": "bad"}.get(p["programme_level"], "good"),
                        hint=f"{fmt.count(p['trailing_chargebacks'])} of {fmt.count(p['trailing_succeeded_payments'])} payments",
                    )
                    for p in brief.latest_programmes
                ]
            )
        )
    else:
        section.add(
            Text(
                "The chargeback rate against the networks' thresholds is not in this warehouse "
                "(marts.risk_warnings); counts only.",
                "missing",
            )
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
        section.add(
            charts.block(
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
                .properties(width=charts.WIDTH, height=charts.HEIGHT),
                "Chargebacks received per day",
                "Red: disputed as fraud (unauthorised). Grey: other reasons (not received, not as described).",
            )
        )
    return section


def friction_section(brief: RiskBrief) -> Section:
    section = Section(
        "friction",
        "Customer friction",
        "What our controls cost good customers (users who did not turn out fraudulent): "
        "challenges, reviews and blocks by the online risk engine, appeals, and actions in force now.",
    )
    tiles = []
    experience = brief.experience
    if experience:
        tiles += [
            Kpi(
                "Good customers hit by the engine",
                fmt.count(experience["good_customers_hit"]),
                "risk.good_customers_hit",
                experience["good_customers_hit"],
                hint=f"{fmt.pct(experience['insult_rate'], 1)} of good customers it decided on",
            ),
            Kpi(
                "Of them restricted",
                fmt.count(experience["good_customers_restricted"]),
                "risk.good_customers_restricted",
                experience["good_customers_restricted"],
                hint="reviewed or blocked",
            ),
            Kpi(
                "Good customers per fraudster caught",
                "–"
                if experience["good_customers_hit_per_fraudster_hit"] is None
                else f"{experience['good_customers_hit_per_fraudster_hit']:.2f}",
                "risk.good_customers_per_fraudster",
                experience["good_customers_hit_per_fraudster_hit"],
                hint=f"{fmt.count(experience['fraudsters_hit'])} fraudsters caught",
            ),
            Kpi(
                "Appeals overturned",
                f"{fmt.count(experience['appeals_overturned'])} of {fmt.count(experience['appeals_resolved'])}",
                "risk.appeals_overturned",
                experience["appeals_overturned"],
                hint=f"{fmt.pct(experience['appeal_overturn_rate'])} of resolved appeals",
            ),
        ]
    tiles += [
        Kpi(
            f"Users under '{row['action']}' now",
            fmt.count(row["users"]),
            f"risk.active_{row['action']}",
            row["users"],
            hint=f"{fmt.count(row['users_without_fraud_label'])} without a fraud label",
        )
        for row in brief.friction
    ]
    section.add(Tiles(tiles))
    rules = [
        r
        for r in brief.experience_rules
        if (r["good_customers_hit"] or 0) + (r["fraudsters_hit"] or 0)
    ]
    if rules:
        rules.sort(key=lambda r: (-(r["good_customers_hit"] or 0), r["rule_name"]))
        values = [
            {"rule": r["rule_name"], "who": who, "users": sign * (r[column] or 0)}
            for r in rules
            for who, column, sign in (
                ("Good customers hit", "good_customers_hit", -1),
                ("Fraudsters hit", "fraudsters_hit", 1),
            )
        ]
        section.add(
            charts.block(
                alt.Chart(charts.data(values))
                .mark_bar()
                .encode(
                    y=alt.Y("rule:N", title=None, sort=[r["rule_name"] for r in rules]),
                    x=alt.X("users:Q", title="Users (left: good customers, right: fraudsters)"),
                    color=alt.Color(
                        "who:N",
                        title=None,
                        scale=alt.Scale(
                            domain=["Good customers hit", "Fraudsters hit"],
                            range=["#E69F00", charts.NEUTRAL],
                        ),
                    ),
                )
                .properties(width=charts.WIDTH - 60, height=max(140, 16 * len(rules))),
                "Online engine rules: who they hit",
                "Each rule's good customers challenged, reviewed or blocked (left) against the "
                "fraudsters it caught (right), all time. Most friction first.",
            )
        )
        section.add(
            Table(
                [
                    "Rule",
                    "Good customers hit",
                    "Restricted",
                    "Fraudsters hit",
                    "Share of hits that were fraud",
                    "Could challenge instead",
                ],
                [
                    [
                        r["rule_name"],
                        num(fmt.count(r["good_customers_hit"]), r["good_customers_hit"]),
                        num(
                            fmt.count(r["good_customers_restricted"]),
                            r["good_customers_restricted"],
                        ),
                        num(fmt.count(r["fraudsters_hit"]), r["fraudsters_hit"]),
                        num(
                            fmt.pct(r["hit_precision"]),
                            r["hit_precision"],
                            f"risk.rule_precision.{r['rule_name']}",
                        ),
                        "yes" if r["is_softer_action_candidate"] else "no",
                    ]
                    for r in rules[:6]
                ],
                caption="The 6 rules that bothered most good customers (all rules in the chart)",
            )
        )
    section.add(
        Text(
            "'Without a fraud label' means no chargeback or confirmed investigation yet: some are "
            "good customers, some fraud not yet proven.",
            "note",
        )
    )
    return section


def drift_section(brief: RiskBrief) -> Section:
    section = Section(
        "drift",
        "Feature drift",
        "Whether new users behave like the users the thresholds were set on: each day's signups, "
        "in their first 7 days, against the reference period. PSI (population stability index): "
        "below 0.1 stable, 0.1 to 0.25 watch, above 0.25 act.",
    )
    if brief.drift is None:
        return section.add(
            Text("Feature drift (marts.risk_feature_drift) is not in this warehouse.", "missing")
        )
    if not brief.drift:
        return section.add(
            Text(
                "No signup day could be assessed yet: a day needs enough new users and 7 days "
                "after signup.",
                "note",
            )
        )
    cells = [
        {
            "day": row["drift_date"],
            "feature": FEATURE_NAMES.get(row["feature"], row["feature"]),
            "psi": row["psi"],
            "level": row["drift_level"],
        }
        for row in brief.drift
    ]
    section.add(
        charts.block(
            alt.Chart(charts.data(cells))
            .mark_rect()
            .encode(
                x=alt.X(
                    "day:O",
                    title="Signup day",
                    timeUnit="utcyearmonthdate",
                    axis=alt.Axis(format="%d %b", labelAngle=-90, labelOverlap=True),
                ),
                y=alt.Y("feature:N", title=None),
                color=alt.Color(
                    "level:N",
                    title=None,
                    scale=alt.Scale(
                        domain=["stable", "watch", "act"], range=["#d9e6f2", "#E69F00", "#B42318"]
                    ),
                ),
            )
            .properties(width=charts.WIDTH - 60, height=16 * len({c["feature"] for c in cells})),
            "Drift by feature and signup day",
            "Light: stable. Orange: watch. Red: act. Only days with enough new users are shown.",
            wide=True,
        )
    )
    latest = brief.latest_drift
    section.add(
        Table(
            [
                "Feature",
                "Last assessed signup day",
                "PSI",
                "Level",
                "New users' average",
                "Reference average",
            ],
            [
                [
                    FEATURE_NAMES.get(r["feature"], r["feature"]),
                    fmt.short_day(r["drift_date"]),
                    num(f"{r['psi']:.3f}", r["psi"], f"risk.psi.{r['feature']}"),
                    r["drift_level"],
                    num(_value(r["current_mean"]), r["current_mean"]),
                    num(_value(r["reference_mean"]), r["reference_mean"]),
                ]
                for r in sorted(latest, key=lambda r: -r["psi"])[:6]
            ],
            caption=(
                "The 6 features that moved most on their last assessed day; reference: signups of"
                f" {fmt.short_day(latest[0]['reference_start_date'])} – "
                f"{fmt.short_day(latest[0]['reference_end_date'])}"
            ),
        )
    )
    return section


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
    "Warning": "A risk indicator (signups, payment declines, chargeback rate, bonus redemptions, payouts) per day or 4-hour period, compared with the previous 7 days: 'watch' from 2 standard deviations and 1.5 times the usual level, 'act' from 3 and twice; never on fewer than 5 events.",
    "Chargeback rate (30 days)": "Chargebacks received in the last 30 days / card payments that succeeded in those days, per card network. Thresholds: Visa VDMP 0.9%, Mastercard ECM 1.5%.",
    "Good customer": "A user who has not turned out fraudulent (no fraud chargeback, no confirmed investigation, not in a flagged group).",
    "Good customers hit": "Good customers the online risk engine challenged, reviewed or blocked; restricted = reviewed or blocked.",
    "Good customers per fraudster caught": "Good customers hit / fraudsters hit by the online engine, all time.",
    "Appeals overturned": "Appeals against a restriction (support tickets about a restricted account) resolved with the restriction lifted, out of the resolved ones.",
    "Could challenge instead": "The rule caught at least 5 fraudsters, at least 80% of them also caught by another control, and it restricted at least one good customer.",
    "PSI": "Population stability index: how far the distribution of a feature among a day's new users (first 7 days) has moved from the reference period; 0.1 watch, 0.25 act.",
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
            section
            for section in (
                new_section(brief),
                warnings_section(brief),
                queue_section(brief, packs),
                groups_section(brief),
                strategies_section(brief),
                chargebacks_section(brief),
                friction_section(brief),
                drift_section(brief),
            )
            if section is not None
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
        nav=nav("risk_brief.html"),
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
                "since_label": brief.since_label,
                "since_short": brief.since_short,
                "previous_new_alerts": brief.previous_new_alerts,
                "new_alerts": len(brief.new_alerts),
                "new_cases": len(brief.new_cases),
                "generated_at": now.isoformat(timespec="seconds"),
            },
            indent=2,
        )
    )
    return [path, state]
