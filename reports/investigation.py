"""Investigation packs: one page per open high-priority case (critical or high severity) with the
account or group, the linked accounts and identifiers, a timeline, money in and out, and why the
case was raised; plus investigations/index.html listing the packs.

Reads marts.risk_cases, risk_alerts, risk_user_features, risk_group_members, risk_groups,
risk_actions, risk_labels, risk_blocklist and fct_user_activity_daily.
"""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import altair as alt

from reports import charts, fmt
from reports.page import (
    Cell,
    Events,
    Finding,
    Kpi,
    Page,
    Section,
    Table,
    Text,
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
from reports.source import Freshness, Marts, open_marts, strategy_catalogue, utc_now

MARTS = [
    "marts.risk_cases",
    "marts.risk_alerts",
    "marts.risk_user_features",
    "marts.risk_group_members",
    "marts.risk_groups",
    "marts.risk_actions",
    "marts.risk_labels",
    "marts.risk_blocklist",
    "marts.fct_user_activity_daily",
]
NEW_ACCOUNT_DAYS = 14
TIMELINE_ROWS = 40


# --- findings ---------------------------------------------------------------------------------


def finding_money_out(case: dict) -> Finding | None:
    """More money left the accounts than came in."""
    money_in, money_out = float(case["money_in_usd"] or 0), float(case["money_out_usd"] or 0)
    if money_out <= money_in or money_out == 0:
        return None
    return Finding(
        key="money_out_exceeds_in",
        headline=(
            f"{fmt.money(money_out - money_in)} more left these accounts than came in: "
            f"{fmt.money(money_out)} out (payouts and purchases) against {fmt.money(money_in)} in."
        ),
        detail="Money leaving faster than it arrives is how fraud is cashed out.",
        recommendation="Hold every pending payout of the linked accounts until the case is decided.",
        weight=money_out - money_in,
    )


def finding_overdue(case: dict, cutoff: datetime) -> Finding | None:
    if case["sla_due_at"] is None or case["sla_due_at"] >= cutoff:
        return None
    late = (cutoff - case["sla_due_at"]).total_seconds() / 3600
    return Finding(
        key="case_overdue",
        headline=f"This {case['severity']} case is {fmt.hours(late)} past its deadline.",
        detail=f"It was due by {fmt.moment(case['sla_due_at'])}.",
        recommendation="Decide it today or hand it to the risk lead; keep the accounts restricted meanwhile.",
        weight=100_000,
    )


def finding_confirmed_accounts(users: list[dict]) -> Finding | None:
    """Linked accounts that already carry a fraud label."""
    confirmed = [u for u in users if u["is_labelled_fraud"]]
    if not confirmed:
        return None
    others = len(users) - len(confirmed)
    return Finding(
        key="confirmed_accounts",
        headline=(
            f"{fmt.count(len(confirmed))} of {fmt.plural(len(users), 'linked account')} already "
            "have a fraud label (a fraudulent chargeback or a confirmed investigation)."
        ),
        detail=", ".join(u["user_id"] for u in confirmed[:8]) + ("…" if len(confirmed) > 8 else ""),
        recommendation=(
            f"Treat the other {fmt.plural(others, 'account')} as likely fraud too: check them first."
            if others
            else "Close the case as confirmed fraud and keep every account restricted."
        ),
        weight=50_000 + len(confirmed),
    )


def finding_unrestricted(users: list[dict]) -> Finding | None:
    """Linked accounts that are not restricted now."""
    free = [u for u in users if u.get("action") != "restrict"]
    if not free or len(users) < 1:
        return None
    return Finding(
        key="unrestricted_accounts",
        headline=(
            f"{fmt.count(len(free))} of {fmt.plural(len(users), 'linked account')} "
            f"{'is' if len(free) == 1 else 'are'} not restricted: they can still move money."
        ),
        detail=", ".join(u["user_id"] for u in free[:8]) + ("…" if len(free) > 8 else ""),
        recommendation="Restrict them until the case is decided, or record why not in the case.",
        weight=40_000 + sum(float(u["payout_usd"] or 0) for u in free),
    )


def finding_new_accounts(users: list[dict]) -> Finding | None:
    """Young accounts that already withdrew money."""
    young = [
        u
        for u in users
        if u["account_age_days"] is not None
        and u["account_age_days"] <= NEW_ACCOUNT_DAYS
        and float(u["payout_usd"] or 0) > 0
    ]
    if not young:
        return None
    paid_out = sum(float(u["payout_usd"] or 0) for u in young)
    return Finding(
        key="young_accounts_paid_out",
        headline=(
            f"{fmt.plural(len(young), 'account')} under {NEW_ACCOUNT_DAYS} days old already "
            f"withdrew {fmt.money(paid_out)}."
        ),
        detail="Genuine new customers rarely withdraw large sums in their first days.",
        recommendation="Ask these accounts for identity verification before any further payout.",
        weight=paid_out + 1_000,
    )


def finding_blocklisted(blocklist: list[dict]) -> Finding | None:
    if not blocklist:
        return None
    kinds = sorted({row["entity_type"] for row in blocklist})
    return Finding(
        key="blocklisted_identifiers",
        headline=(
            f"{fmt.plural(len(blocklist), 'identifier')} of these accounts "
            f"({fmt.listing([link_label(k).replace('Same ', '') for k in kinds])}) are on the blocklist."
        ),
        detail="Anyone who uses them again is alerted at once (blocklist hit).",
        recommendation="Check the other accounts using these identifiers in the blocklist-hit alerts.",
        weight=500 + len(blocklist),
    )


# --- data -------------------------------------------------------------------------------------


@dataclass
class Pack:
    case: dict
    users: list[dict]
    members: list[dict]  # group members with linked_by, when the case is on a group
    group: dict | None
    alerts: list[dict]
    labels: list[dict]
    actions: list[dict]
    blocklist: list[dict]
    activity: list[dict]
    cutoff: datetime
    strategy_names: dict[str, str]


def load_cases(marts: Marts) -> list[dict]:
    return [
        case
        for case in marts.rows("select * from marts.risk_cases order by priority_rank")
        if is_high_priority(case)
    ]


def load_pack(marts: Marts, case: dict, cutoff: datetime) -> Pack:
    user_ids = list(case["linked_user_ids"] or [case["entity_id"]])
    users = marts.rows(
        """
        select features.*, actions.action, actions.active_since as action_since
        from marts.risk_user_features as features
        left join marts.risk_actions as actions
            on features.user_id = actions.user_id and actions.is_active
        where features.user_id in (select unnest(?::varchar[]))
        order by features.signup_at, features.user_id
        """,
        [user_ids],
    )
    group_ids = sorted({u["group_id"] for u in users if u["group_id"]})
    members = marts.rows(
        """
        select members.group_id, members.user_id, members.linked_by, members.is_anchor,
            features.is_labelled_fraud, actions.action
        from marts.risk_group_members as members
        left join marts.risk_user_features as features on members.user_id = features.user_id
        left join marts.risk_actions as actions
            on members.user_id = actions.user_id and actions.is_active
        where members.user_id in (select unnest(?::varchar[]))
        order by members.user_id
        """,
        [user_ids],
    )
    group = None
    if case["entity_type"] == "group":
        group = marts.one("select * from marts.risk_groups where group_id = ?", [case["entity_id"]])
    alerts = marts.rows(
        """
        select * from marts.risk_alerts
        where (entity_type = 'user' and entity_id in (select unnest(?::varchar[])))
           or (entity_type = 'group' and entity_id in (select unnest(?::varchar[])))
        order by raised_at
        """,
        [user_ids, group_ids],
    )
    labels = marts.rows(
        "select * from marts.risk_labels where user_id in (select unnest(?::varchar[])) order by label_at",
        [user_ids],
    )
    actions = marts.rows(
        "select * from marts.risk_actions where user_id in (select unnest(?::varchar[])) order by active_since",
        [user_ids],
    )
    blocklist = marts.rows(
        """
        select entity_type, entity_value, blocked_from, confirmed_user_id, confirmed_by
        from marts.risk_blocklist where confirmed_user_id in (select unnest(?::varchar[]))
        order by blocked_from, entity_type, entity_value
        """,
        [user_ids],
    )
    activity = marts.rows(
        """
        select activity_date,
            sum(successful_payment_amount_usd) as card_payments_usd,
            sum(gmv_sold_usd) as sales_usd,
            sum(gmv_bought_usd) as purchases_usd,
            sum(trades_bought + trades_sold) as trades,
            sum(payment_attempts) as payment_attempts,
            count(*) as active_accounts
        from marts.fct_user_activity_daily
        where user_id in (select unnest(?::varchar[]))
        group by activity_date
        order by activity_date
        """,
        [user_ids],
    )
    return Pack(
        case=case,
        users=users,
        members=members,
        group=group,
        alerts=alerts,
        labels=labels,
        actions=actions,
        blocklist=blocklist,
        activity=activity,
        cutoff=cutoff,
        strategy_names=strategy_labels(
            {a["strategy_id"] for a in alerts} | set(case["strategies"] or [])
        ),
    )


def findings(pack: Pack) -> list[Finding]:
    return top_findings(
        [
            finding_overdue(pack.case, pack.cutoff),
            finding_confirmed_accounts(pack.users),
            finding_unrestricted(pack.users),
            finding_money_out(pack.case),
            finding_new_accounts(pack.users),
            finding_blocklisted(pack.blocklist),
        ]
    )


# --- page -------------------------------------------------------------------------------------


def _accounts(user_ids: list[str], verb: str) -> str:
    """'u1 signed up' or '3 accounts signed up (u1, u2, u3)'."""
    if len(user_ids) == 1:
        return f"{user_ids[0]} {verb}"
    shown = ", ".join(user_ids[:4]) + ("…" if len(user_ids) > 4 else "")
    return f"{len(user_ids)} accounts {verb} ({shown})"


LABEL_VERBS = {
    "fraudulent_chargeback": "got a fraud chargeback",
    "confirmed_fraud_case": "confirmed as fraud by an investigation",
    "false_positive_case": "cleared by an investigation",
    "account_takeover_report": "reported an account takeover",
}


def timeline_events(pack: Pack) -> list[dict]:
    """What happened, in order: signups (per day), alerts, labels and actions (per moment and
    kind, so a group restricted at once is one line), the case itself."""
    grouped: dict[tuple, list[str]] = {}

    def add(at, lane, verb, user_id):
        if at is not None:
            grouped.setdefault((at, lane, verb), []).append(user_id)

    signup_days: dict = {}
    for user in pack.users:
        if user["signup_at"] is None:
            continue
        first = signup_days.setdefault(user["signup_at"].date(), user["signup_at"])
        add(first, "Accounts", "signed up", user["user_id"])
    for label in pack.labels:
        verb = LABEL_VERBS.get(label["label_type"], label["label_type"].replace("_", " "))
        add(label["label_at"], "Outcomes", verb, label["user_id"])
    for action in pack.actions:
        add(action["active_since"], "Actions", f"put under {action['action']}", action["user_id"])
        add(
            action["lifted_at"],
            "Actions",
            f"{action['action']} lifted ({action['lift_reason']})",
            action["user_id"],
        )
    events = [
        {"at": at, "lane": lane, "what": _accounts(user_ids, verb)}
        for (at, lane, verb), user_ids in grouped.items()
    ]
    for alert in pack.alerts:
        name = pack.strategy_names.get(alert["strategy_id"], alert["strategy_id"])
        events.append(
            {
                "at": alert["raised_at"],
                "lane": "Alerts",
                "what": f"{alert['severity'].capitalize()} alert '{name}' on {alert['entity_id']}",
            }
        )
    case = pack.case
    events.append(
        {"at": case["opened_at"], "lane": "Case", "what": f"Case {case['case_id']} opened"}
    )
    events.append({"at": case["sla_due_at"], "lane": "Case", "what": "Deadline to decide the case"})
    lanes = ["Accounts", "Alerts", "Outcomes", "Actions", "Case"]
    return sorted(
        (e for e in events if e["at"] is not None),
        key=lambda e: (e["at"], lanes.index(e["lane"])),
    )


LANES = ["Accounts", "Alerts", "Outcomes", "Actions", "Case"]
LANE_COLOURS = ["#0072B2", "#E69F00", "#B42318", "#CC79A7", "#3d4753"]


def timeline_chart(events: list[dict], activity: list[dict]) -> alt.LayerChart:
    rows = [{"at": e["at"], "lane": e["lane"], "what": e["what"]} for e in events]
    rows += [
        {"at": a["activity_date"], "lane": "Activity", "what": f"{a['active_accounts']} active"}
        for a in activity
    ]
    lanes = ["Activity", *[lane for lane in LANES if any(e["lane"] == lane for e in events)]]
    return (
        alt.Chart(charts.data(rows))
        .mark_point(filled=True, size=90, opacity=0.85)
        .encode(
            x=charts.utc_x("at"),
            y=alt.Y("lane:N", title=None, sort=lanes, axis=alt.Axis(labelFontWeight="bold")),
            color=alt.Color(
                "lane:N",
                legend=None,
                scale=alt.Scale(
                    domain=lanes, range=[charts.MUTED, *LANE_COLOURS[: len(lanes) - 1]]
                ),
            ),
            shape=alt.Shape("lane:N", legend=None, sort=lanes),
        )
        .properties(width=charts.WIDTH - 20, height=max(120, 30 * len(lanes)))
    )


def money_by_account_chart(users: list[dict]) -> alt.Chart:
    rows = []
    for user in users:
        for kind, column, sign in (
            ("Top-ups (in)", "topup_usd", 1),
            ("Sales (in)", "sold_usd", 1),
            ("Payouts (out)", "payout_usd", -1),
            ("Purchases (out)", "bought_usd", -1),
        ):
            value = float(user[column] or 0)
            if value:
                rows.append({"account": user["user_id"], "kind": kind, "usd": sign * value})
    kinds = ["Top-ups (in)", "Sales (in)", "Payouts (out)", "Purchases (out)"]
    return (
        alt.Chart(charts.data(rows))
        .mark_bar()
        .encode(
            y=alt.Y("account:N", title=None, sort=[u["user_id"] for u in users]),
            x=alt.X("usd:Q", title="USD (left: out, right: in)", axis=alt.Axis(format="$,.0f")),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=kinds, range=["#009E73", "#56B4E9", "#B42318", "#E69F00"]),
            ),
        )
        .properties(width=charts.WIDTH - 40, height=max(60, 20 * len(users)))
    )


