"""Acquisition report: spend, CAC and ROAS by channel and partner, raw beside net of fraud; the
attribution models side by side; cohort retention and LTV curves with payback.

Reads marts.acq_channel_daily, acq_attribution_channel_daily and acq_cohort_retention. Ratios are
rolled up the way the marts' YAML prescribes: sum the numerator and the denominator, then divide.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import altair as alt

from reports import charts, fmt
from reports.page import Finding, Kpi, Page, Section, Table, nav, num, top_findings, write
from reports.source import Marts, open_marts, utc_now

FILE_NAME = "acquisition.html"
SOURCES = [
    "marketing/search_ads",
    "marketing/social_ads",
    "marketing/affiliate",
    "marketing/touchpoints",
    "app/users",
    "events/app_events",
    "payments/payment_attempts",
    "trading/trades",
    "reference/fx_rates",
]
MARTS = [
    "marts.acq_channel_daily",
    "marts.acq_attribution_channel_daily",
    "marts.acq_cohort_retention",
]
MODEL_NAMES = {
    "last_touch": "Last touch",
    "first_touch": "First touch",
    "linear": "Linear",
    "position_based": "Position-based",
    "time_decay": "Time decay",
}
# Findings' conditions.
PARTNER_FRAUD_SHARE = 0.2  # a partner or campaign whose signups turned out fraudulent this often
MIN_SIGNUPS = 20
CAC_SPREAD = 2.0  # most vs least expensive paid channel, net of fraud
ATTRIBUTION_SHIFT = 0.2  # a channel's credit moves this much between last touch and multi-touch
MIN_CONVERSIONS = 20
PAYBACK_SHARE = 0.5  # D30 revenue per user below this share of the cost per user
ROAS_FRAUD_GAP = 0.5  # share of a campaign's D30 revenue that comes from fraudulent users
MIN_SPEND = 500.0
MIN_COHORTS = 2  # curves are drawn where at least this many weekly cohorts are observed

ECONOMICS = """
    sum(spend_usd) as spend_usd,
    sum(signups) as signups,
    sum(fraudulent_signups) as fraudulent_signups,
    sum(activated_users) as activated_users,
    sum(activated_users_net_of_fraud) as activated_users_net_of_fraud,
    sum(fraudulent_signups) / nullif(sum(signups), 0) as fraud_signup_share,
    nullif(sum(spend_usd), 0) / nullif(sum(activated_users), 0) as cac_usd,
    nullif(sum(spend_usd), 0) / nullif(sum(activated_users_net_of_fraud), 0)
        as cac_net_of_fraud_usd,
    sum(revenue_d7_usd) filter (where is_d7_complete)
        / nullif(sum(spend_usd) filter (where is_d7_complete), 0) as roas_d7,
    sum(revenue_d7_net_of_fraud_usd) filter (where is_d7_complete)
        / nullif(sum(spend_usd) filter (where is_d7_complete), 0) as roas_d7_net_of_fraud,
    sum(revenue_d30_usd) filter (where is_d30_complete)
        / nullif(sum(spend_usd) filter (where is_d30_complete), 0) as roas_d30,
    sum(revenue_d30_net_of_fraud_usd) filter (where is_d30_complete)
        / nullif(sum(spend_usd) filter (where is_d30_complete), 0) as roas_d30_net_of_fraud
