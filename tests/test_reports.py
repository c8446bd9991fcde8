"""The reports: every number shown equals the mart it comes from, each finding appears exactly when
its condition holds, pages are self-contained (nothing loaded from the network, no script), and
they render in headless Chromium with their charts drawn.

Screenshots of each report's first page (phone and desktop) go to REPORTS_SCREENSHOT_DIR when set,
else into the test's temporary folder; look at them.
"""

import json
import os
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import query

from reports import acquisition, build, charts, investigation, operations, risk_brief
from reports.source import batch_end

NOW = datetime(2030, 1, 1, 12, 0)
MAIN_REPORTS = ["risk_brief.html", "acquisition.html", "operations.html"]


# --- reading a report back --------------------------------------------------------------------


class ReportParser(HTMLParser):
    """Collects data-metric values, findings, recommendations, definitions and every URL-bearing
    attribute of a report page."""

    def __init__(self):
        super().__init__()
        self.metrics: dict[str, dict] = {}
        self.findings: list[str] = []
        self.recommendations = 0
        self.definitions = 0
        self.tags: list[str] = []
        self.urls: list[str] = []
        self._metric: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append(tag)
        for name in ("src", "href", "srcset", "action", "poster", "data"):
            if attributes.get(name):
                self.urls.append(attributes[name])
        if "data-metric" in attributes:
            self._metric = attributes["data-metric"]
            self.metrics[self._metric] = {"value": attributes.get("data-value"), "text": ""}
        if "data-finding" in attributes:
            self.findings.append(attributes["data-finding"])
        if "recommendation" in (attributes.get("class") or "").split():
            self.recommendations += 1
        if tag == "dt":
            self.definitions += 1

    def handle_endtag(self, tag):
        if tag in ("td", "p", "strong"):
            self._metric = None

    def handle_data(self, data):
        if self._metric:
            self.metrics[self._metric]["text"] += data


def parse(path: Path) -> ReportParser:
    parser = ReportParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def value(report: ReportParser, metric: str) -> float:
    assert metric in report.metrics, f"{metric} not in the report"
    raw = report.metrics[metric]["value"]
    assert raw is not None, f"{metric} has no value"
    return float(raw)


def close(a, b) -> bool:
    return a == pytest.approx(float(b), rel=1e-9, abs=1e-9)


@pytest.fixture(scope="module")
def reports_dir(generated_warehouse, tmp_path_factory):
    """Every report built from the generated warehouse, chart specs validated against Vega-Lite."""
    out = tmp_path_factory.mktemp("reports")
    (out / "investigations").mkdir()
    (out / "investigations" / "C-closed-long-ago.html").write_text("stale")
    charts.VALIDATE = True
    try:
        build.build_all(generated_warehouse, out, now=NOW)
    finally:
        charts.VALIDATE = False
    return out


# --- the numbers equal the marts ----------------------------------------------------------------


def test_risk_brief_numbers_equal_the_marts(reports_dir, generated_warehouse):
    report = parse(reports_dir / "risk_brief.html")
    state = json.loads((reports_dir / risk_brief.STATE_FILE).read_text())
    cutoff, since = (
        datetime.fromisoformat(state["data_cutoff"]),
        datetime.fromisoformat(state["since"]),
    )
    (latest_batch,) = query(
        generated_warehouse,
        "select max(latest_batch) from audit.load_reconciliation where source_table in ?",
        [risk_brief.SOURCES],
    )[0]
    assert cutoff == batch_end(latest_batch)
    assert since == cutoff - timedelta(hours=24)  # first brief in this folder

    [(new_alerts, open_cases, money_at_risk, new_cases)] = query(
        generated_warehouse,
        """
        select
            (select count(*) from marts.risk_alerts where raised_at > ? and raised_at <= ?),
            (select count(*) from marts.risk_cases where status = 'open'),
            (select coalesce(sum(money_at_risk_usd), 0) from marts.risk_alerts where status = 'open'),
            (select count(*) from marts.risk_cases where opened_at > ? and opened_at <= ?)
        """,
        [since, cutoff, since, cutoff],
    )
    assert value(report, "risk.new_alerts") == new_alerts == state["new_alerts"]
    assert value(report, "risk.new_cases") == new_cases
    assert value(report, "risk.open_cases") == open_cases
    assert close(value(report, "risk.money_at_risk_open_usd"), money_at_risk)
    for severity, count in query(
        generated_warehouse,
        "select severity, count(*) from marts.risk_cases where status = 'open' group by severity",
    ):
        assert value(report, f"risk.open_cases.{severity}") == count

    strategies = query(
        generated_warehouse,
        """
        select strategy_id,
            sum(confirmed_users) / nullif(sum(confirmed_users) + sum(false_positive_users), 0),
            arg_max(recall_to_date, report_date) filter (where recall_to_date is not null)
        from marts.risk_strategy_performance group by strategy_id
        """,
    )
    assert strategies
    for strategy_id, precision, recall in strategies:
        for metric, expected in (("precision", precision), ("recall", recall)):
            shown = report.metrics[f"risk.{metric}.{strategy_id}"]["value"]
            assert shown is None if expected is None else close(float(shown), expected)

    programmes = query(
        generated_warehouse,
        """
        select programme, trailing_chargeback_rate from marts.risk_warnings
        where period_grain = 'day' and programme is not null and period_start < ?
        qualify period_start = max(period_start) over ()
        """,
        [cutoff],
    )
    assert programmes, "the generated zone has card-network programme rows"
    for programme, rate in programmes:
        assert close(value(report, f"risk.chargeback_rate.{programme}"), rate)

    [(hit, restricted, overturned)] = query(
        generated_warehouse,
        """
        select good_customers_hit, good_customers_restricted, appeals_overturned
        from marts.risk_customer_experience where period_grain = 'all_time' and rule_name = 'all'
        """,
    )
    assert value(report, "risk.good_customers_hit") == hit
    assert value(report, "risk.good_customers_restricted") == restricted
    assert value(report, "risk.appeals_overturned") == overturned
    for action, users in query(
        generated_warehouse,
        "select action, count(*) from marts.risk_actions where is_active group by action",
    ):
        assert value(report, f"risk.active_{action}") == users