def daily_money_chart(activity: list[dict]) -> alt.Chart:
    rows = [
        {"day": a["activity_date"], "kind": kind, "usd": float(a[column] or 0)}
        for a in activity
        for kind, column in (
            ("Card payments", "card_payments_usd"),
            ("Sales", "sales_usd"),
            ("Purchases", "purchases_usd"),
        )
        if a[column]
    ]
    return (
        alt.Chart(charts.data(rows))
        .mark_bar()
        .encode(
            x=charts.utc_x("day"),
            y=alt.Y("usd:Q", title="USD per day", axis=alt.Axis(format="$,.0f"), stack=True),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(
                    domain=["Card payments", "Sales", "Purchases"],
                    range=["#009E73", "#56B4E9", "#E69F00"],
                ),
            ),
        )
        .properties(width=charts.WIDTH, height=charts.HEIGHT - 30)
    )


def pack_page(pack: Pack, freshness: Freshness, now: datetime) -> Page:
    case = pack.case
    catalogue = strategy_catalogue()
    who = (
        f"group {case['entity_id']} of {fmt.plural(case['linked_accounts'], 'account')}"
        if case["entity_type"] == "group"
        else f"account {case['entity_id']}"
    )
    names = [pack.strategy_names.get(s, s) for s in case["strategies"] or []]
    overdue = case["sla_due_at"] < pack.cutoff
    tiles = [
        Kpi(
            "Expected loss",
            fmt.money(case["expected_loss_usd"]),
            "case.expected_loss_usd",
            case["expected_loss_usd"],
        ),
        Kpi(
            "Money in",
            fmt.money(case["money_in_usd"]),
            "case.money_in_usd",
            case["money_in_usd"],
            hint="top-ups and sales",
        ),
        Kpi(
            "Money out",
            fmt.money(case["money_out_usd"]),
            "case.money_out_usd",
            case["money_out_usd"],
            hint="payouts and purchases",
        ),
        Kpi(
            "Linked accounts",
            fmt.count(case["linked_accounts"]),
            "case.linked_accounts",
            case["linked_accounts"],
        ),
        Kpi(
            "Deadline",
            fmt.short_moment(case["sla_due_at"]),
            "case.sla_due_at",
            case["sla_due_at"].isoformat(),
            change="overdue" if overdue else "on time",
            tone="bad" if overdue else "good",
        ),
    ]

    why = Section("why", "Why it was raised", f"Rules that fired: {fmt.listing(names)}.")
    why.add(
        Table(
            ["Raised", "Rule", "On", "Severity", "Evidence"],
            [
                [
                    fmt.short_moment(a["raised_at"]),
                    pack.strategy_names.get(a["strategy_id"], a["strategy_id"]),
                    a["entity_id"],
                    a["severity"],
                    a["reason"],
                ]
                for a in pack.alerts
            ],
            caption="Every alert on these accounts and their group",
        )
    )
    for strategy in case["strategies"] or []:
        description = catalogue.get(strategy, {}).get("description")
        if description:
            name = pack.strategy_names.get(strategy, strategy)
            text = description if description.startswith(name) else f"{name}: {description}"
            why.add(Text(f"{text}.", "note"))
    if pack.group:
        why.add(Text(f"Group evidence: {pack.group['reason']}.", "plain"))

    accounts = Section(
        "accounts",
        "Linked accounts and identifiers",
        f"{fmt.plural(len(pack.users), 'account')} sharing {shared_things(case['shared_identifier_types'], 9) or 'nothing with other accounts'}.",
    )
    if pack.members:
        accounts.add(
            charts.block(
                group_links_chart(pack.members),
                "How the accounts are linked",
                "Each account (right) is joined to the kinds of thing it shares with other accounts (left).",
            )
        )
    accounts.add(
        Table(
            [
                "Account",
                "Signed up",
                "Country",
                "Status now",
                "Fraud label",
                "Action now",
                "Shares with",
            ],
            [
                [
                    u["user_id"],
                    fmt.short_moment(u["signup_at"]),
                    u["country_code"] or "–",
                    u["status"] or "–",
                    "yes" if u["is_labelled_fraud"] else "no",
                    u["action"] or "none",
                    num(
                        fmt.plural(u["users_sharing_any_identifier"], "account"),
                        u["users_sharing_any_identifier"],
                    ),
                ]
                for u in pack.users
            ],
            caption="Every account the case covers",
        )
    )
    if pack.blocklist:
        accounts.add(
            Table(
                ["Identifier", "Kind", "Blocked since", "From account", "Because of"],
                [
                    [
                        b["entity_value"],
                        link_label(b["entity_type"]).replace("Same ", ""),
                        fmt.short_moment(b["blocked_from"]),
                        b["confirmed_user_id"],
                        b["confirmed_by"].replace("_", " "),
                    ]
                    for b in pack.blocklist
                ],
                caption="Identifiers of these accounts on the blocklist (hashed)",
            )
        )
    else:
        accounts.add(
            Text(
                "The warehouse keeps the identifiers themselves (device, card and payout account "
                "fingerprints) only for confirmed fraudsters, on the blocklist; none of these "
                "accounts is on it yet, so only the kinds of shared identifier are shown.",
                "note",
            )
        )

    events = timeline_events(pack)
    timeline = Section("timeline", "Timeline", "What happened, oldest first.")
    timeline.add(
        charts.block(
            timeline_chart(events, pack.activity),
            "Timeline",
            "One row per kind of event; grey dots are days on which the accounts were active.",
        )
    )
    timeline.add(
        Events(
            [(fmt.short_moment(e["at"]), e["what"]) for e in events[-TIMELINE_ROWS:]],
            caption=f"The last {TIMELINE_ROWS} events"
            if len(events) > TIMELINE_ROWS
            else "Every event",
        )
    )

    money = Section("money", "Money in and out", "Per account, over the accounts' whole life.")
    money.add(
        charts.block(
            money_by_account_chart(pack.users),
            "Money by account",
            "Bars to the right brought money in; bars to the left took it out.",
        )
    )
    if pack.activity:
        money.add(
            charts.block(
                daily_money_chart(pack.activity),
                "Money moved per day",
                "Card payments, sales and purchases of the accounts per day.",
            )
        )
    money.add(
        Table(
            ["Account", "Top-ups", "Sales", "Payouts", "Purchases", "Bonuses"],
            [
                [
                    u["user_id"],
                    num(fmt.money(u["topup_usd"]), u["topup_usd"]),
                    num(fmt.money(u["sold_usd"]), u["sold_usd"]),
                    num(fmt.money(u["payout_usd"]), u["payout_usd"]),
                    num(fmt.money(u["bought_usd"]), u["bought_usd"]),
                    num(fmt.money(u["bonus_usd"]), u["bonus_usd"]),
                ]
                for u in pack.users
            ],
            caption="USD, all time",
        )
    )
    money.add(
        Text(
            "Payouts per day are not in the warehouse (only each account's total), so the daily chart has no payouts.",
            "missing",
        )
    )

    return Page(
        kind="investigation",
        title=f"Case {case['case_id']}",
        subtitle=f"Investigation pack · {case['severity']} · priority {case['priority_rank']}",
        headline=(
            f"{who[0].upper()}{who[1:]} flagged by {fmt.listing(names)}: {fmt.money(case['expected_loss_usd'])} "
            f"expected loss, {fmt.money(case['money_out_usd'])} out against {fmt.money(case['money_in_usd'])} in. "
            + ("Past its deadline." if overdue else f"Decide by {fmt.moment(case['sla_due_at'])}.")
        ),
        freshness=freshness,
        generated_at=now,
        tiles=tiles,
        findings=findings(pack),
        sections=[why, accounts, timeline, money],
        definitions={
            "Expected loss": "Exposure (payouts, top-ups and bonuses of the accounts) times the strength of the best alert (score / 100).",
            "Money in": "Wallet top-ups and sales of the accounts (USD).",
            "Money out": "Payouts and purchases of the accounts (USD).",
            "Deadline": "Case opened plus the time allowed for its severity (critical 4 h, high 24 h).",
            "Fraud label": "A fraudulent chargeback or an investigation closed as confirmed fraud.",
            "Action now": "What online systems enforce now: restrict blocks money movement, challenge asks for verification, watch only records.",
            "Shares with": "Other accounts sharing a device, card, payout account, IP address or app install with this one (very common identifiers such as office networks left out).",
        },
        about=[
            f"Case opened {fmt.moment(case['opened_at'])}; priority {case['priority_rank']} in the queue (by expected loss)."
        ],
        sources=SOURCES,
        marts=MARTS,
        nav=[("All investigation packs", "index.html"), *nav("investigations/index.html", "../")],
    )


