"""Key-level incremental models rebuild exactly the keys that new deliveries can change.

int_users__activity_daily, fct_user_activity_daily, int_risk__identity_links,
int_risk__user_event_signals and int_risk_model__feature_history keep their rows between runs and rebuild only the user-days, or
users, a new delivery reaches; int_users__attribution_credits, acq_attribution and
acq_attribution_channel_daily rebuild the users, or conversion days, whose input rows changed
(macros/incremental/). The hand-made zone of tests/fixtures gets three later deliveries, each
built with an incremental run; after each, the tables must equal
a full build of the same files, and the rows the deliveries change must hold the values computed
here by hand:

0. (with the fixture zone, before the first build) trade tr3: u3 buys 1 x 4.00 USD from u1 on
   2026-01-05; tr4: u1 buys 1 x 10.00 USD from u3 on 2026-01-03, so that u1, with tr1, buys only
   from u3 and is linked to u3 by concentrated trading; a user u7 who logs in and tops up 10.00 EUR
   on 2026-01-05; users u8, u9 and u10, u8 buying twice from u9 (tr6, tr7: linked likewise);
1. 2026-01-06: a USD rate for EUR on 2026-01-05 (1.30; the trade tr1 and u7's top-up of that day
   used 2026-01-04's 1.20 until then); a corrected version of tr3 that moves it to 2026-01-04; an
   app open of u1 and a declined attempt of u3 on 2026-01-06; tr5: u8 buys 1 x 100.00 USD from u7,
   after which u8's purchases from u9 are under half of all and both links to u9 go (u9 is no
   party to tr5 and gets no delivery); a login of u6, a user whose record has not been delivered
   yet; u8 logs in on a new device; a late-reported click tp5 of u1's journey (a1), after its
   Google click and before the install's first app_open, which re-attributes u1.
2. 2026-01-07: u6's record; a new version of u3 that makes it an internal test account, so its
   trades count for nobody: u1's only activity of 2026-01-04 (selling tr3 to u3) goes away; a
   fraudulent chargeback of u7's top-up, which changes u7's fraud status in the mart and nothing
   in u7's activity; u10 pays with a new card; u9 asks for a first payout; tr5 is corrected to
   5.00 USD, so u8 is concentrated on u9 again (u8 gets no other delivery).
3. 2026-01-08: a late file of hour 2026-01-05T20 with a declined attempt of u8 (do_not_honor) on
   2026-01-05, which the scan of 2026-01-06 02:00 (the only one: no event came since) now sees.
"""

import shutil
from decimal import Decimal

import duckdb
import pytest
from conftest import FIXTURE_ZONE, run_dbt

TABLES = {
    "staging.stg_payments__payment_attempts": ("attempt_id",),
    "staging.stg_payments__payouts": ("payout_id",),
    "staging.stg_payments__chargebacks": ("chargeback_id",),
    "staging.stg_trading__trades": ("trade_id",),
    "staging.stg_promotions__redemptions": ("redemption_id",),
    "intermediate.int_users__activity_daily": ("user_id", "activity_date"),
    "marts.fct_user_activity_daily": ("user_id", "activity_date"),
    "intermediate.int_risk__identity_links": ("user_id", "identifier_type", "identifier"),
    "intermediate.int_risk__user_event_signals": ("user_id",),
    "intermediate.int_risk_model__feature_history": ("user_id", "valid_from"),
    "intermediate.int_users__attribution_credits": ("user_id", "attribution_model", "touch_number"),
    "marts.acq_attribution": ("user_id", "conversion_type", "attribution_model", "touch_number"),
    "marts.acq_attribution_channel_daily": (
        "conversion_date",
        "conversion_type",
        "attribution_model",
        "channel",
        "campaign_id",
    ),
}
SELECTION = [
    "build",
    "--select",
    "+fct_user_activity_daily",
    "+int_risk__user_event_signals",
    "+int_risk_model__feature_history",
    "+acq_attribution_channel_daily",
    "--exclude-resource-type",
    "test",
    "--exclude-resource-type",
    "unit_test",
]
USER_COLUMNS = (
    "user_id,email,phone,country,created_at,updated_at,signup_ip,signup_device_id,"
    "referral_code,own_referral_code,status,kyc_level"
)