def test_acquisition_numbers_equal_the_marts(reports_dir, generated_warehouse):
    report = parse(reports_dir / "acquisition.html")
    [(spend, cac, cac_net, fraud_share)] = query(
        generated_warehouse,
        """
        select sum(spend_usd), sum(spend_usd) / sum(activated_users),
            sum(spend_usd) / sum(activated_users_net_of_fraud),
            sum(fraudulent_signups) / sum(signups)
        from marts.acq_channel_daily where is_paid_channel
        """,
    )
    assert close(value(report, "acq.spend_usd"), spend)
    assert close(value(report, "acq.cac_usd"), cac)
    assert close(value(report, "acq.cac_net_of_fraud_usd"), cac_net)
    assert close(value(report, "acq.fraud_signup_share"), fraud_share)
    assert (
        value(report, "acq.signups")
        == query(generated_warehouse, "select sum(signups) from marts.acq_channel_daily")[0][0]
    )

    channels = query(
        generated_warehouse,
        """
        select channel, sum(spend_usd), sum(signups),
            sum(spend_usd) / nullif(sum(activated_users_net_of_fraud), 0)
        from marts.acq_channel_daily group by channel
        """,
    )
    for channel, channel_spend, signups, channel_cac_net in channels:
        assert close(value(report, f"acq.channel.{channel}.spend_usd"), channel_spend)
        assert value(report, f"acq.channel.{channel}.signups") == signups
        if channel_spend:
            assert close(
                value(report, f"acq.channel.{channel}.cac_net_of_fraud_usd"), channel_cac_net
            )
    for channel, campaign_id, campaign_spend in query(
        generated_warehouse,
        """
        select channel, campaign_id, sum(spend_usd) from marts.acq_channel_daily
        where is_paid_channel group by all
        """,
    ):
        assert close(
            value(report, f"acq.campaign.{channel}.{campaign_id}.spend_usd"), campaign_spend
        )

    credits = query(
        generated_warehouse,
        """
        select attribution_model, channel, sum(credited_conversions)
        from marts.acq_attribution_channel_daily where conversion_type = 'activation' group by all
        """,
    )
    assert {model for model, _, _ in credits} == set(acquisition.MODEL_NAMES)
    for model, channel, credited in credits:
        assert close(value(report, f"acq.attribution.{model}.{channel}"), credited)

    for week, channel, payback_day in query(
        generated_warehouse,
        """
        select cohort_week, acquisition_channel, min(payback_day) from marts.acq_cohort_retention
        where cohort_spend_usd > 0 group by all
        """,
    ):
        shown = report.metrics[f"acq.payback.{week}.{channel}"]["value"]
        assert shown is None if payback_day is None else float(shown) == payback_day