def index_page(cases: list[dict], freshness: Freshness, now: datetime) -> Page:
    cutoff = freshness.data_cutoff or now
    overdue = [c for c in cases if c["sla_due_at"] < cutoff]
    section = Section(
        "packs", "Open critical and high-severity cases", "Highest expected loss first."
    )
    section.add(
        Table(
            ["Case", "Account or group", "Severity", "Accounts", "Expected loss", "Deadline"],
            [
                [
                    Cell(c["case_id"], href=f"{c['case_id']}.html"),
                    c["entity_id"],
                    c["severity"],
                    num(fmt.count(c["linked_accounts"]), c["linked_accounts"]),
                    num(fmt.money(c["expected_loss_usd"]), c["expected_loss_usd"]),
                    ("overdue since " if c["sla_due_at"] < cutoff else "due ")
                    + fmt.short_moment(c["sla_due_at"]),
                ]
                for c in cases
            ],
        )
    )
    loss = sum(float(c["expected_loss_usd"] or 0) for c in cases)
    return Page(
        kind="investigation_index",
        title="Investigation packs",
        subtitle="Fraud and risk · case packs",
        headline=(
            f"{fmt.plural(len(cases), 'open high-priority case')} with {fmt.money(loss)} of "
            f"expected loss; {len(overdue)} past their deadline."
        ),
        freshness=freshness,
        generated_at=now,
        findings=None,
        sections=[section],
        definitions={
            "Expected loss": "Exposure of the accounts times the strength of the best alert."
        },
        sources=SOURCES,
        marts=["marts.risk_cases"],
        nav=nav("investigations/index.html", "../"),
    )


def build(database: Path, reports_dir: Path, now: datetime | None = None) -> list[Path]:
    """One pack per open critical or high case in reports_dir/investigations/, plus its index.
    Packs of cases that are no longer open are removed."""
    now = now or utc_now()
    target = reports_dir / PACKS_DIR
    with open_marts(database) as marts:
        freshness = marts.freshness(SOURCES)
        cases = load_cases(marts)
        packs = [load_pack(marts, case, freshness.data_cutoff or now) for case in cases]
    fresh = target.with_name(f".{PACKS_DIR}.building")
    shutil.rmtree(fresh, ignore_errors=True)

    def write_pack(pack: Pack) -> Path:
        return write(pack_page(pack, freshness, now), fresh / f"{pack.case['case_id']}.html")

    # Drawing charts is most of the time; vl-convert draws in parallel threads.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        written = list(pool.map(write_pack, packs))
    written.append(write(index_page(cases, freshness, now), fresh / "index.html"))
    # Swap the whole folder so a reader never sees a mix of two refreshes' packs.
    old = target.with_name(f".{PACKS_DIR}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return [target / path.name for path in written]
