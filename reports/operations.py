"""Operations report: the daily KPIs with the change against the previous period, the payment
funnel, and support load and resolution times.

Reads marts.ops_daily_kpis, ops_payment_funnel_daily and ops_support_daily. Periods are the last
7 complete UTC days against the 7 before; sums over days, ratios as the sum of their numerator
over the sum of their denominator (the marts' rule), averages of daily counts where a daily
figure (DAU) is compared.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import altair as alt

from reports import charts, fmt
from reports.page import (
    Finding,
    Kpi,
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
from reports.source import Marts, batch_end, open_marts, utc_now

FILE_NAME = "operations.html"
SOURCES = [
    "app/users",
    "events/app_events",
    "payments/payment_attempts",
    "payments/chargebacks",
    "payments/payouts",
    "trading/trades",
    "support/tickets",
    "reference/fx_rates",
]
# A day counts as complete once these tables have delivered past its end.
COMPLETENESS_SOURCES = ["events/app_events", "payments/payment_attempts", "trading/trades"]
MARTS = ["marts.ops_daily_kpis", "marts.ops_payment_funnel_daily", "marts.ops_support_daily"]
PERIOD_DAYS = 7
CHART_DAYS = 60
FUNNEL_DAYS = 30
CATEGORY_NAMES = {
    "account_restricted": "Account restricted",
    "payment_declined": "Payment declined",
    "fraud_report": "Fraud report",
    "bonus": "Bonus",
    "payout": "Payout",
    "other": "Other",
    "unknown": "Unknown",
}
# Findings' conditions.
VOLUME_DROP = -0.10
VOLUME_RISE = 0.15
SUCCESS_RATE_DROP = -0.02  # payment success rate, in share points
SLOW_RESOLUTION_HOURS = 24.0
MIN_SOLVED = 5
BACKLOG_RISE = 0.25
MIN_BACKLOG = 5
LOW_CSAT = 3.5
MIN_CSAT_RESPONSES = 5


@dataclass(frozen=True)
class Metric:
    """A KPI of ops_daily_kpis and how to roll it up over a period."""

    key: str
    label: str
    kind: str  # count, money, share or score
    rollup: str  # sum, mean (of a daily figure), last (value on the last day), or ratio
    numerator: str | None = None
    denominator: str | None = None
    up_is_good: bool | None = True  # None: neither


METRICS = [
    Metric("gmv_usd", "GMV", "money", "sum"),
    Metric("fees_usd", "Revenue (fees)", "money", "sum"),
    Metric("trades", "Trades", "count", "sum"),
    Metric("new_users", "New users", "count", "sum"),
    Metric("dau", "Daily active users (average)", "count", "mean"),
    Metric("wau", "Weekly active users", "count", "last"),
    Metric("mau", "Monthly active users", "count", "last"),
    Metric("take_rate", "Take rate", "share", "ratio", "fees_usd", "gmv_usd", None),
    Metric(
        "payment_success_rate",
        "Payment success rate",
        "share",
        "ratio",
        "successful_payments",
        "payment_attempts",
    ),
    Metric(
        "topup_success_rate",
        "Top-up success rate",
        "share",
        "ratio",
        "successful_topups",
        "topup_attempts",
    ),
    Metric("payout_paid_amount_usd", "Payouts paid", "money", "sum", up_is_good=None),
    Metric("chargebacks", "Chargebacks", "count", "sum", up_is_good=False),
    Metric("refunds", "Refunds", "count", "sum", up_is_good=False),
    Metric("tickets_created", "Support tickets", "count", "sum", up_is_good=False),
    Metric(
        "avg_csat",
        "Support satisfaction (1-5)",
        "score",
        "ratio",
        "csat_score_sum",
        "csat_responses",
    ),
]
VOLUME_METRICS = ["gmv_usd", "trades", "dau", "new_users"]


def rollup(metric: Metric, days: list[dict]):
    """The metric over `days` (daily rows of ops_daily_kpis, oldest first)."""
    if not days:
        return None
    if metric.rollup == "sum":
        return sum(float(d[metric.key] or 0) for d in days)
    if metric.rollup == "mean":
        return sum(float(d[metric.key] or 0) for d in days) / len(days)
    if metric.rollup == "last":
        return days[-1][metric.key]
    denominator = sum(float(d[metric.denominator] or 0) for d in days)
    return sum(float(d[metric.numerator] or 0) for d in days) / denominator if denominator else None


def display(metric: Metric, value) -> str:
    if metric.kind == "money":
        return fmt.money(value)
    if metric.kind == "share":
        return fmt.pct(value, 1)
    if metric.kind == "score":
        return "–" if value is None else f"{value:.2f}"
    return fmt.count(value)


def compare(metric: Metric, current, previous) -> dict:
    """Change against the previous period: relative for volumes, in points for shares."""
    if metric.kind in ("share", "score"):
        delta = None if current is None or previous is None else current - previous
        text = (
            None
            if delta is None
            else (fmt.points(delta) if metric.kind == "share" else f"{delta:+.2f}")
        )
    else:
        delta = fmt.change(current, previous)
        text = None if delta is None else fmt.signed_pct(delta)
    if delta is None or metric.up_is_good is None or abs(delta) < 1e-9:
        tone = "neutral"
    else:
        tone = "good" if (delta > 0) == metric.up_is_good else "bad"
    return {
        "key": metric.key,
        "label": metric.label,
        "kind": metric.kind,
        "current": current,
        "previous": previous,
        "delta": delta,
        "change": text,
        "tone": tone,
    }


# --- findings ---------------------------------------------------------------------------------

DROP_ADVICE = {
    "gmv_usd": "Check whether fewer trades or smaller ones drove it (trades and GMV below), and "
    "whether a payment or listing problem started on the day the line turns down.",
    "trades": "Check listing views and payment success for the same days; if both held up, "
    "ask the marketplace team about supply (new listings).",
    "dau": "Check the app-release calendar and login failures for the first day of the drop, "
    "and whether a campaign ended.",
    "new_users": "Check paid media spend and the signup funnel for the same days: a paused "
    "campaign or a broken signup step shows up here first.",
}


def finding_volume_drop(comparisons: list[dict]) -> Finding | None:
    """The largest fall among GMV, trades, DAU and new users, week on week."""
    drops = [
        c
        for c in comparisons
        if c["key"] in VOLUME_METRICS and c["delta"] is not None and c["delta"] <= VOLUME_DROP
    ]
    if not drops:
        return None
    worst = min(drops, key=lambda c: c["delta"])
    metric = next(m for m in METRICS if m.key == worst["key"])
    return Finding(
        key="volume_drop",
        headline=(
            f"{worst['label']} fell {fmt.pct(-worst['delta'])} in the last {PERIOD_DAYS} days: "
            f"{display(metric, worst['current'])} against {display(metric, worst['previous'])} "
            "the week before."
        ),
        detail=(
            "Also down: "
            + fmt.listing(
                [f"{c['label'].lower()} ({c['change']})" for c in drops if c is not worst]
            )
            + "."
            if len(drops) > 1
            else ""
        ),
        recommendation=DROP_ADVICE[worst["key"]],
        weight=-worst["delta"] * 50_000,
    )


def finding_volume_rise(comparisons: list[dict]) -> Finding | None:
    """The largest rise among GMV, trades, DAU and new users, week on week."""
    rises = [
        c
        for c in comparisons
        if c["key"] in VOLUME_METRICS and c["delta"] is not None and c["delta"] >= VOLUME_RISE
    ]
    if not rises:
        return None
    best = max(rises, key=lambda c: c["delta"])
    metric = next(m for m in METRICS if m.key == best["key"])
    return Finding(
        key="volume_rise",
        headline=(
            f"{best['label']} rose {fmt.pct(best['delta'])} in the last {PERIOD_DAYS} days: "
            f"{display(metric, best['current'])} against {display(metric, best['previous'])}."
        ),
        detail="Growth this fast is worth a second look before it is celebrated.",
        recommendation=(
            "Check in the acquisition report and the risk brief that the growth does not come "
            "from one partner, promo code or flagged group, and that support and payouts keep up."
        ),
        weight=best["delta"] * 20_000,
    )


def finding_payment_success(comparisons: list[dict]) -> Finding | None:
    rate = next((c for c in comparisons if c["key"] == "payment_success_rate"), None)
    if not rate or rate["delta"] is None or rate["delta"] > SUCCESS_RATE_DROP:
        return None
    return Finding(
        key="payment_success_drop",
        headline=(
            f"Payment success fell to {fmt.pct(rate['current'], 1)} from "
            f"{fmt.pct(rate['previous'], 1)} ({fmt.points(rate['delta'])}) in the last "
            f"{PERIOD_DAYS} days."
        ),
        detail="Every failed payment is a customer who could not top up or buy.",
        recommendation=(
            "Ask the payments team for the decline reasons of the period by card network and "
            "issuer country, and check the risk engine's payment blocks for the same days."
        ),
        weight=-rate["delta"] * 500_000,
    )


STAGES = [
    ("signups", "Signed up"),
    ("users_attempted_payment", "Tried to pay"),
    ("users_paid", "Paid"),
    ("users_traded_after_payment", "Traded"),
    ("users_paid_out_after_trade", "Cashed out"),
]
LEAK_ADVICE = {
    "users_attempted_payment": "Make the first top-up easier: prompt it right after signup and "
    "offer the payment methods new users ask for.",
    "users_paid": "Look at why first payments fail (declines, 3-D Secure drop-outs) and retry "
    "soft declines automatically.",
    "users_traded_after_payment": "Help funded users to their first trade: recommended listings "
    "and a first-trade nudge in the first days.",
    "users_paid_out_after_trade": "Normal for a marketplace where most users keep a balance; "
    "check only that payouts are not failing (payout status in the risk brief).",
}


def finding_funnel_leak(funnel: dict) -> Finding | None:
    """The funnel step that loses the largest share of the users reaching it (excluding the last,
    cash-out, step, which most users never need)."""
    steps = []
    for (before, before_label), (after, after_label) in zip(STAGES[:-2], STAGES[1:-1], strict=True):
        reached = funnel.get(before) or 0
        if reached:
            steps.append(
                ((funnel.get(after) or 0) / reached, before_label, after_label, after, reached)
            )
    if not steps:
        return None
    rate, before_label, after_label, after, reached = min(steps)
    return Finding(
        key="funnel_leak",
        headline=(
            f"The funnel's biggest drop: only {fmt.pct(rate)} of users who "
            f"{before_label.lower()} went on to the next step ({after_label.lower()})."
        ),
        detail=(
            f"{fmt.count(reached - (funnel.get(after) or 0))} of {fmt.count(reached)} users "
            f"stopped there (signups of the last {FUNNEL_DAYS} days)."
        ),
        recommendation=LEAK_ADVICE[after],
        weight=(1 - rate) * 10_000,
    )


def finding_slow_support(categories: list[dict]) -> Finding | None:
    """The busiest ticket category whose tickets take more than a day to resolve."""
    slow = [
        c
        for c in categories
        if (c["solved"] or 0) >= MIN_SOLVED
        and c["mean_resolution_hours"] is not None
        and c["mean_resolution_hours"] > SLOW_RESOLUTION_HOURS
    ]
    if not slow:
        return None
    worst = max(slow, key=lambda c: (c["solved"] * c["mean_resolution_hours"], c["category"]))
    return Finding(
        key="slow_support",
        headline=(
            f"{CATEGORY_NAMES.get(worst['category'], worst['category'])} tickets take "
            f"{fmt.hours(worst['mean_resolution_hours'])} on average to resolve "
            f"({fmt.count(worst['solved'])} solved in the last {FUNNEL_DAYS} days)."
        ),
        detail=f"{fmt.count(worst['open_now'])} of them are open now.",
        recommendation=(
            f"Give {CATEGORY_NAMES.get(worst['category'], worst['category']).lower()} tickets a "
            "same-day target and a saved reply for the most common question; route them to the "
            "team that can resolve them without a hand-off."
        ),
        weight=worst["solved"] * worst["mean_resolution_hours"],
    )


def finding_backlog(open_now: int, open_before: int) -> Finding | None:
    """Open tickets at the end of the last complete day against a week earlier."""
    if open_now < MIN_BACKLOG or open_now < open_before * (1 + BACKLOG_RISE):
        return None
    return Finding(
        key="support_backlog",
        headline=(
            f"Open support tickets grew to {fmt.count(open_now)} from {fmt.count(open_before)} "
            "a week earlier."
        ),
        detail="Tickets are arriving faster than they are solved.",
        recommendation=(
            "Add support hours until the backlog is back to last week's level, starting with the "
            "categories with the most open tickets (table below)."
        ),
        weight=(open_now - open_before) * 500,
    )


def finding_low_csat(categories: list[dict]) -> Finding | None:
    low = [
        c
        for c in categories
        if (c["csat_responses"] or 0) >= MIN_CSAT_RESPONSES
        and c["avg_csat"] is not None
        and c["avg_csat"] < LOW_CSAT
    ]
    if not low:
        return None
    worst = min(low, key=lambda c: c["avg_csat"])
    return Finding(
        key="low_csat",
        headline=(
            f"Customers rate {CATEGORY_NAMES.get(worst['category'], worst['category']).lower()} "
            f"support {worst['avg_csat']:.1f} out of 5 ({fmt.count(worst['csat_responses'])} "
            f"ratings in the last {FUNNEL_DAYS} days)."
        ),
        detail=f"Below the {LOW_CSAT} we consider acceptable.",
        recommendation=(
            "Read this category's low-rated tickets of the period with the team lead and fix the "
            "most common cause (policy, wording or wait)."
        ),
        weight=(LOW_CSAT - worst["avg_csat"]) * 5_000,
    )


# --- data -------------------------------------------------------------------------------------


@dataclass
class Operations:
    days: list[dict]  # complete days of ops_daily_kpis, oldest first
    current: list[dict]
    previous: list[dict]
    comparisons: list[dict]
    funnel: dict
    funnel_by_channel: list[dict]
    support_days: list[dict]
    categories: list[dict]
    open_now: int
    open_before: int
    complete_until: datetime | None


def load(marts: Marts) -> Operations:
    freshness = marts.freshness(COMPLETENESS_SOURCES)
    ends = [batch_end(s.latest_batch) for s in freshness.sources]
    complete_until = min(ends) if ends else None
    days = marts.rows("select * from marts.ops_daily_kpis order by date_day")
    if complete_until is not None:
        days = [d for d in days if d["date_day"] + timedelta(days=1) <= complete_until.date()]
    current, previous = days[-PERIOD_DAYS:], days[-2 * PERIOD_DAYS : -PERIOD_DAYS]
    comparisons = [compare(m, rollup(m, current), rollup(m, previous)) for m in METRICS]
    last_day = days[-1]["date_day"] if days else None
    funnel_start = last_day - timedelta(days=FUNNEL_DAYS - 1) if last_day else None
    columns = ", ".join(f"sum({stage}) as {stage}" for stage, _ in STAGES)
    funnel = marts.one(
        f"""
        select {columns}, sum(fraudulent_signups) as fraudulent_signups,
            sum(signups_net_of_fraud) as signups_net_of_fraud
        from marts.ops_payment_funnel_daily where signup_date between ? and ?
        """,
        [funnel_start, last_day],
    )
    funnel_by_channel = marts.rows(
        f"""
        select acquisition_channel, {columns}
        from marts.ops_payment_funnel_daily where signup_date between ? and ?
        group by acquisition_channel order by sum(signups) desc
        """,
        [funnel_start, last_day],
    )
    support_days = marts.rows(
        """
        select date_day, sum(tickets_created) as created, sum(tickets_solved) as solved,
            sum(open_tickets_end_of_day) as open_end_of_day
        from marts.ops_support_daily where date_day <= ?
        group by date_day order by date_day
        """,
        [last_day],
    )
    categories = marts.rows(
        """
        select category,
            sum(tickets_created) as created,
            sum(tickets_solved) as solved,
            sum(resolution_hours_sum) / nullif(sum(tickets_solved), 0) as mean_resolution_hours,
            arg_max(open_tickets_end_of_day, date_day) as open_now,
            sum(csat_responses) as csat_responses,
            sum(csat_score_sum) / nullif(sum(csat_responses), 0) as avg_csat
        from marts.ops_support_daily where date_day between ? and ?
        group by category order by sum(tickets_created) desc, category
        """,
        [funnel_start, last_day],
    )
    by_day = {d["date_day"]: d for d in support_days}
    open_now = by_day[last_day]["open_end_of_day"] if last_day in by_day else 0
    week_before = last_day - timedelta(days=PERIOD_DAYS) if last_day else None
    open_before = by_day[week_before]["open_end_of_day"] if week_before in by_day else 0
    return Operations(
        days=days,
        current=current,
        previous=previous,
        comparisons=comparisons,
        funnel=funnel,
        funnel_by_channel=funnel_by_channel,
        support_days=support_days,
        categories=categories,
        open_now=int(open_now or 0),
        open_before=int(open_before or 0),
        complete_until=complete_until,
    )


def findings(data: Operations) -> list[Finding]:
    return top_findings(
        [
            finding_volume_drop(data.comparisons),
            finding_volume_rise(data.comparisons),
            finding_payment_success(data.comparisons),
            finding_funnel_leak(data.funnel),
            finding_slow_support(data.categories),
            finding_backlog(data.open_now, data.open_before),
            finding_low_csat(data.categories),
        ]
    )


# --- page -------------------------------------------------------------------------------------


def kpi_tiles(data: Operations, keys: list[str]) -> Tiles:
    by_key = {c["key"]: c for c in data.comparisons}
    tiles = []
    for metric in METRICS:
        if metric.key not in keys:
            continue
        c = by_key[metric.key]
        tiles.append(
            Kpi(
                metric.label,
                display(metric, c["current"]),
                f"ops.{metric.key}",
                c["current"],
                change=None if c["change"] is None else f"{c['change']} vs the week before",
                tone=c["tone"],
                hint=f"before: {display(metric, c['previous'])}",
            )
        )
    return Tiles(tiles)


def page(data: Operations, marts: Marts, now: datetime) -> Page:
    if data.current:
        period = f"{fmt.short_day(data.current[0]['date_day'])} – {fmt.date_only(data.current[-1]['date_day'])}"
    else:
        period = "no complete day yet"
    by_key = {c["key"]: c for c in data.comparisons}
    gmv, dau = by_key["gmv_usd"], by_key["dau"]
    if not data.current:
        headline = (
            "No complete day of data yet: the KPIs fill in once a whole UTC day of app events, "
            "payments and trades has been delivered."
        )
    else:
        headline = (
            f"Last {PERIOD_DAYS} days ({period}): GMV {fmt.money(gmv['current'])} "
            f"({gmv['change'] or 'no earlier week'}), {fmt.count(dau['current'])} daily active "
            f"users on average ({dau['change'] or 'no earlier week'}), payment success "
            f"{fmt.pct(by_key['payment_success_rate']['current'], 1)}."
        )

    kpis = Section(
        "kpis",
        "Daily KPIs",
        f"The last {PERIOD_DAYS} complete days against the {PERIOD_DAYS} days before. Green: "
        "moving the right way; red: the wrong way.",
    )
    kpis.add(
        kpi_tiles(
            data,
            [
                "trades",
                "new_users",
                "wau",
                "mau",
                "take_rate",
                "topup_success_rate",
                "payout_paid_amount_usd",
                "chargebacks",
                "refunds",
            ],
        )
    )
    recent = data.days[-CHART_DAYS:]
    if recent:
        kpis.add(
            charts.block(
                alt.Chart(
                    charts.data([{"day": d["date_day"], "usd": d["gmv_usd"]} for d in recent])
                )
                .mark_bar(color=charts.NEUTRAL)
                .encode(
                    x=charts.utc_x("day"),
                    y=alt.Y("usd:Q", title="GMV per day", axis=alt.Axis(format="$,.0f")),
                )
                .properties(width=charts.WIDTH, height=charts.HEIGHT),
                "GMV per day",
                f"Value of the trades made each day, last {len(recent)} days.",
            )
        )
        active = [
            {"day": d["date_day"], "measure": label, "users": d[key]}
            for d in recent
            for key, label in (("dau", "Daily"), ("wau", "Weekly"), ("mau", "Monthly"))
        ]
        kpis.add(
            charts.block(
                alt.Chart(charts.data(active))
                .mark_line()
                .encode(
                    x=charts.utc_x("day"),
                    y=alt.Y("users:Q", title="Active users"),
                    color=alt.Color("measure:N", title=None, sort=["Daily", "Weekly", "Monthly"]),
                )
                .properties(width=charts.WIDTH, height=charts.HEIGHT),
                "Active users",
                "People who opened the app, logged in, traded or paid: on the day, in the last 7 days and in the last 30.",
            )
        )
        rates = [
            {"day": d["date_day"], "measure": label, "rate": d[key]}
            for d in recent
            for key, label in (
                ("payment_success_rate", "All payments"),
                ("topup_success_rate", "Top-ups"),
            )
            if d[key] is not None
        ]
        kpis.add(
            charts.block(
                alt.Chart(charts.data(rates))
                .mark_line()
                .encode(
                    x=charts.utc_x("day"),
                    y=alt.Y(
                        "rate:Q",
                        title="Succeeded",
                        axis=alt.Axis(format="%"),
                        scale=alt.Scale(zero=False),
                    ),
                    color=alt.Color("measure:N", title=None),
                )
                .properties(width=charts.WIDTH, height=charts.HEIGHT),
                "Payment success rate",
                "Share of payment attempts that went through, per day.",
            )
        )

    funnel = Section(
        "funnel",
        "Payment funnel",
        f"Users who signed up in the last {FUNNEL_DAYS} days, and how far they have got so far: each "
        "step counts only users who took the step before.",
    )
    if data.funnel.get("signups"):
        signups = data.funnel["signups"]
        steps = [
            {
                "stage": label,
                "users": data.funnel.get(key) or 0,
                "share": (data.funnel.get(key) or 0) / signups,
            }
            for key, label in STAGES
        ]
        order = [label for _, label in STAGES]
        bars = alt.Chart(charts.data(steps)).encode(
            y=alt.Y("stage:N", title=None, sort=order),
            x=alt.X("users:Q", title="Users"),
        )
        funnel.add(
            charts.block(
                alt.layer(
                    bars.mark_bar(color=charts.NEUTRAL),
                    bars.mark_text(align="left", dx=4, fontSize=12).encode(
                        text=alt.Text("share:Q", format=".0%")
                    ),
                ).properties(width=charts.WIDTH - 60, height=170),
                "From signup to cash-out",
                "Bar length: users at each step; label: share of all signups.",
            )
        )
        funnel.add(
            Table(
                ["Channel", *[label for _, label in STAGES[1:]]],
                [
                    [
                        fmt.channel(row["acquisition_channel"]),
                        *[
                            num(
                                fmt.pct((row[key] or 0) / row["signups"])
                                if row["signups"]
                                else "–",
                                row[key],
                                f"ops.funnel.{row['acquisition_channel']}.{key}",
                            )
                            for key, _ in STAGES[1:]
                        ],
                    ]
                    for row in data.funnel_by_channel
                ],
                caption="Share of each channel's signups that reached each step",
            )
        )
        funnel.add(
            Text(
                f"{fmt.count(data.funnel.get('fraudulent_signups'))} of these "
                f"{fmt.count(signups)} signups turned out fraudulent. Recent signups have had "
                "less time to take each step.",
                "note",
            )
        )

    support = Section(
        "support", "Support", "Tickets created, solved and waiting, and how long solving takes."
    )
    support.add(kpi_tiles(data, ["tickets_created", "avg_csat"]))
    support.add(
        Tiles(
            [
                Kpi(
                    "Open tickets now",
                    fmt.count(data.open_now),
                    "ops.open_tickets",
                    data.open_now,
                    change=f"{fmt.count(data.open_before)} a week earlier",
                    tone="bad" if data.open_now > data.open_before else "good",
                )
            ]
        )
    )
    recent_support = data.support_days[-CHART_DAYS:]
    if recent_support:
        load_rows = [
            {"day": d["date_day"], "measure": label, "tickets": d[key]}
            for d in recent_support
            for key, label in (
                ("created", "Created"),
                ("solved", "Solved"),
                ("open_end_of_day", "Open at day end"),
            )
        ]
        support.add(
            charts.block(
                alt.Chart(charts.data(load_rows))
                .mark_line()
                .encode(
                    x=charts.utc_x("day"),
                    y=alt.Y("tickets:Q", title="Tickets"),
                    color=alt.Color(
                        "measure:N",
                        title=None,
                        sort=["Created", "Solved", "Open at day end"],
                        scale=alt.Scale(range=[charts.NEUTRAL, charts.GOOD, charts.BAD]),
                    ),
                )
                .properties(width=charts.WIDTH, height=charts.HEIGHT),
                "Support load",
                "Tickets created and solved per day, and tickets still open at the end of each day.",
            )
        )
    timed = [c for c in data.categories if c["mean_resolution_hours"] is not None]
    if timed:
        support.add(
            charts.block(
                alt.Chart(
                    charts.data(
                        [
                            {
                                "category": CATEGORY_NAMES.get(c["category"], c["category"]),
                                "hours": c["mean_resolution_hours"],
                            }
                            for c in timed
                        ]
                    )
                )
                .mark_bar(color=charts.NEUTRAL)
                .encode(
                    y=alt.Y("category:N", title=None, sort="-x"),
                    x=alt.X("hours:Q", title="Hours to resolve (average)"),
                )
                .properties(width=charts.WIDTH - 60, height=max(100, 24 * len(timed))),
                "Resolution time by category",
                f"Average hours from a ticket's creation to its resolution, tickets solved in the last {FUNNEL_DAYS} days.",
            )
        )
    support.add(
        Table(
            ["Category", "Created", "Solved", "Open now", "Hours to resolve", "Satisfaction"],
            [
                [
                    CATEGORY_NAMES.get(c["category"], c["category"]),
                    num(fmt.count(c["created"]), c["created"]),
                    num(fmt.count(c["solved"]), c["solved"]),
                    num(fmt.count(c["open_now"]), c["open_now"]),
                    num(
                        fmt.hours(c["mean_resolution_hours"]),
                        c["mean_resolution_hours"],
                        f"ops.resolution_hours.{c['category']}",
                    ),
                    num(
                        "–" if c["avg_csat"] is None else f"{c['avg_csat']:.1f} / 5", c["avg_csat"]
                    ),
                ]
                for c in data.categories
            ],
            caption=f"Last {FUNNEL_DAYS} days by category",
        )
    )

    return Page(
        kind="operations",
        title="Operations",
        subtitle="Platform · daily KPIs",
        headline=headline,
        freshness=marts.freshness(SOURCES),
        generated_at=now,
        tiles=kpi_tiles(data, ["gmv_usd", "fees_usd", "dau", "payment_success_rate"]).kpis,
        findings=findings(data),
        sections=[kpis, funnel, support],
        definitions=DEFINITIONS,
        about=[
            f"Current period: {period}, the last {PERIOD_DAYS} complete UTC days; compared with the {PERIOD_DAYS} days before. "
            + (
                f"A day is complete once app events, payments and trades have been delivered past its end (here up to {fmt.moment(data.complete_until)})."
                if data.complete_until
                else ""
            ),
            "Sums over the period for counts and amounts; rates as the period's total successes over its total attempts; "
            "daily active users as the average day; weekly and monthly active users on the last day.",
            "Internal test accounts are left out of every figure. Money in USD at each day's exchange rate.",
        ],
        sources=SOURCES,
        marts=MARTS,
        nav=nav("operations.html"),
    )


DEFINITIONS = {
    "GMV": "Gross merchandise value: price × quantity of the trades made, USD.",
    "Revenue (fees)": "Platform fees on those trades, USD.",
    "Take rate": "Fees / GMV.",
    "Trades": "Trades executed (neither side a test account).",
    "New users": "Real users who signed up.",
    "Daily / weekly / monthly active users": "Distinct users who opened the app, logged in, traded or made a payment attempt on the day / in the 7 / 30 days ending with it.",
    "Payment success rate": "Payment attempts (top-ups and purchases) that succeeded / all attempts.",
    "Top-up success rate": "Wallet top-up attempts that succeeded / all top-up attempts.",
    "Payouts paid": "USD of payouts requested in the period whose status is now paid.",
    "Chargebacks": "Card payments disputed by the cardholder, by day received.",
    "Refunds": "Support tickets solved as refunded (there is no refund feed).",
    "Payment funnel": "Signed up → tried to pay → paid (first successful payment) → traded after paying → cashed out (a paid payout after that trade). Each step only counts users who took the one before.",
    "Support tickets": "Tickets created; solved = status solved, by resolution time; open = created and not yet solved.",
    "Hours to resolve": "Total hours from creation to resolution of the tickets solved / tickets solved.",
    "Satisfaction": "Average CSAT score (1-5) of solved tickets that were rated.",
}


def build(database: Path, reports_dir: Path, now: datetime | None = None) -> list[Path]:
    now = now or utc_now()
    with open_marts(database) as marts:
        return [write(page(load(marts), marts, now), reports_dir / FILE_NAME)]