def test_operations_numbers_equal_the_marts(reports_dir, generated_warehouse):
    report = parse(reports_dir / "operations.html")
    (complete_until,) = query(
        generated_warehouse,
        "select min(latest_batch) from audit.load_reconciliation where source_table in ?",
        [operations.COMPLETENESS_SOURCES],
    )[0]
    (last_day,) = query(
        generated_warehouse,
        "select max(date_day) from marts.ops_daily_kpis where date_day + 1 <= ?",
        [batch_end(complete_until).date()],
    )[0]
    current = (last_day - timedelta(days=6), last_day)
    [(gmv, fees, trades, dau, success, csat, wau)] = query(
        generated_warehouse,
        """
        select sum(gmv_usd), sum(fees_usd), sum(trades), avg(dau),
            sum(successful_payments) / sum(payment_attempts),
            sum(csat_score_sum) / nullif(sum(csat_responses), 0),
            arg_max(wau, date_day)
        from marts.ops_daily_kpis where date_day between ? and ?
        """,
        list(current),
    )
    assert close(value(report, "ops.gmv_usd"), gmv)
    assert close(value(report, "ops.fees_usd"), fees)
    assert value(report, "ops.trades") == trades
    assert close(value(report, "ops.dau"), dau)
    assert close(value(report, "ops.payment_success_rate"), success)
    assert value(report, "ops.wau") == wau
    if csat is not None:
        assert close(value(report, "ops.avg_csat"), csat)
    assert f"{last_day.day} {last_day:%b %Y}" in (reports_dir / "operations.html").read_text()

    funnel_start = last_day - timedelta(days=operations.FUNNEL_DAYS - 1)
    for channel, paid in query(
        generated_warehouse,
        """
        select acquisition_channel, sum(users_paid) from marts.ops_payment_funnel_daily
        where signup_date between ? and ? group by all
        """,
        [funnel_start, last_day],
    ):
        assert value(report, f"ops.funnel.{channel}.users_paid") == paid
    for category, hours in query(
        generated_warehouse,
        """
        select category, sum(resolution_hours_sum) / nullif(sum(tickets_solved), 0)
        from marts.ops_support_daily where date_day between ? and ? group by all
        """,
        [funnel_start, last_day],
    ):
        if hours is not None:
            assert close(value(report, f"ops.resolution_hours.{category}"), hours)
    (open_now,) = query(
        generated_warehouse,
        "select sum(open_tickets_end_of_day) from marts.ops_support_daily where date_day = ?",
        [last_day],
    )[0]
    assert value(report, "ops.open_tickets") == open_now


def test_one_investigation_pack_per_open_high_priority_case(reports_dir, generated_warehouse):
    cases = query(
        generated_warehouse,
        """
        select case_id, expected_loss_usd, money_in_usd, money_out_usd, linked_accounts
        from marts.risk_cases where status = 'open' and severity in ('critical', 'high')
        """,
    )
    assert cases, "the generated zone has open high-priority cases"
    packs = reports_dir / "investigations"
    assert {p.stem for p in packs.glob("C-*.html")} == {case_id for case_id, *_ in cases}
    assert not (packs / "C-closed-long-ago.html").exists()  # packs of closed cases go
    for case_id, loss, money_in, money_out, accounts in cases:
        pack = parse(packs / f"{case_id}.html")
        assert close(value(pack, "case.expected_loss_usd"), loss)
        assert close(value(pack, "case.money_in_usd"), money_in)
        assert close(value(pack, "case.money_out_usd"), money_out)
        assert value(pack, "case.linked_accounts") == accounts
    index = (packs / "index.html").read_text()
    assert all(f'href="{case_id}.html"' in index for case_id, *_ in cases)
    brief = (reports_dir / "risk_brief.html").read_text()
    assert 'href="investigations/index.html"' in brief


def test_the_next_brief_counts_from_the_previous_one(generated_warehouse, tmp_path):
    """'New since the last brief' starts at the previous brief's data cutoff, and a rerun on the
    same data repeats the same brief."""
    (latest_batch,) = query(
        generated_warehouse,
        "select max(latest_batch) from audit.load_reconciliation where source_table in ?",
        [risk_brief.SOURCES],
    )[0]
    cutoff = batch_end(latest_batch)
    earlier = cutoff - timedelta(days=3)
    (tmp_path / risk_brief.STATE_FILE).write_text(
        json.dumps({"data_cutoff": earlier.isoformat(), "new_alerts": 7})
    )
    risk_brief.build(generated_warehouse, tmp_path, now=NOW)
    state = json.loads((tmp_path / risk_brief.STATE_FILE).read_text())
    assert state["since"] == earlier.isoformat()
    assert state["previous_new_alerts"] == 7
    (count,) = query(
        generated_warehouse,
        "select count(*) from marts.risk_alerts where raised_at > ? and raised_at <= ?",
        [earlier, cutoff],
    )[0]
    first = (tmp_path / risk_brief.FILE_NAME).read_text()
    assert value(parse(tmp_path / risk_brief.FILE_NAME), "risk.new_alerts") == count
    assert "since the last brief" in first and "7 in the previous brief" in first

    risk_brief.build(generated_warehouse, tmp_path, now=NOW)
    assert (tmp_path / risk_brief.FILE_NAME).read_text() == first