def trade(trade_id, buyer, seller, executed_at, price):
    """A one-trade Parquet delivery (USD, quantity 1, fee a tenth of the price)."""
    return (
        f"select '{trade_id}' as trade_id, 'l-{trade_id}' as listing_id, '{buyer}' as buyer_id,"
        f" '{seller}' as seller_id, timestamptz '{executed_at}' as executed_at,"
        f" {price}::decimal(18, 4) as price, 1::bigint as quantity, 'USD' as currency,"
        f" {price / 10}::decimal(18, 4) as fee"
    )


FIRST_STATE = {
    "trading/trades/2026-01-05T14.parquet": (
        trade("tr3", "u3", "u1", "2026-01-05 13:00:00+00", 4)
        + " union all "
        + trade("tr4", "u1", "u3", "2026-01-03 15:00:00+00", 10)
        + " union all "
        + trade("tr6", "u8", "u9", "2026-01-05 12:00:00+00", 10)
        + " union all "
        + trade("tr7", "u8", "u9", "2026-01-05 12:30:00+00", 10)
    ),
    "app/users/2026-01-05T14.csv": (
        f"{USER_COLUMNS}\n"
        "u7,gus@example.com,,FR,2026-01-05T13:00:00Z,2026-01-05T13:00:00Z,10.0.0.7,dev7,,REFG,active,0\n"
        "u8,hal@example.com,,FR,2026-01-05T13:05:00Z,2026-01-05T13:05:00Z,10.0.0.18,dev18,,REFH,active,0\n"
        "u9,ivy@example.com,,FR,2026-01-05T13:06:00Z,2026-01-05T13:06:00Z,10.0.0.19,dev19,,REFI,active,0\n"
        "u10,jon@example.com,,FR,2026-01-05T13:07:00Z,2026-01-05T13:07:00Z,10.0.0.20,dev20,,REFJ,active,0\n"
    ),
    "events/app_events/2026-01-05T14.jsonl": (
        '{"event_id":"e700","event_type":"login","user_id":"u7","anonymous_id":null,'
        '"occurred_at":"2026-01-05T13:30:00Z","received_at":"2026-01-05T13:30:01Z",'
        '"device_id":"dev7","ip":"10.0.0.7","country":"FR"}\n'
    ),
    "payments/payment_attempts/2026-01-05T14.csv": (
        "attempt_id,user_id,created_at,amount_minor,currency,purpose,card_fingerprint,card_bin,"
        "card_country,status,decline_code\n"
        "p20,u7,1767620400000,1000,EUR,topup,c7,411111,FR,succeeded,\n"  # 2026-01-05T13:40Z
    ),
}
DELIVERIES = {
    "2026-01-06": {
        "reference/fx_rates/2026-01-06T06.csv": "rate_date,currency,usd_per_unit\n2026-01-05,EUR,1.30\n",
        "events/app_events/2026-01-06T10.jsonl": (
            '{"event_id":"e900","event_type":"login","user_id":"u6","anonymous_id":null,'
            '"occurred_at":"2026-01-06T09:00:00Z","received_at":"2026-01-06T09:00:01Z",'
            '"device_id":"dev6","ip":"10.0.0.6","country":"FR"}\n'
            '{"event_id":"e901","event_type":"app_open","user_id":"u1","anonymous_id":null,'
            '"occurred_at":"2026-01-06T09:10:00Z","received_at":"2026-01-06T09:10:01Z",'
            '"device_id":"dev1","ip":"10.0.0.1","country":"GB"}\n'
            '{"event_id":"e902","event_type":"login","user_id":"u8","anonymous_id":null,'
            '"occurred_at":"2026-01-06T09:20:00Z","received_at":"2026-01-06T09:20:01Z",'
            '"device_id":"dev8-new","ip":"10.0.0.18","country":"FR"}\n'
        ),
        "payments/payment_attempts/2026-01-06T10.csv": (
            "attempt_id,user_id,created_at,amount_minor,currency,purpose,card_fingerprint,card_bin,"
            "card_country,status,decline_code\n"
            "p21,u3,1767693600000,500,USD,topup,c2,522222,US,declined,do_not_honor\n"  # 2026-01-06T10:00Z
        ),
        # a late-reported click of u1's journey, after the Google click: u1's acquisition moves
        "marketing/touchpoints/2026-01-06T06.jsonl": (
            '{"touch_id":"tp5","anonymous_id":"a1","touched_at":"2026-01-05T09:48:00Z",'
            '"touch_type":"click","utm_source":"partner_17","utm_campaign":"deals",'
            '"campaign_id":"partner_17"}\n'
        ),
        "trading/trades/2026-01-06T10.parquet": (
            trade("tr3", "u3", "u1", "2026-01-04 12:00:00+00", 4)
            + " union all "
            + trade("tr5", "u8", "u7", "2026-01-06 09:30:00+00", 100)
        ),
    },
    "2026-01-07": {
        "app/users/2026-01-07T10.csv": (
            f"{USER_COLUMNS}\n"
            "u6,erin@example.com,,FR,2026-01-06T08:00:00Z,2026-01-06T08:00:00Z,10.0.0.6,dev6,,REFF,active,0\n"
            "u3,bob@qa.internal,4155550100,us,2026-01-05T11:10:00Z,2026-01-07T09:00:00Z,10.0.0.9,dev9,refa,REFD,active,0\n"
        ),
        "payments/payment_attempts/2026-01-07T10.csv": (
            "attempt_id,user_id,created_at,amount_minor,currency,purpose,card_fingerprint,card_bin,"
            "card_country,status,decline_code\n"
            "p22,u10,1767780000000,700,USD,topup,c10,433333,FR,succeeded,\n"  # 2026-01-07T10:00Z
        ),
        "trading/trades/2026-01-07T10.parquet": trade(
            "tr5", "u8", "u7", "2026-01-06 09:30:00+00", 5
        ),
        "payments/payouts/2026-01-07T10.csv": (
            "payout_id,user_id,requested_at,amount_minor,currency,payout_account_hash,status\n"
            "po9,u9,2026-01-07T09:30:00Z,2000,USD,acct9,pending\n"
        ),
        "payments/chargebacks/2026-01-07T10.csv": (
            "chargeback_id,attempt_id,received_at,reason,amount_minor,currency\n"
            "cb20,p20,2026-01-07T09:00:00Z,fraudulent,1000,EUR\n"
        ),
    },
    "2026-01-08": {
        # a late file of an earlier hour: u8's declined attempt makes u8 a risky payer from the
        # 2026-01-06 scan, and u9 (who sold to u8, and gets nothing) a seller to a risky buyer
        "payments/payment_attempts/2026-01-05T20.csv": (
            "attempt_id,user_id,created_at,amount_minor,currency,purpose,card_fingerprint,card_bin,"
            "card_country,status,decline_code\n"
            "p23,u8,1767641400000,900,USD,topup,c88,455555,FR,declined,do_not_honor\n"  # 2026-01-05T19:30Z
        ),
    },
}