"""


channel_name = fmt.channel


def campaign_label(row: dict) -> str:
    name = row.get("campaign_name")
    if row["campaign_id"] in ("(none)", "(unknown)") or not name:
        suffix = " (no campaign id)" if row["campaign_id"] == "(unknown)" else ""
        return f"{channel_name(row['channel'])}{suffix}"
    return name


# --- findings ---------------------------------------------------------------------------------


def finding_partner_fraud(campaigns: list[dict]) -> Finding | None:
    """The paid campaign or affiliate partner whose signups most often turned out fraudulent."""
    risky = [
        c
        for c in campaigns
        if c["is_paid_channel"]
        and (c["signups"] or 0) >= MIN_SIGNUPS
        and (c["fraud_signup_share"] or 0) >= PARTNER_FRAUD_SHARE
        and c["cac_usd"]
    ]
    if not risky:
        return None
    worst = max(risky, key=lambda c: (c["fraudulent_signups"], c["fraud_signup_share"]))
    kind = "Partner" if worst["channel"] == "affiliate" else "Campaign"
    peers = [
        c
        for c in campaigns
        if c["channel"] == worst["channel"]
        and c is not worst
        and c["cac_net_of_fraud_usd"]
        and (c["fraud_signup_share"] or 0) < PARTNER_FRAUD_SHARE
    ]
    best = min(peers, key=lambda c: c["cac_net_of_fraud_usd"]) if peers else None
    net = worst["cac_net_of_fraud_usd"]
    cac_text = (
        f"its CAC net of fraud is {fmt.times(net / worst['cac_usd'])} the raw figure "
        f"({fmt.money(net)} against {fmt.money(worst['cac_usd'])})"
        if net
        else "none of its activated customers is genuine"
    )
    move = (
        f" and move its budget ({fmt.money(worst['spend_usd'])} so far) to "
        f"{campaign_label(best)} (CAC net of fraud {fmt.money(best['cac_net_of_fraud_usd'])})"
        if best
        else ""
    )
    return Finding(
        key="partner_fraud",
        headline=(
            f"{kind} {campaign_label(worst)}: {fmt.pct(worst['fraud_signup_share'])} of its "
            f"{fmt.count(worst['signups'])} signups turned out fraudulent; {cac_text}."
        ),
        detail=(
            f"{fmt.count(worst['fraudulent_signups'])} fraudulent signups were paid for as if "
            "they were customers."
        ),
        recommendation=(
            f"Stop paying {campaign_label(worst)} for new signups until it is reviewed, claim "
            f"back the payouts for its {fmt.count(worst['fraudulent_signups'])} fraudulent "
            f"signups{move}."
        ),
        weight=float(worst["spend_usd"] or 0) * (1 + worst["fraud_signup_share"]) + 5_000,
    )


def finding_cac_spread(channels: list[dict]) -> Finding | None:
    """Most against least expensive paid channel, per real activated customer."""
    paid = [c for c in channels if c["is_paid_channel"] and c["cac_net_of_fraud_usd"]]
    if len(paid) < 2:
        return None
    cheap = min(paid, key=lambda c: c["cac_net_of_fraud_usd"])
    dear = max(paid, key=lambda c: c["cac_net_of_fraud_usd"])
    ratio = dear["cac_net_of_fraud_usd"] / cheap["cac_net_of_fraud_usd"]
    if ratio < CAC_SPREAD:
        return None
    return Finding(
        key="cac_spread",
        headline=(
            f"{channel_name(dear['channel'])} costs {fmt.money(dear['cac_net_of_fraud_usd'])} per "
            f"genuine activated customer, {fmt.times(ratio)} what "
            f"{channel_name(cheap['channel'])} costs ({fmt.money(cheap['cac_net_of_fraud_usd'])})."
        ),
        detail=(
            f"{channel_name(dear['channel'])} took {fmt.money(dear['spend_usd'])} of spend in "
            "this period."
        ),
        recommendation=(
            f"Shift part of {channel_name(dear['channel'])}'s budget (start with 20% from its "
            f"most expensive campaigns) to {channel_name(cheap['channel'])} and compare CAC net "
            "of fraud after two weeks."
        ),
        weight=float(dear["spend_usd"] or 0),
    )


def finding_attribution_shift(credits: list[dict]) -> Finding | None:
    """The channel whose credit moves most between last touch and the multi-touch models.
    `credits`: channel, attribution_model, credited_conversions (one conversion type)."""
    by_channel: dict[str, dict[str, float]] = {}
    for row in credits:
        by_channel.setdefault(row["channel"], {})[row["attribution_model"]] = float(
            row["credited_conversions"] or 0
        )
    shifts = []
    for channel, models in by_channel.items():
        last = models.get("last_touch")
        others = [v for model, v in models.items() if model != "last_touch"]
        if not last or not others or last < MIN_CONVERSIONS:
            continue
        multi = sum(others) / len(others)
        shifts.append((multi / last - 1, channel, last, multi))
    if not shifts:
        return None
    shift, channel, last, multi = max(shifts, key=lambda s: abs(s[0]))
    if abs(shift) < ATTRIBUTION_SHIFT:
        return None
    more = shift > 0
    return Finding(
        key="attribution_shift",
        headline=(
            f"{channel_name(channel)} gets {fmt.pct(abs(shift))} {'more' if more else 'less'} "
            f"credit for activations under multi-touch attribution than under last touch "
            f"({fmt.count(multi)} against {fmt.count(last)})."
        ),
        detail=(
            "It starts journeys that other channels finish."
            if more
            else "It tends to get the last click on journeys other channels started."
        ),
        recommendation=(
            f"Before cutting {channel_name(channel)} on its last-touch CAC, judge it on the "
            "position-based figures too; its real contribution is larger than last touch shows."
            if more
            else f"Don't scale {channel_name(channel)} on its last-touch results alone: check "
            "the position-based figures, which credit the channels that started the journeys."
        ),
        weight=abs(shift) * 10_000,
    )


def finding_payback(curves: list[dict], max_offset: int = 30) -> Finding | None:
    """A paid channel far from paying back: revenue per user by day `max_offset` (or the last day
    observed) against its cost per user. `curves`: channel, day_offset, revenue_per_user_usd,
    cost_per_user_usd, paid_back_cohorts, cohorts_observed."""
    worst = None
    for channel in {c["channel"] for c in curves}:
        rows = [
            c
            for c in curves
            if c["channel"] == channel and c["day_offset"] <= max_offset and c["cost_per_user_usd"]
        ]
        if not rows:
            continue
        end = max(rows, key=lambda c: c["day_offset"])
        share = (end["revenue_per_user_usd"] or 0) / end["cost_per_user_usd"]
        if share < PAYBACK_SHARE and (worst is None or share < worst[0]):
            worst = (share, end)
    if worst is None:
        return None
    share, end = worst
    return Finding(
        key="payback_far",
        headline=(
            f"{channel_name(end['channel'])}: by day {end['day_offset']} a customer has brought "
            f"{fmt.money(end['revenue_per_user_usd'])} in fees against "
            f"{fmt.money(end['cost_per_user_usd'])} to acquire ({fmt.pct(share)} paid back)."
        ),
        detail=(
            f"{fmt.count(end['paid_back_cohorts'])} of its {fmt.count(end['cohorts_observed'])} "
            f"weekly cohorts observed that long had paid back by then."
        ),
        recommendation=(
            f"Lower {channel_name(end['channel'])} bids or pause its least efficient campaigns "
            "until it can pay back within 90 days, and raise early revenue (first-trade "
            "incentives) for the users it brings."
        ),
        weight=(1 - share) * 8_000,
    )


def finding_fraud_revenue(campaigns: list[dict]) -> Finding | None:
    """A campaign whose D30 revenue comes mostly from users who turned out fraudulent."""
    gaps = [
        (1 - c["roas_d30_net_of_fraud"] / c["roas_d30"], c)
        for c in campaigns
        if c["is_paid_channel"]
        and float(c["spend_usd"] or 0) >= MIN_SPEND
        and (c["fraud_signup_share"] or 0) < PARTNER_FRAUD_SHARE  # that is finding_partner_fraud
        and c["roas_d30"]
        and c["roas_d30_net_of_fraud"] is not None
    ]
    gaps = [g for g in gaps if g[0] >= ROAS_FRAUD_GAP]
    if not gaps:
        return None
    gap, campaign = max(gaps, key=lambda g: (g[0], float(g[1]["spend_usd"] or 0)))
    return Finding(
        key="fraud_revenue",
        headline=(
            f"{campaign_label(campaign)}: {fmt.pct(gap)} of its 30-day revenue comes from users "
            f"who turned out fraudulent (ROAS {campaign['roas_d30']:.2f} raw, "
            f"{campaign['roas_d30_net_of_fraud']:.2f} net of fraud)."
        ),
        detail="Fees paid by fraudsters are not revenue we keep: chargebacks and losses follow.",
        recommendation=(
            f"Report {campaign_label(campaign)} on its net-of-fraud ROAS, and exclude accounts "
            "in flagged groups from its audiences."
        ),
        weight=float(campaign["spend_usd"] or 0) * gap,
    )


# --- data -------------------------------------------------------------------------------------


@dataclass
class Acquisition:
    period: dict
    totals: dict
    channels: list[dict]
    campaigns: list[dict]
    credits: list[dict]
    models: list[dict]
    retention: list[dict]
    payback: list[dict]


def load(marts: Marts) -> Acquisition:
    period = marts.one(
        """
        select min(report_date) as first_day, max(report_date) as last_day,
            any_value(attribution_model) as attribution_model,
            any_value(attribution_lookback_days) as attribution_lookback_days
        from marts.acq_channel_daily
        """
    )
    totals = marts.one(f"select {ECONOMICS} from marts.acq_channel_daily where is_paid_channel")
    totals["all_signups"] = marts.one("select sum(signups) as n from marts.acq_channel_daily")["n"]
    channels = marts.rows(
        f"""
        select channel, bool_or(is_paid_channel) as is_paid_channel, {ECONOMICS}
        from marts.acq_channel_daily group by channel order by sum(spend_usd) desc, channel
        """
    )
    campaigns = marts.rows(
        f"""
        select channel, campaign_id, bool_or(is_paid_channel) as is_paid_channel,
            arg_max(campaign_name, report_date) filter (where campaign_name is not null)
                as campaign_name,
            {ECONOMICS}
        from marts.acq_channel_daily
        where is_paid_channel
        group by channel, campaign_id
        order by sum(spend_usd) desc, channel, campaign_id
        """
    )
    credits = marts.rows(
        """
        select attribution_model, any_value(attribution_lookback_days) as lookback_days, channel,
            sum(credited_conversions) as credited_conversions,
            sum(credited_conversions_net_of_fraud) as credited_conversions_net_of_fraud
        from marts.acq_attribution_channel_daily
        where conversion_type = 'activation'
        group by attribution_model, channel
        order by attribution_model, channel
        """
    )
    models = marts.rows(
        """
        select attribution_model, any_value(attribution_lookback_days) as lookback_days
        from marts.acq_attribution_channel_daily group by attribution_model
        order by attribution_model = 'last_touch' desc, attribution_model
        """
    )
    retention = marts.rows(
        """
        select acquisition_channel as channel, day_offset,
            sum(active_users) / nullif(sum(users_observed), 0) as retention_rate,
            sum(active_users_net_of_fraud) / nullif(sum(users_observed_net_of_fraud), 0)
                as retention_rate_net_of_fraud,
            sum(cumulative_revenue_usd) / nullif(sum(users_observed), 0) as revenue_per_user_usd,
            sum(cumulative_revenue_net_of_fraud_usd) / nullif(sum(users_observed_net_of_fraud), 0)
                as revenue_per_user_net_of_fraud_usd,
            sum(cohort_spend_usd) / nullif(sum(cohort_size), 0) as cost_per_user_usd,
            sum(cohort_spend_usd) / nullif(sum(cohort_size_net_of_fraud), 0)
                as cost_per_user_net_of_fraud_usd,
            sum(users_observed) as users_observed,
            count(*) filter (where users_observed > 0) as cohorts_observed,
            count(*) filter (where is_paid_back) as paid_back_cohorts
        from marts.acq_cohort_retention
        group by acquisition_channel, day_offset
        order by acquisition_channel, day_offset
        """
    )
    payback = marts.rows(
        """
        select cohort_week, acquisition_channel as channel, any_value(cohort_size) as cohort_size,
            any_value(cost_per_user_usd) as cost_per_user_usd,
            any_value(cost_per_user_net_of_fraud_usd) as cost_per_user_net_of_fraud_usd,
            min(payback_day) as payback_day,
            min(payback_day_net_of_fraud) as payback_day_net_of_fraud,
            max(day_offset) as days_observed
        from marts.acq_cohort_retention
        where cohort_spend_usd > 0
        group by cohort_week, acquisition_channel
        order by cohort_week desc, acquisition_channel
        """
    )
    return Acquisition(period, totals, channels, campaigns, credits, models, retention, payback)


def findings(data: Acquisition) -> list[Finding]:
    return top_findings(
        [
            finding_partner_fraud(data.campaigns),
            finding_cac_spread(data.channels),
            finding_attribution_shift(data.credits),
            finding_payback(data.retention),
            finding_fraud_revenue(data.campaigns),
        ]
    )


# --- page -------------------------------------------------------------------------------------


def _roas(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def economics_table(
    rows: list[dict], label, metric_prefix: str, caption: str, first_column: str
) -> Table:
    return Table(
        [
            first_column,
            "Spend",
            "Signups",
            "Fraud share",
            "CAC",
            "CAC net of fraud",
            "ROAS D30",
            "ROAS D30 net",
        ],
        [
            [
                label(r),
                num(
                    fmt.money(r["spend_usd"]),
                    r["spend_usd"],
                    f"{metric_prefix}.{r['key']}.spend_usd",
                ),
                num(fmt.count(r["signups"]), r["signups"], f"{metric_prefix}.{r['key']}.signups"),
                num(
                    fmt.pct(r["fraud_signup_share"]),
                    r["fraud_signup_share"],
                    f"{metric_prefix}.{r['key']}.fraud_signup_share",
                ),
                num(fmt.money(r["cac_usd"]), r["cac_usd"], f"{metric_prefix}.{r['key']}.cac_usd"),
                num(
                    fmt.money(r["cac_net_of_fraud_usd"]),
                    r["cac_net_of_fraud_usd"],
                    f"{metric_prefix}.{r['key']}.cac_net_of_fraud_usd",
                ),
                num(_roas(r["roas_d30"]), r["roas_d30"], f"{metric_prefix}.{r['key']}.roas_d30"),
                num(
                    _roas(r["roas_d30_net_of_fraud"]),
                    r["roas_d30_net_of_fraud"],
                    f"{metric_prefix}.{r['key']}.roas_d30_net_of_fraud",
                ),
            ]
            for r in rows
        ],
        caption=caption,
    )


def cac_chart(rows: list[dict], label) -> alt.Chart:
    values = [
        {"name": label(r), "measure": measure, "usd": r[column]}
        for r in rows
        for measure, column in (("Raw", "cac_usd"), ("Net of fraud", "cac_net_of_fraud_usd"))
        if r[column]
    ]
    order = [label(r) for r in rows]
    return (
        alt.Chart(charts.data(values))
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort=order, axis=alt.Axis(labelLimit=180)),
            yOffset=alt.YOffset("measure:N", sort=["Raw", "Net of fraud"]),
            x=alt.X("usd:Q", title="USD per activated customer", axis=alt.Axis(format="$,.0f")),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=["Raw", "Net of fraud"],
                scale=alt.Scale(domain=["Raw", "Net of fraud"], range=[charts.MUTED, charts.BAD]),
            ),
        )
        .properties(width=charts.WIDTH - 60, height=max(120, 34 * len(order)))
    )


def payback_table(payback: list[dict]) -> Table:
    """Cohort weeks down, paid channels across: the day each cohort paid back (net of fraud)."""
    channels = [c for c in fmt.CHANNEL_NAMES if any(p["channel"] == c for p in payback)]
    weeks = sorted({p["cohort_week"] for p in payback}, reverse=True)
    cells = {(p["cohort_week"], p["channel"]): p for p in payback}

    def cell(week, channel):
        p = cells.get((week, channel))
        if p is None:
            return num("–")
        if p["payback_day"] is None:
            text = f"not yet ({p['days_observed']} d)"
        else:
            net = p["payback_day_net_of_fraud"]
            text = f"day {p['payback_day']}" + (
                f" (net of fraud: day {net})" if net is not None else " (not yet net of fraud)"
            )
        return num(text, p["payback_day"], f"acq.payback.{week}.{channel}")

    return Table(
        ["Signed up in week of", *[channel_name(c) for c in channels]],
        [[fmt.short_day(week), *[cell(week, c) for c in channels]] for week in weeks],
        caption=(
            "Day on which each weekly cohort's fees per customer first covered its cost per "
            "customer; 'not yet (16 d)': not paid back after the 16 days observed so far"
        ),
    )


def page(data: Acquisition, marts: Marts, now: datetime) -> Page:
    period = data.period
    model = MODEL_NAMES.get(period["attribution_model"], period["attribution_model"] or "")
    window = (
        f"{model.lower()}, {period['attribution_lookback_days']}-day click window"
        if model
        else "no acquisition data yet"
    )
    span = f"{fmt.date_only(period['first_day'])} – {fmt.date_only(period['last_day'])}"
    totals = data.totals
    for row in data.channels:
        row["key"] = row["channel"]
    for row in data.campaigns:
        row["key"] = f"{row['channel']}.{row['campaign_id']}"

    tiles = [
        Kpi(
            "Paid media spend",
            fmt.money(totals["spend_usd"]),
            "acq.spend_usd",
            totals["spend_usd"],
            hint=span,
        ),
        Kpi(
            "Signups (all channels)",
            fmt.count(totals["all_signups"]),
            "acq.signups",
            totals["all_signups"],
            hint=f"{fmt.count(totals['signups'])} from paid channels",
        ),
        Kpi(
            "Paid CAC",
            fmt.money(totals["cac_usd"]),
            "acq.cac_usd",
            totals["cac_usd"],
            hint="per activated customer",
        ),
        Kpi(
            "Paid CAC net of fraud",
            fmt.money(totals["cac_net_of_fraud_usd"]),
            "acq.cac_net_of_fraud_usd",
            totals["cac_net_of_fraud_usd"],
            change=(
                f"{fmt.signed_pct(fmt.change(totals['cac_net_of_fraud_usd'], totals['cac_usd']))} vs raw"
                if totals["cac_usd"]
                else None
            ),
            tone="bad",
        ),
        Kpi(
            "Paid signups that were fraud",
            fmt.pct(totals["fraud_signup_share"], 1),
            "acq.fraud_signup_share",
            totals["fraud_signup_share"],
            hint=f"{fmt.count(totals['fraudulent_signups'])} signups",
        ),
        roas_tile(totals),
    ]

    channels = Section(
        "channels",
        "Spend, CAC and ROAS by channel",
        f"{span}. Users credited by {window}; CAC and ROAS raw beside net of fraud.",
    )
    paid_channels = [c for c in data.channels if c["is_paid_channel"]]
    if paid_channels:
        channels.add(
            charts.block(
                cac_chart(paid_channels, lambda r: channel_name(r["channel"])),
                "What a customer costs, by channel",
                "Grey: spend per activated customer. Red: the same counting only customers who did not turn out fraudulent.",
            )
        )
    channels.add(
        economics_table(
            data.channels,
            lambda r: channel_name(r["channel"]),
            "acq.channel",
            f"All channels; referrals and organic have no spend ({window})",
            "Channel",
        )
    )

    partners = Section(
        "partners",
        "Campaigns and affiliate partners",
        "Where the fraud comes in: each paid campaign and partner, raw beside net of fraud.",
    )
    named = [c for c in data.campaigns if c["campaign_id"] != "(unknown)" and c["spend_usd"]]
    top = named[:10]
    if top:
        partners.add(
            charts.block(
                cac_chart(top, campaign_label),
                "What a customer costs, by campaign",
                "The 10 campaigns and partners with the most spend; a long red bar means many of its customers were fraud.",
                wide=len(top) > 6,
            )
        )
        fraud_values = [
            {"name": campaign_label(c), "share": c["fraud_signup_share"] or 0}
            for c in sorted(named, key=lambda c: -(c["fraud_signup_share"] or 0))[:10]
        ]
        partners.add(
            charts.block(
                alt.Chart(charts.data(fraud_values))
                .mark_bar(color=charts.BAD)
                .encode(
                    y=alt.Y("name:N", title=None, sort="-x", axis=alt.Axis(labelLimit=180)),
                    x=alt.X(
                        "share:Q",
                        title="Share of signups that were fraud",
                        axis=alt.Axis(format="%"),
                    ),
                )
                .properties(width=charts.WIDTH - 60, height=max(120, 22 * len(fraud_values))),
                "Fraud share of signups",
                "Share of each campaign's or partner's signups that turned out fraudulent.",
            )
        )
    partners.add(
        economics_table(
            data.campaigns,
            campaign_label,
            "acq.campaign",
            f"Every paid campaign and partner, most spend first ({window})",
            "Campaign or partner",
        )
    )

    attribution = Section(
        "attribution",
        "Attribution models side by side",
        "Who gets the credit for a new activated customer depends on the model. Each model "
        "shares one activation among the ads and channels the person saw before installing.",
    )
    if data.credits:
        names = [
            MODEL_NAMES.get(m["attribution_model"], m["attribution_model"]) for m in data.models
        ]
        attribution.add(
            charts.block(
                alt.Chart(
                    charts.data(
                        [
                            {
                                "channel": channel_name(c["channel"]),
                                "model": MODEL_NAMES.get(
                                    c["attribution_model"], c["attribution_model"]
                                ),
                                "activations": c["credited_conversions"],
                            }
                            for c in data.credits
                        ]
                    )
                )
                .mark_bar()
                .encode(
                    y=alt.Y("channel:N", title=None, sort=list(fmt.CHANNEL_NAMES.values())),
                    yOffset=alt.YOffset("model:N", sort=names),
                    x=alt.X("activations:Q", title="Activated customers credited"),
                    color=alt.Color("model:N", title=None, sort=names),
                )
                .properties(width=charts.WIDTH - 60, height=300),
                "Credit for activations by model",
                "One bar per model within each channel; the same customers, divided differently.",
            )
        )
        by_model: dict[str, dict[str, float]] = {}
        for c in data.credits:
            by_model.setdefault(c["channel"], {})[c["attribution_model"]] = c[
                "credited_conversions"
            ]
        model_ids = [m["attribution_model"] for m in data.models]
        attribution.add(
            Table(
                ["Channel", *[MODEL_NAMES.get(m, m) for m in model_ids]],
                [
                    [
                        channel_name(channel),
                        *[
                            num(
                                fmt.count(values.get(m)),
                                values.get(m),
                                f"acq.attribution.{m}.{channel}",
                            )
                            for m in model_ids
                        ],
                    ]
                    for channel, values in sorted(by_model.items())
                ],
                caption="Activated customers credited per channel and model, "
                + "; ".join(
                    f"{MODEL_NAMES.get(m['attribution_model'], m['attribution_model'])}: "
                    f"{m['lookback_days']}-day window"
                    for m in data.models
                ),
            )
        )

    cohorts = Section(
        "cohorts",
        "Cohorts: retention, lifetime value and payback",
        "Customers grouped by the week they signed up. Retention: the share active on a given day "
        "after signup. Lifetime value: fees they brought in so far, per customer.",
    )
    # Curves are drawn while at least two weekly cohorts are observed: further out one cohort
    # alone makes the line jump.
    observed = [r for r in data.retention if (r["cohorts_observed"] or 0) >= MIN_COHORTS]
    curve = [r for r in observed if r["day_offset"] >= 1 and r["retention_rate"] is not None]
    if curve:
        cohorts.add(
            charts.block(
                alt.Chart(
                    charts.data([{**r, "channel": channel_name(r["channel"])} for r in curve])
                )
                .mark_line()
                .encode(
                    x=alt.X("day_offset:Q", title="Days since signup"),
                    y=alt.Y("retention_rate:Q", title="Active that day", axis=alt.Axis(format="%")),
                    color=alt.Color("channel:N", title=None, scale=charts.CHANNEL_SCALE),
                )
                .properties(width=charts.WIDTH, height=charts.HEIGHT),
                "Retention curve by channel",
                "Share of customers active N days after signing up.",
            )
        )
        ltv = [
            {
                "day_offset": r["day_offset"],
                "channel": channel_name(r["channel"]),
                "usd": r["revenue_per_user_usd"],
            }
            for r in observed
            if r["revenue_per_user_usd"] is not None
        ]
        costs = {}
        for r in data.retention:
            if r["cost_per_user_usd"] and r["day_offset"] == 0:
                costs[channel_name(r["channel"])] = r["cost_per_user_usd"]
        lines = (
            alt.Chart(charts.data(ltv))
            .mark_line()
            .encode(
                x=alt.X("day_offset:Q", title="Days since signup"),
                y=alt.Y("usd:Q", title="Fees per customer (USD)", axis=alt.Axis(format="$,.0f")),
                color=alt.Color("channel:N", title=None, scale=charts.CHANNEL_SCALE),
            )
        )
        rules = (
            alt.Chart(charts.data([{"channel": k, "usd": v} for k, v in costs.items()]))
            .mark_rule(strokeDash=[5, 4], strokeWidth=1.5)
            .encode(y="usd:Q", color=alt.Color("channel:N", title=None, scale=charts.CHANNEL_SCALE))
        )
        cohorts.add(
            charts.block(
                alt.layer(rules, lines).properties(width=charts.WIDTH, height=charts.HEIGHT),
                "Lifetime value against acquisition cost",
                "Solid: fees per customer so far. Dashed: what a customer cost to acquire. A channel pays back where its solid line crosses its dashed line.",
            )
        )
    if data.payback:
        cohorts.add(payback_table(data.payback))

    return Page(
        kind="acquisition",
        title="Acquisition",
        subtitle="Growth · marketing economics",
        headline=headline(data, span),
        freshness=marts.freshness(SOURCES),
        generated_at=now,
        tiles=tiles,
        findings=findings(data),
        sections=[channels, partners, attribution, cohorts],
        definitions=DEFINITIONS,
        about=[
            f"Period: reporting days {span}. Search campaigns report in their ad account's time zone, the others in UTC.",
            f"Channel and campaign figures credit each customer by {window}: the last paid click in the {period['attribution_lookback_days']} days before the app was first opened; without one, referral (signed up with a code) or organic.",
            "Attribution models: "
            + "; ".join(
                f"{MODEL_NAMES.get(m['attribution_model'], m['attribution_model'])} ({m['lookback_days']}-day window)"
                for m in data.models
            )
            + ".",
            "Activation, revenue and fraud are those of the customers who signed up in the period, as of the last day of data; ROAS D7 and D30 count only signup days at least 7 or 30 days old.",
        ],
        sources=SOURCES,
        marts=MARTS,
        nav=nav("acquisition.html"),
    )


def roas_tile(totals: dict) -> Kpi:
    """ROAS D30 once some signup day is 30 days old, else D7, else a plain 'not yet'."""
    for days in (30, 7):
        roas, net = totals[f"roas_d{days}"], totals[f"roas_d{days}_net_of_fraud"]
        if roas is not None:
            return Kpi(
                f"Paid ROAS D{days}",
                _roas(roas),
                f"acq.roas_d{days}",
                roas,
                hint=f"${_roas(roas)} of fees per $1 in {days} days; net of fraud ${_roas(net)}",
            )
    return Kpi("Paid ROAS", "not yet", "acq.roas_d7", None, hint="no signup day is 7 days old yet")


def headline(data: Acquisition, span: str) -> str:
    totals = data.totals
    if not totals["spend_usd"]:
        return f"No paid media spend recorded for {span}."
    return (
        f"{span}: {fmt.money(totals['spend_usd'])} of paid media brought "
        f"{fmt.count(totals['activated_users'])} activated customers at "
        f"{fmt.money(totals['cac_usd'])} each; counting only genuine ones, "
        f"{fmt.money(totals['cac_net_of_fraud_usd'])} each."
    )


DEFINITIONS = {
    "Spend": "Paid media cost in USD (affiliates: partner payouts) at the day's exchange rate, after the platforms' restatements.",
    "Signups": "New real accounts (internal test accounts left out), credited to the channel and campaign of their last paid click within the click window.",
    "Activated customer": "A signup who has made a successful payment (as of the last day of data).",
    "Fraud share": "Share of signups that turned out fraudulent: a fraud chargeback, an investigation confirming fraud, or membership of a flagged fraud group.",
    "CAC": "Customer acquisition cost: spend / activated customers.",
    "CAC net of fraud": "Spend / activated customers who did not turn out fraudulent: what a genuine customer costs.",
    "ROAS D7, D30": "Return on ad spend: fees the period's signups brought in their first 7 (30) days / spend, counting only signup days at least 7 (30) days old. 'Net' counts only non-fraudulent customers' fees.",
    "Attribution model": "How one activation's credit is shared among the touches (ad clicks and impressions) before the install: last touch (all to the acquiring click), first touch (all to the first touch), linear (equal shares), position-based (40% first, 40% last, 20% the rest), time decay (halving every 7 days back).",
    "Cohort": "Customers who signed up in the same week (Monday to Sunday, UTC) through the same channel.",
    "Retention": "Share of a cohort's customers active (app opened, logged in, traded or paid) on exactly that day after signup.",
    "Lifetime value (LTV)": "Fees a customer brought in from signup to that day, averaged over the customers observed that long.",
    "Payback day": "First day after signup on which a cohort's fees per customer reach its acquisition cost per customer (the channel's spend in the cohort week / cohort size).",
}


def build(database: Path, reports_dir: Path, now: datetime | None = None) -> list[Path]:
    now = now or utc_now()
    with open_marts(database) as marts:
        return [write(page(load(marts), marts, now), reports_dir / FILE_NAME)]