# --- self-contained, with findings, definitions, cutoff -----------------------------------------


def report_pages(reports_dir: Path) -> list[Path]:
    return [reports_dir / name for name in MAIN_REPORTS] + sorted(
        (reports_dir / "investigations").glob("*.html")
    )


def test_reports_load_nothing_and_run_nothing(reports_dir):
    for path in report_pages(reports_dir):
        text = path.read_text(encoding="utf-8")
        page = parse(path)
        # no absolute URL, protocol-relative URL, CSS import or external url() (#fragments are fine)
        assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\((?!#)", text, re.I), (
            path
        )
        assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
        assert all(re.fullmatch(r"[\w./-]+\.html", url) for url in page.urls), page.urls


def test_main_reports_have_findings_recommendations_definitions_and_cutoff(reports_dir):
    for name in MAIN_REPORTS:
        page = parse(reports_dir / name)
        assert 3 <= len(page.findings) <= 5, (name, page.findings)
        assert page.recommendations == len(page.findings)
        assert page.definitions >= 8
        assert page.metrics["data_cutoff"]["text"].endswith("UTC")
        text = (reports_dir / name).read_text()
        assert "About this data" in text and "Freshness" in text
    acquisition_page = (reports_dir / "acquisition.html").read_text()
    assert "last touch, 7-day click window" in acquisition_page  # model and window from the mart
    assert "Position-based (30-day window)" in acquisition_page


# --- each finding appears when its condition holds, and not otherwise ---------------------------


def partner(name, signups, fraudulent, cac, cac_net, spend=1000.0, channel="affiliate", **more):
    return {
        "channel": channel,
        "campaign_id": name.lower(),
        "campaign_name": name,
        "is_paid_channel": channel in ("affiliate", "paid_search", "paid_social"),
        "signups": signups,
        "fraudulent_signups": fraudulent,
        "fraud_signup_share": fraudulent / signups,
        "cac_usd": cac,
        "cac_net_of_fraud_usd": cac_net,
        "spend_usd": spend,
        "roas_d30": more.get("roas_d30"),
        "roas_d30_net_of_fraud": more.get("roas_d30_net"),
    }


def test_partner_fraud_finding_quotes_the_partner_and_its_fraud_adjusted_cac():
    campaigns = [
        partner("Bonus Hunters", 100, 38, cac=20.0, cac_net=62.0),
        partner("Paisa Rewards", 80, 1, cac=7.0, cac_net=7.1),
    ]
    finding = acquisition.finding_partner_fraud(campaigns)
    assert finding.headline == (
        "Partner Bonus Hunters: 38% of its 100 signups turned out fraudulent; its CAC net of "
        "fraud is 3.1× the raw figure ($62.00 against $20.00)."
    )
    assert "Paisa Rewards" in finding.recommendation and "38 fraudulent" in finding.recommendation
    campaigns[0] = partner("Bonus Hunters", 100, 19, cac=20.0, cac_net=24.0)  # below 20%
    assert acquisition.finding_partner_fraud(campaigns) is None
    campaigns[0] = partner("Bonus Hunters", 10, 9, cac=20.0, cac_net=200.0)  # too few signups
    assert acquisition.finding_partner_fraud(campaigns) is None


def channel(name, cac_net, spend=1000.0, paid=True):
    return {
        "channel": name,
        "is_paid_channel": paid,
        "cac_net_of_fraud_usd": cac_net,
        "spend_usd": spend,
    }


def test_cac_spread_finding():
    finding = acquisition.finding_cac_spread(
        [channel("paid_search", 33.0), channel("paid_social", 9.0)]
    )
    assert "Paid search costs $33.00" in finding.headline and "3.7×" in finding.headline
    assert (
        acquisition.finding_cac_spread([channel("paid_search", 17.0), channel("paid_social", 9.0)])
        is None
    )
    assert acquisition.finding_cac_spread([channel("paid_search", 33.0)]) is None


def credits(last, others):
    return [
        {"channel": "paid_social", "attribution_model": "last_touch", "credited_conversions": last}
    ] + [
        {"channel": "paid_social", "attribution_model": m, "credited_conversions": others}
        for m in ("first_touch", "linear", "position_based", "time_decay")
    ]


def test_attribution_shift_finding():
    finding = acquisition.finding_attribution_shift(credits(100, 130))
    assert "30% more credit" in finding.headline and "(130 against 100)" in finding.headline
    assert "less credit" in acquisition.finding_attribution_shift(credits(100, 70)).headline
    assert acquisition.finding_attribution_shift(credits(100, 110)) is None
    assert acquisition.finding_attribution_shift(credits(10, 30)) is None  # too few conversions


def curve(revenue, cost, offset=30):
    return [
        {
            "channel": "paid_search",
            "day_offset": offset,
            "revenue_per_user_usd": revenue,
            "cost_per_user_usd": cost,
            "paid_back_cohorts": 0,
            "cohorts_observed": 3,
        }
    ]


def test_payback_finding():
    finding = acquisition.finding_payback(curve(2.0, 20.0))
    assert (
        "by day 30 a customer has brought $2.00" in finding.headline
        and "(10% paid back)" in finding.headline
    )
    assert acquisition.finding_payback(curve(12.0, 20.0)) is None
    assert acquisition.finding_payback(curve(2.0, None)) is None  # no spend, nothing to pay back


def test_fraud_revenue_finding():
    retargeting = partner(
        "Retargeting",
        150,
        6,
        11.0,
        12.0,
        spend=1200.0,
        channel="paid_social",
        roas_d30=0.56,
        roas_d30_net=0.12,
    )
    finding = acquisition.finding_fraud_revenue([retargeting])
    assert "Retargeting: 79% of its 30-day revenue" in finding.headline
    honest = partner(
        "Honest",
        150,
        6,
        11.0,
        12.0,
        spend=1200.0,
        channel="paid_social",
        roas_d30=0.56,
        roas_d30_net=0.50,
    )
    assert acquisition.finding_fraud_revenue([honest]) is None
    # a partner with a high fraud share is finding_partner_fraud's, not this one's
    farm = partner("Farm", 50, 40, 40.0, 200.0, spend=1200.0, roas_d30=0.5, roas_d30_net=0.01)
    assert acquisition.finding_fraud_revenue([farm]) is None


def comparisons(**deltas):
    rows = []
    for metric in operations.METRICS:
        delta = deltas.get(metric.key, 0.0)
        previous = 0.8 if metric.kind == "share" else 1000.0
        current = previous + delta if metric.kind == "share" else previous * (1 + delta)
        rows.append(operations.compare(metric, current, previous))
    return rows


def test_volume_findings():
    drop = operations.finding_volume_drop(comparisons(gmv_usd=-0.25, trades=-0.12))
    assert drop.headline.startswith("GMV fell 25% in the last 7 days: $750 against $1,000")
    assert "trades (-12%)" in drop.detail
    assert operations.finding_volume_drop(comparisons(gmv_usd=-0.05)) is None
    rise = operations.finding_volume_rise(comparisons(new_users=0.4))
    assert rise.headline.startswith("New users rose 40%")
    assert operations.finding_volume_rise(comparisons(new_users=0.1)) is None
    # a rise in chargebacks is not a volume rise
    assert operations.finding_volume_rise(comparisons(chargebacks=0.9)) is None


def test_payment_success_finding():
    finding = operations.finding_payment_success(comparisons(payment_success_rate=-0.05))
    assert "Payment success fell to 75.0% from 80.0% (-5.0 pts)" in finding.headline
    assert operations.finding_payment_success(comparisons(payment_success_rate=-0.01)) is None


def test_funnel_leak_finding():
    funnel = {
        "signups": 1000,
        "users_attempted_payment": 900,
        "users_paid": 850,
        "users_traded_after_payment": 300,
        "users_paid_out_after_trade": 10,
    }
    finding = operations.finding_funnel_leak(funnel)
    assert "only 35% of users who paid went on to the next step (traded)" in finding.headline
    funnel["users_attempted_payment"] = 200  # now the first step loses most
    assert "users who signed up" in operations.finding_funnel_leak(funnel).headline
    assert operations.finding_funnel_leak({"signups": 0}) is None


def category(name, solved, hours, responses=0, csat=None, open_now=3):
    return {
        "category": name,
        "solved": solved,
        "mean_resolution_hours": hours,
        "csat_responses": responses,
        "avg_csat": csat,
        "open_now": open_now,
    }


def test_support_findings():
    slow = operations.finding_slow_support(
        [category("payout", 20, 40.0), category("bonus", 30, 10.0)]
    )
    assert slow.headline.startswith("Payout tickets take 40 h on average to resolve (20 solved")
    assert operations.finding_slow_support([category("payout", 20, 20.0)]) is None
    assert operations.finding_slow_support([category("payout", 2, 90.0)]) is None
    assert "grew to 30 from 20" in operations.finding_backlog(30, 20).headline
    assert operations.finding_backlog(22, 20) is None
    assert operations.finding_backlog(4, 1) is None
    low = operations.finding_low_csat(
        [category("account_restricted", 10, 5.0, responses=6, csat=2.5)]
    )
    assert "account restricted support 2.5 out of 5" in low.headline
    assert (
        operations.finding_low_csat(
            [category("account_restricted", 10, 5.0, responses=6, csat=3.8)]
        )
        is None
    )
    assert (
        operations.finding_low_csat(
            [category("account_restricted", 10, 5.0, responses=2, csat=1.0)]
        )
        is None
    )


CUTOFF = datetime(2026, 2, 19)


def case(case_id="C-1", severity="critical", due=CUTOFF - timedelta(hours=30), loss=1200.0, **more):
    return {
        "case_id": case_id,
        "entity_id": more.get("entity_id", "u1"),
        "severity": severity,
        "sla_due_at": due,
        "expected_loss_usd": loss,
        "money_in_usd": more.get("money_in", 100.0),
        "money_out_usd": more.get("money_out", 50.0),
        "members_restricted": more.get("members_restricted", 0),
    }


def test_overdue_cases_finding():
    finding = risk_brief.finding_overdue_cases(
        [case(), case("C-2", "high", CUTOFF + timedelta(hours=3))], CUTOFF
    )
    assert finding.headline.startswith("1 open case (1 critical) is past the time allowed")
    assert "overdue for 30 h" in finding.detail
    assert risk_brief.finding_overdue_cases([case(due=CUTOFF + timedelta(hours=1))], CUTOFF) is None


def test_top_group_finding():
    group = {
        "group_id": "G-u1",
        "member_count": 5,
        "shared_identifier_types": ["device", "payout_account", "ip"],
        "reason": "3 members with fraudulent chargebacks",
    }
    finding = risk_brief.finding_top_group(group, case("C-9", members_restricted=2))
    assert finding.headline == (
        "Group G-u1: 5 accounts sharing payout accounts, devices and IP addresses put $1,200 at "
        "risk in open case C-9."
    )
    assert finding.recommendation.startswith("Restrict the 3 members not yet restricted")
    assert risk_brief.finding_top_group(group, None) is None


def test_precision_finding():
    rows = [
        {
            "strategy_id": "online_engine",
            "reviewed_users": 50,
            "precision": 0.7,
            "false_positive_users": 15,
        }
    ]
    finding = risk_brief.finding_low_precision(rows, {"online_engine": "Online risk engine"})
    assert (
        finding.headline
        == "Online risk engine: 15 of 50 reviewed users (30%) turned out to be innocent."
    )
    rows[0]["precision"] = 0.9
    assert risk_brief.finding_low_precision(rows, {}) is None
    rows[0].update(precision=0.2, reviewed_users=5)
    assert risk_brief.finding_low_precision(rows, {}) is None


def test_friction_findings():
    experience = {
        "appeals_resolved": 17,
        "appeals_overturned": 8,
        "avg_csat_restricted": 3.0,
        "avg_csat_unrestricted": 3.9,
    }
    finding = risk_brief.finding_appeals_overturned(experience)
    assert finding.headline.startswith("8 of 17 resolved appeals against a restriction (47%)")
    assert "3.0 out of 5, against 3.9" in finding.detail
    assert risk_brief.finding_appeals_overturned({**experience, "appeals_overturned": 2}) is None
    assert risk_brief.finding_appeals_overturned(None) is None

    rules = [
        {
            "rule_name": "bin_velocity",
            "is_softer_action_candidate": True,
            "good_customers_restricted": 5,
            "good_customers_hit": 7,
            "fraudsters_hit": 22,
        },
        {
            "rule_name": "geo_mismatch",
            "is_softer_action_candidate": False,
            "good_customers_restricted": 5,
            "good_customers_hit": 7,
            "fraudsters_hit": 0,
        },
    ]
    softer = risk_brief.finding_softer_action(rules)
    assert softer.headline.startswith(
        "1 online risk rule (bin_velocity) restricted 5 good customers"
    )
    idle = risk_brief.finding_rule_without_catch(rules)
    assert idle.headline.startswith(
        "Rule geo_mismatch put friction on 7 good customers (5 restricted)"
    )
    rules[0]["is_softer_action_candidate"] = False
    rules[1]["fraudsters_hit"] = 1
    assert risk_brief.finding_softer_action(rules) is None
    assert risk_brief.finding_rule_without_catch(rules) is None


def programme(level, rate, name="visa_vdmp", threshold=0.009):
    return {
        "programme": name,
        "dimension": name.split("_")[0],
        "programme_level": level,
        "trailing_chargeback_rate": rate,
        "programme_threshold": threshold,
        "trailing_chargebacks": 58,
        "trailing_succeeded_payments": 2843,
    }


def test_chargeback_programme_finding():
    finding = risk_brief.finding_chargeback_programme(
        [programme("act", 0.0204), programme("ok", 0.01, "mastercard_ecm", 0.015)]
    )
    assert finding.headline.startswith(
        "Visa: chargebacks of the last 30 days are 2.04% of card payments (58 of 2,843), above the 0.9% threshold"
    )
    assert (
        "close to" in risk_brief.finding_chargeback_programme([programme("watch", 0.007)]).headline
    )
    assert risk_brief.finding_chargeback_programme([programme("ok", 0.004)]) is None


def test_drift_finding():
    rows = [
        {
            "feature": "bonus_usd",
            "drift_level": "watch",
            "psi": 0.13,
            "drift_date": date(2026, 2, 11),
            "current_mean": 10.0,
            "reference_mean": 7.8,
        }
    ]
    finding = risk_brief.finding_drift(
        rows + [{**rows[0], "feature": "payouts", "drift_level": "stable", "psi": 0.02}]
    )
    assert finding.headline.startswith(
        "New users' bonus amounts (USD) has shifted (watch: PSI 0.13 for signups of 11 Feb); it is now higher"
    )
    rows[0]["drift_level"] = "stable"
    assert risk_brief.finding_drift(rows) is None


def test_chargebacks_rising_finding():
    days = [{"fraud_chargebacks": 1, "chargeback_amount_usd": 10}] * 7 + [
        {"fraud_chargebacks": 2, "chargeback_amount_usd": 50}
    ] * 7
    assert (
        "rose to 14 in the last 7 days from 7"
        in risk_brief.finding_fraud_chargebacks_rising(days).headline
    )
    flat = [{"fraud_chargebacks": 2, "chargeback_amount_usd": 10}] * 14
    assert risk_brief.finding_fraud_chargebacks_rising(flat) is None


def test_new_alerts_finding():
    alerts = [
        {
            "strategy_id": "grp_mule_network",
            "money_at_risk_usd": 5000,
            "reason": "9 new accounts paid",
        },
        {"strategy_id": "usr_card_testing", "money_at_risk_usd": 10, "reason": "49 attempts"},
    ]
    finding = risk_brief.finding_new_alerts(
        alerts, {"grp_mule_network": "Mule network"}, "since the last brief"
    )
    assert (
        finding.headline
        == "Mule network raised 1 new alert since the last brief, with $5,000 at risk."
    )
    assert risk_brief.finding_new_alerts([], {}, "since the last brief") is None


def user(user_id, fraud=False, action=None, age=30.0, payout=0.0):
    return {
        "user_id": user_id,
        "is_labelled_fraud": fraud,
        "action": action,
        "account_age_days": age,
        "payout_usd": payout,
    }


def test_investigation_findings():
    assert (
        "$500 more left these accounts"
        in investigation.finding_money_out(case(money_in=1000.0, money_out=1500.0)).headline
    )
    assert investigation.finding_money_out(case(money_in=1000.0, money_out=900.0)) is None
    assert "30 h past its deadline" in investigation.finding_overdue(case(), CUTOFF).headline
    assert investigation.finding_overdue(case(due=CUTOFF + timedelta(hours=2)), CUTOFF) is None
    users = [
        user("u1", fraud=True, action="restrict"),
        user("u2", action="restrict"),
        user("u3", age=3.0, payout=900.0),
    ]
    assert investigation.finding_confirmed_accounts(users).headline.startswith(
        "1 of 3 linked accounts already have a fraud label"
    )
    assert investigation.finding_confirmed_accounts(users[1:]) is None
    assert investigation.finding_unrestricted(users).headline.startswith(
        "1 of 3 linked accounts is not restricted"
    )
    assert investigation.finding_unrestricted(users[:2]) is None
    assert (
        "1 account under 14 days old already withdrew $900"
        in investigation.finding_new_accounts(users).headline
    )
    assert investigation.finding_new_accounts(users[:2]) is None
    blocked = [{"entity_type": "card"}, {"entity_type": "device"}]
    assert (
        "2 identifiers of these accounts (payment card and phone/device)"
        in investigation.finding_blocklisted(blocked).headline
    )
    assert investigation.finding_blocklisted([]) is None


# --- headless Chromium --------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--hide-scrollbars",
]
PHONE = (390, 844)