def deliver(zone, files):
    for relative, content in files.items():
        path = zone / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".parquet":
            duckdb.sql(content).write_parquet(str(path))
        else:
            path.write_text(content)


def rows_by_key(warehouse):
    """Per table, its rows by key; dates as ISO strings."""
    by_table = {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for table, key in TABLES.items():
            result = connection.execute(f"select * from {table}")
            names = [column[0] for column in result.description]
            rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
            by_table[table] = {tuple(str(row[column]) for column in key): row for row in rows}
            assert len(by_table[table]) == len(rows), f"{table}: {key} is not a key"
    return by_table


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    """Per delivery day: the incremental warehouse's activity and a full build's."""
    workdir = tmp_path_factory.mktemp("incremental_keys")
    zone = workdir / "raw"
    shutil.copytree(FIXTURE_ZONE, zone)
    deliver(zone, FIRST_STATE)
    incremental = workdir / "incremental.duckdb"
    run_dbt([*SELECTION, "--full-refresh"], zone, incremental, workdir / "target")
    states = {"first": (rows_by_key(incremental), None)}
    for day, files in DELIVERIES.items():
        deliver(zone, files)
        run_dbt(SELECTION, zone, incremental, workdir / "target")
        full = workdir / f"full_{day}.duckdb"
        run_dbt([*SELECTION, "--full-refresh"], zone, full, workdir / f"target_{day}")
        states[day] = (rows_by_key(incremental), rows_by_key(full))
    return states


@pytest.mark.parametrize("day", list(DELIVERIES))
def test_an_incremental_run_gives_the_rows_of_a_full_build(replayed, day):
    incremental, full = replayed[day]
    assert incremental == full


def test_a_late_rate_and_a_corrected_trade_change_their_days(replayed):
    rows = replayed["2026-01-06"][0]["intermediate.int_users__activity_daily"]
    # tr1: u1 buys 2 x 12.50 EUR from u3 on 2026-01-05, fee 1.25 EUR, now at 1.30 USD per EUR
    assert rows[("u1", "2026-01-05")]["gmv_bought_usd"] == Decimal("32.5")
    assert rows[("u3", "2026-01-05")]["gmv_sold_usd"] == Decimal("32.5")
    assert rows[("u3", "2026-01-05")]["revenue_usd"] == Decimal("1.25") * Decimal("1.30") / 2
    # tr3 moved to 2026-01-04: counted there, no longer on 2026-01-05 (tr2 is rejected: price 0)
    assert rows[("u3", "2026-01-04")]["trades_bought"] == 1
    assert rows[("u3", "2026-01-04")]["gmv_bought_usd"] == 4
    assert rows[("u1", "2026-01-04")]["trades_sold"] == 1
    assert rows[("u1", "2026-01-04")]["revenue_usd"] == Decimal("0.2")
    assert rows[("u1", "2026-01-05")]["trades_sold"] == 0
    assert rows[("u3", "2026-01-05")]["trades_bought"] == 0
    # new activity on a new day
    assert (
        rows[("u1", "2026-01-06")]["session_events"],
        rows[("u1", "2026-01-06")]["payment_attempts"],
    ) == (1, 0)
    assert (
        rows[("u3", "2026-01-06")]["session_events"],
        rows[("u3", "2026-01-06")]["payment_attempts"],
    ) == (0, 1)
    assert rows[("u3", "2026-01-06")]["successful_payments"] == 0
    # u6 is not a known user yet
    assert not any(user == "u6" for user, _ in rows)


def test_a_user_delivered_late_or_turned_test_account_changes_every_row_it_reaches(replayed):
    rows = replayed["2026-01-07"][0]["intermediate.int_users__activity_daily"]
    assert rows[("u6", "2026-01-06")]["session_events"] == 1
    assert not any(user == "u3" for user, _ in rows)
    # u1's trades were all with u3: the day of tr3 had nothing else and is gone
    assert ("u1", "2026-01-04") not in rows
    assert rows[("u1", "2026-01-05")]["trades_bought"] == 0
    assert rows[("u1", "2026-01-05")]["gmv_bought_usd"] == 0


def test_a_late_rate_reaches_a_day_no_other_delivery_touches(replayed):
    activity = replayed["2026-01-06"][0]["intermediate.int_users__activity_daily"][
        ("u7", "2026-01-05")
    ]
    assert (activity["session_events"], activity["payment_attempts"]) == (1, 1)
    assert activity["successful_payment_amount_usd"] == Decimal("13.0")  # 10.00 EUR at 1.30


def test_a_changed_outcome_rewrites_the_users_rows_of_the_mart(replayed):
    before = replayed["2026-01-06"][0]["marts.fct_user_activity_daily"][("u7", "2026-01-05")]
    after = replayed["2026-01-07"][0]["marts.fct_user_activity_daily"][("u7", "2026-01-05")]
    assert before["is_fraud"] is False
    assert after["is_fraud"] is True
    assert {**after, "is_fraud": False} == before


def test_identity_links_follow_new_events_and_a_shift_in_trading(replayed):
    first = replayed["first"][0]["intermediate.int_risk__identity_links"]
    assert ("u8", "trade_counterparty", "u9") in first
    assert ("u9", "trade_counterparty", "u9") in first
    links = replayed["2026-01-06"][0]["intermediate.int_risk__identity_links"]
    assert str(links[("u1", "device", "dev1")]["last_seen_at"]) == "2026-01-06 09:10:00"
    assert (
        links[("u1", "device", "dev1")]["observations"]
        == first[("u1", "device", "dev1")]["observations"] + 1
    )
    assert ("u8", "trade_counterparty", "u9") not in links
    assert ("u9", "trade_counterparty", "u9") not in links
    assert ("u1", "trade_counterparty", "u3") in links


def test_a_user_turned_test_account_loses_every_link(replayed):
    links = replayed["2026-01-07"][0]["intermediate.int_risk__identity_links"]
    assert ("u1", "device", "dev1") in links
    assert ("u1", "trade_counterparty", "u3") not in links
    # the correction of tr5 moves u8's purchases back to u9
    assert ("u8", "trade_counterparty", "u9") in links
    assert ("u9", "trade_counterparty", "u9") in links
    assert not any(user == "u3" for user, _, _ in links)


def test_a_users_own_new_records_add_their_links(replayed):
    before = replayed["2026-01-06"][0]["intermediate.int_risk__identity_links"]
    after = replayed["2026-01-07"][0]["intermediate.int_risk__identity_links"]
    assert ("u8", "device", "dev8-new") not in replayed["first"][0][
        "intermediate.int_risk__identity_links"
    ]
    assert ("u8", "device", "dev8-new") in before
    assert ("u10", "card", "c10") not in before
    assert ("u10", "card", "c10") in after
    assert ("u9", "payout_account", "acct9") not in before
    assert ("u9", "payout_account", "acct9") in after


def test_event_signals_follow_new_events_and_new_user_versions(replayed):
    table = "intermediate.int_risk__user_event_signals"
    first, before, after = (
        replayed[day][0][table] for day in ("first", "2026-01-06", "2026-01-07")
    )
    # u8's login on a new device, 20 hours after signup: one more device and login, none "new"
    was = first.get(("u8",), {"devices_used": 0, "logins": 0, "new_devices_after_signup": 0})
    assert before[("u8",)]["devices_used"] == was["devices_used"] + 1
    assert before[("u8",)]["logins"] == was["logins"] + 1
    assert before[("u8",)]["new_devices_after_signup"] == was["new_devices_after_signup"]
    # u6 logged in before its record was delivered: a row only once the record is there
    assert ("u6",) not in before
    assert (after[("u6",)]["logins"], after[("u6",)]["devices_used"]) == (1, 1)
    # u3 turned test account: its row goes
    assert ("u3",) in before
    assert ("u3",) not in after


def test_feature_history_rebuilds_a_counterparty_of_a_new_risky_payer(replayed):
    """u8's declined attempt arrives in a late file of hour 2026-01-05T20, so the 2026-01-06 scan
    sees it: u9, who sold to u8 (tr6, tr7) and gets no delivery, has a risky buyer from then on."""
    history = "intermediate.int_risk_model__feature_history"
    scan = "2026-01-06 02:00:00"
    before = replayed["2026-01-07"][0][history]
    after = replayed["2026-01-08"][0][history]
    assert (
        before[("u9", scan)]["distinct_buyers"],
        before[("u9", scan)]["distinct_risky_buyers"],
    ) == (1, 0)
    assert (
        after[("u9", scan)]["distinct_buyers"],
        after[("u9", scan)]["distinct_risky_buyers"],
    ) == (1, 1)
    assert after[("u8", scan)]["suspicious_declines"] == 1


def test_feature_history_rebuilds_a_counterparty_that_got_no_delivery(replayed):
    """u1 gets no delivery on 2026-01-07, but its only seller u3 turns test account: u1's
    purchases (tr1, tr4) count for nobody, at every scan, and u3 no longer shares u1's /24 IP
    block (10.0.0.x). u7's top-up is charged back: a training label within the label window of the
    2026-01-06 scan."""
    history = "intermediate.int_risk_model__feature_history"
    scan = "2026-01-06 02:00:00"
    before = replayed["2026-01-06"][0][history]
    after = replayed["2026-01-07"][0][history]
    u1_before, u1_after = before[("u1", scan)], after[("u1", scan)]
    assert (u1_before["distinct_sellers"], u1_before["trades_bought"]) == (1, 2)
    assert (u1_after["distinct_sellers"], u1_after["trades_bought"]) == (0, 0)
    assert u1_after["users_sharing_ip"] == u1_before["users_sharing_ip"] - 1
    assert ("u3", scan) in before and not any(user == "u3" for user, _ in after)
    assert before[("u7", scan)]["label_known_at"] is None
    assert after[("u7", scan)]["label_known_at"] is not None


def test_a_late_click_re_attributes_the_user_and_the_conversion_day(replayed):
    """tp5, a click of u1's journey (a1) at 09:48, lands on 2026-01-06 after the install's first
    app_open at 09:50 was built: it becomes u1's last paid click (it was tp2, Google, at 09:40),
    and the fourth touch of u1's multi-touch path (1/4 of the linear credit each, not 1/3)."""
    credits = "intermediate.int_users__attribution_credits"
    before = replayed["first"][0][credits]
    after = replayed["2026-01-06"][0][credits]
    assert before[("u1", "last_touch", "2")]["touch_id"] == "tp2"
    last_touch = after[("u1", "last_touch", "4")]
    assert (last_touch["touch_id"], last_touch["channel"], last_touch["credit"]) == (
        "tp5",
        "affiliate",
        1,
    )
    assert not any(key[:2] == ("u1", "last_touch") and key[2] != "4" for key in after)
    linear = {
        row["touch_id"]: row["credit"] for key, row in after.items() if key[:2] == ("u1", "linear")
    }
    assert linear == pytest.approx({"tp1": 0.25, "tp2": 0.25, "tp3": 0.25, "tp5": 0.25})

    daily = "marts.acq_attribution_channel_daily"
    day_before = replayed["first"][0][daily]
    day_after = replayed["2026-01-06"][0][daily]
    google = ("2026-01-05", "install", "last_touch", "paid_search", "(unknown)")
    partner = ("2026-01-05", "install", "last_touch", "affiliate", "partner_17")
    assert day_before[google]["credited_conversions"] == 1
    assert google not in day_after
    assert partner not in day_before
    assert day_after[partner]["credited_conversions"] == 1
    # u3's install already credits partner_17 in full by the linear model; u1 adds a quarter
    partner_linear = ("2026-01-05", "install", "linear", "affiliate", "partner_17")
    assert day_after[partner_linear]["credited_conversions"] == pytest.approx(
        day_before[partner_linear]["credited_conversions"] + 0.25
    )


def test_staging_re_prices_only_what_a_late_rate_reaches(replayed):
    """The 2026-01-05 EUR rate (1.30) lands on 2026-01-06: staging keeps every other row and
    prices again the EUR records of that day, u7's top-up p20 (10.00 EUR) and tr1 (2 x 12.50 EUR,
    fee 1.25 EUR), which used 2026-01-04's 1.20 until then; the corrected tr3 moves to 2026-01-04,
    and the correction of tr5 on 2026-01-07 replaces its price."""
    attempts = "staging.stg_payments__payment_attempts"
    trades = "staging.stg_trading__trades"
    first, after_rate, after_correction = (
        replayed[state][0] for state in ("first", "2026-01-06", "2026-01-07")
    )
    assert first[attempts][("p20",)]["amount_usd"] == Decimal("12.0")
    assert after_rate[attempts][("p20",)]["amount_usd"] == Decimal("13.0")
    assert first[trades][("tr1",)]["gross_amount_usd"] == Decimal("30.0")
    assert after_rate[trades][("tr1",)]["gross_amount_usd"] == Decimal("32.5")
    assert after_rate[trades][("tr1",)]["fee_usd"] == Decimal("1.25") * Decimal("1.30")
    assert str(after_rate[trades][("tr3",)]["executed_at"]).startswith("2026-01-04 12:00:00")
    assert after_rate[trades][("tr5",)]["gross_amount_usd"] == 100
    assert after_correction[trades][("tr5",)]["gross_amount_usd"] == 5
    untouched = set(first[attempts]) - {("p20",)}
    assert untouched and all(after_rate[attempts][key] == first[attempts][key] for key in untouched)
