"""What the risk brief and the investigation packs share: the landed tables they depend on, plain
names for strategies and links, which cases get a pack, and the picture of how a group is linked."""

import altair as alt

from reports import charts
from reports.fmt import listing
from reports.source import strategy_catalogue

# Landed tables behind the risk marts (their newest delivery is the risk data cutoff).
SOURCES = [
    "app/users",
    "events/app_events",
    "payments/payment_attempts",
    "payments/chargebacks",
    "payments/payouts",
    "trading/trades",
    "promotions/redemptions",
    "risk/decisions",
    "risk/case_outcomes",
    "support/tickets",
]
# Open cases of these severities get an investigation pack, in this folder of REPORTS_DIR.
HIGH_PRIORITY = ("critical", "high")
PACKS_DIR = "investigations"


def is_high_priority(case: dict) -> bool:
    return case["status"] == "open" and case["severity"] in HIGH_PRIORITY


def strategy_labels(strategy_ids) -> dict[str, str]:
    """Plain names: the catalogue description up to its colon (`Card testing`), else the id in
    words (`usr_blocklist_hit` -> `Blocklist hit`)."""
    catalogue = strategy_catalogue()
    names = {"online_engine": "Online risk engine"}
    for strategy_id in strategy_ids:
        description = catalogue.get(strategy_id, {}).get("description") or ""
        if ":" in description:
            names[strategy_id] = description.split(":")[0].strip()
        words = strategy_id.removeprefix("usr_").removeprefix("grp_").replace("_", " ")
        names.setdefault(strategy_id, words[:1].upper() + words[1:])
    return names


# How each identifier type of the identity graph reads in a picture.
LINK_LABELS = {
    "device": "Same phone/device",
    "ip": "Same IP address",
    "ip_block_24": "Same IP range",
    "card": "Same payment card",
    "payout_account": "Same payout account",
    "install": "Same app install",
    "email": "Same email",
    "phone": "Same phone number",
    "trade_counterparty": "Trade with each other",
}
# The same, as nouns for a sentence, strongest link first.
LINK_NOUNS = {
    "payout_account": "payout accounts",
    "card": "payment cards",
    "device": "devices",
    "install": "app installs",
    "email": "emails",
    "phone": "phone numbers",
    "ip": "IP addresses",
    "ip_block_24": "IP ranges",
    "trade_counterparty": "trades with each other",
}
STATUS_COLOURS = {
    "Fraud confirmed": "#B42318",
    "Restricted now": "#E69F00",
    "Challenged or watched": "#CC79A7",
    "No action": charts.NEUTRAL,
}
MAX_MEMBERS_DRAWN = 30


def link_label(identifier_type: str) -> str:
    return LINK_LABELS.get(identifier_type, identifier_type.replace("_", " "))


def shared_things(identifier_types, most: int = 3) -> str:
    """'payout accounts, payment cards and devices': the strongest kinds of link, in words."""
    kinds = [kind for kind in LINK_NOUNS if kind in (identifier_types or [])]
    return listing([LINK_NOUNS[kind] for kind in kinds[:most]])


def member_status(member: dict) -> str:
    """What is known about a member: a fraud label, else the action enforced on them now."""
    if member.get("is_labelled_fraud"):
        return "Fraud confirmed"
    if member.get("action") == "restrict":
        return "Restricted now"
    if member.get("action"):
        return "Challenged or watched"
    return "No action"


def group_links_chart(members: list[dict]) -> alt.LayerChart:
    """Members (right) joined to the kinds of identifier they share (left): a bipartite picture
    of marts.risk_group_members.linked_by. `members` rows: user_id, linked_by, is_anchor,
    is_labelled_fraud, action."""
    drawn = sorted(members, key=lambda m: (tuple(sorted(m["linked_by"] or [])), m["user_id"]))
    drawn = drawn[:MAX_MEMBERS_DRAWN]
    counts: dict[str, int] = {}
    for member in drawn:
        for kind in member["linked_by"] or []:
            counts[kind] = counts.get(kind, 0) + 1
    kinds = sorted(counts, key=lambda kind: (-counts[kind], kind))
    rows = max(len(drawn), len(kinds), 2)
    height = max(90, min(rows * 19, 580))

    def spread(index: int, total: int) -> float:
        return (index + 0.5) / total * height

    kind_y = {kind: spread(i, len(kinds)) for i, kind in enumerate(kinds)}
    nodes, edges = [], []
    for i, member in enumerate(drawn):
        y = spread(i, len(drawn))
        status = member_status(member)
        label = member["user_id"] + (" (first)" if member.get("is_anchor") else "")
        nodes.append({"x": 1, "y": y, "label": label, "status": status, "side": "member"})
        for kind in member["linked_by"] or []:
            edges.append({"x": 0, "y": kind_y[kind], "x2": 1, "y2": y})
    for kind in kinds:
        nodes.append(
            {
                "x": 0,
                "y": kind_y[kind],
                "label": f"{link_label(kind)} ({counts[kind]})",
                "status": "link",
                "side": "link",
            }
        )

    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-1.5, 1.95]))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[height, 0]))
    base = alt.Chart(charts.data(nodes)).encode(x=x, y=y)
    statuses = [s for s in STATUS_COLOURS if any(n["status"] == s for n in nodes)]
    lines = (
        alt.Chart(charts.data(edges))
        .mark_rule(color="#9aa5b1", strokeWidth=1.2, opacity=0.7)
        .encode(x=x, y=y, x2="x2:Q", y2="y2:Q")
    )
    member_dots = (
        base.transform_filter("datum.side == 'member'")
        .mark_circle(size=110, opacity=1)
        .encode(
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(domain=statuses, range=[STATUS_COLOURS[s] for s in statuses]),
            )
        )
    )
    member_names = (
        base.transform_filter("datum.side == 'member'")
        .mark_text(align="left", dx=8, fontSize=12)
        .encode(text="label:N")
    )
    link_dots = (
        base.transform_filter("datum.side == 'link'")
        .mark_square(size=120, color="#3d4753")
        .encode()
    )
    link_names = (
        base.transform_filter("datum.side == 'link'")
        .mark_text(align="right", dx=-9, fontSize=12, fontWeight="bold", color="#3d4753")
        .encode(text="label:N")
    )
    return alt.layer(lines, member_dots, member_names, link_dots, link_names).properties(
        width=charts.WIDTH + 40, height=height
    )