# Loads a report in a phone-sized frame filling the window and writes what it finds into the page,
# which --dump-dom prints: charts drawn (an <svg> laid out at a real size with marks in it),
# scripts, resources fetched, and the page width (wider than the phone: it would scroll sideways).
# The same run's --screenshot is the report's first page on a phone.
HARNESS = """<!doctype html><html><body style="margin:0">
<iframe id="report" src="{src}" style="width:{width}px;height:{height}px;border:0"></iframe>
<script>
const frame = document.getElementById('report');
frame.addEventListener('load', () => {{
  const out = {{}};
  try {{
    const doc = frame.contentDocument;
    const svgs = [...doc.querySelectorAll('figure.chart svg')];
    out.charts = svgs.length;
    out.drawn = svgs.filter(s => {{
      const box = s.getBoundingClientRect();
      return box.width > 100 && box.height > 40 && s.querySelectorAll('path, rect, line').length > 3;
    }}).length;
    out.scripts = doc.querySelectorAll('script').length;
    out.resources = frame.contentWindow.performance.getEntriesByType('resource').map(e => e.name);
    out.width = doc.documentElement.scrollWidth;
  }} catch (error) {{ out.error = String(error); }}
  document.body.setAttribute('data-check', JSON.stringify(out));
}});
</script></body></html>"""


def chromium(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory) -> Path:
    chosen = os.environ.get("REPORTS_SCREENSHOT_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not installed (Debian: apt-get install -y chromium); CI must install it",
)
def test_reports_render_in_headless_chromium(reports_dir, screenshot_dir, tmp_path):
    packs = sorted((reports_dir / "investigations").glob("C-*.html"))
    pages = (
        [reports_dir / name for name in MAIN_REPORTS]
        + packs[:1]
        + [reports_dir / "investigations" / "index.html"]
    )
    for page in pages:
        harness = tmp_path / f"check_{page.stem}.html"
        harness.write_text(HARNESS.format(src=page.as_uri(), width=PHONE[0], height=PHONE[1]))
        phone = screenshot_dir / f"{page.stem}_phone.png"
        result = chromium(
            "--allow-file-access-from-files",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            f"--window-size={PHONE[0]},{PHONE[1]}",
            f"--screenshot={phone}",
            "--dump-dom",
            harness.as_uri(),
        )
        found = re.search(r'data-check="([^"]*)"', result.stdout)
        assert found, f"{page.name}: the page did not load\n{result.stderr[-2000:]}"
        check = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
        assert "error" not in check, check
        has_charts = page.name in MAIN_REPORTS or page.stem.startswith("C-")
        assert check["drawn"] == check["charts"] >= (2 if has_charts else 0), (page.name, check)
        assert check["scripts"] == 0 and check["resources"] == [], (page.name, check)
        assert check["width"] <= PHONE[0], f"{page.name} scrolls sideways on a phone: {check}"
        console = [
            line for line in result.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line
        ]
        assert console == [], (page.name, console)
        assert phone.exists() and phone.stat().st_size > 20_000, (phone, result.stderr[-1000:])
        if page.name in MAIN_REPORTS:
            desktop = screenshot_dir / f"{page.stem}_desktop.png"
            result = chromium("--window-size=1280,900", f"--screenshot={desktop}", page.as_uri())
            assert desktop.exists() and desktop.stat().st_size > 20_000, result.stderr[-1000:]


def test_reports_build_on_a_warehouse_with_almost_no_data(minimal_warehouse, tmp_path):
    """The hand-made landing zone: hours of data, no complete day, hardly a case. Every report
    still builds and says what it cannot show yet."""
    written = build.build_all(minimal_warehouse, tmp_path, now=NOW)
    assert {p.name for p in written} >= {*MAIN_REPORTS, "index.html"}
    operations_page = (tmp_path / "operations.html").read_text()
    assert "No complete day of data yet" in operations_page
    for name in MAIN_REPORTS:
        assert parse(tmp_path / name).metrics["data_cutoff"]["text"].endswith("UTC")


def test_exposures_declare_exactly_the_marts_each_report_reads():
    """models/exposures.yml names one exposure per report, and its depends_on is the set of marts
    the report's module selects from (and lists in its page footer)."""
    import inspect

    import yaml

    exposures = yaml.safe_load(
        (Path(build.__file__).parent.parent / "models" / "exposures.yml").read_text()
    )
    declared = {
        exposure["name"]: {
            re.fullmatch(r"ref\('(\w+)'\)", ref).group(1) for ref in exposure["depends_on"]
        }
        for exposure in exposures["exposures"]
    }
    assert set(declared) == set(build.BUILDERS)
    modules = {
        "risk_brief": risk_brief,
        "investigations": investigation,
        "acquisition": acquisition,
        "operations": operations,
    }
    for name, module in modules.items():
        listed = {mart.removeprefix("marts.") for mart in module.MARTS}
        selected = set(re.findall(r"(?:from|join)\s+marts\.(\w+)", inspect.getsource(module)))
        assert declared[name] == listed == selected, name
