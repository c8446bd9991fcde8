"""The risk-monitoring marts (risk_warnings, risk_feature_drift, risk_customer_experience) checked
against independent expectations: figures worked out by hand from the hand-made landing zone, and
on the generated zone a recomputation in Python from the staging tables (and the generator's
_truth/), plus reconciliations between grains and layers. Nothing here is copied from the output."""

import csv
import math
import shutil
import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_DIR, query, run_dbt

VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
RATE_KRIS = {"payment_decline_rate", "chargeback_rate"}
HIT_ACTIONS = {"challenge", "review", "block"}
RESTRICTING_ACTIONS = {"review", "block"}
DRIFT_FEATURES = [
    "payment_attempts",
    "declined_attempts",
    "suspicious_declines",
    "distinct_cards",
    "max_attempts_in_hour",
    "topup_usd",
    "failed_logins",
    "devices_used",
    "payouts",
    "payout_usd",
    "trades_bought",
    "bonus_usd",
]
MONEY_FEATURES = {"topup_usd", "payout_usd", "bonus_usd"}


def rows_as_dicts(warehouse: Path, sql: str, parameters=None) -> list[dict]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        result = connection.execute(sql, parameters or [])
        names = [column[0] for column in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def card_network(card_bin: str | None) -> str:
    """Card network from the BIN's leading digits, as the card schemes publish their ranges."""
    card_bin = card_bin or ""
    if card_bin.startswith("4"):
        return "visa"
    if "51" <= card_bin[:2] <= "55" or "2221" <= card_bin[:4] <= "2720":
        return "mastercard"
    if card_bin[:2] in ("34", "37"):
        return "amex"
    return "other"


def four_hour_start(moment: datetime) -> datetime:
    return moment.replace(hour=moment.hour - moment.hour % 4, minute=0, second=0, microsecond=0)


def day_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, moment.day)


def real_user_ids(warehouse: Path) -> set[str]:
    return {
        row[0]
        for row in query(
            warehouse, "select user_id from staging.stg_app__users where not is_test_account"
        )
    }


def qa_account_ids(warehouse: Path) -> set[str]:
    return {
        row[0]
        for row in query(
            warehouse, "select user_id from staging.stg_app__users where is_test_account"
        )
    }


# ---------------------------------------------------------------------------------------------
# The hand-made landing zone (tests/fixtures/landing_minimal), worked out by hand:
# users u1 (real), u2 (test account, @qa.internal), u3 (real); u4 and u5 are rejected records.
# Payments staged: p1, p2 (succeeded, Visa BIN 411111), p3 (declined, Mastercard BIN 522222);
# p4 (zero amount), p5 (unknown currency), p6 (unparseable time) are rejected. Chargebacks: cb1
# names p9, which was never delivered; cb2 has a negative amount and is rejected. Payout po1:
# 50.00 GBP at 1.25 = 62.50 USD. Redemptions: r1 WELCOME10 (r2 has an unparseable amount).
# Decisions: d1 allows u1; d2 blocks u3 with rules velocity and bin_risk. Nobody is fraudulent.
# Ticket t1: u1 appeals (account_restricted) at 10:45, lifted at 11:15, CSAT 4.
# ---------------------------------------------------------------------------------------------


def minimal_day_rows(warehouse: Path) -> dict[tuple[str, str], dict]:
    rows = rows_as_dicts(
        warehouse,
        "select * from marts.risk_warnings where period_grain = 'day' and period_start = '2026-01-05'",
    )
    return {(row["kri"], row["dimension"]): row for row in rows}


def test_minimal_zone_kris_are_the_hand_counted_figures(minimal_warehouse):
    rows = minimal_day_rows(minimal_warehouse)
    assert rows[("signups", "all")]["value"] == 2  # u1 and u3; u2 is a test account
    assert sum(r["value"] for (kri, _), r in rows.items() if kri == "signups_by_channel") == 2
    decline = rows[("payment_decline_rate", "all")]
    assert (decline["numerator"], decline["denominator"]) == (1, 3)
    assert decline["value"] == pytest.approx(1 / 3)
    # cb1's payment was never delivered: it counts in `all` only, over the 2 succeeded payments
    chargebacks_all = rows[("chargeback_rate", "all")]
    assert (chargebacks_all["numerator"], chargebacks_all["denominator"]) == (1, 2)
    chargebacks_visa = rows[("chargeback_rate", "visa")]
    assert (chargebacks_visa["numerator"], chargebacks_visa["denominator"]) == (0, 2)
    assert ("chargeback_rate", "mastercard") not in rows  # no Mastercard payment succeeded
    assert chargebacks_visa["programme"] == "visa_vdmp"
    assert chargebacks_visa["programme_threshold"] == pytest.approx(
        VARS["visa_vdmp_chargeback_rate"]
    )
    assert rows[("payouts", "all")]["value"] == 1
    assert rows[("payout_usd", "all")]["value"] == pytest.approx(62.5)
    assert rows[("bonus_redemptions", "all")]["value"] == 1
    assert rows[("bonus_redemptions_by_promo_code", "WELCOME10")]["value"] == 1
    assert {
        row["denominator"] is None for (kri, _), row in rows.items() if kri not in RATE_KRIS
    } == {True}


def test_minimal_zone_is_dense_and_never_warns_without_a_baseline(minimal_warehouse):
    per_series = query(
        minimal_warehouse,
        "select period_grain, kri, dimension, count(*), min(period_start), max(period_start)"
        " from marts.risk_warnings group by all",
    )
    assert per_series
    for grain, kri, dimension, periods, first, last in per_series:
        # one day of data: 1 day, 6 four-hour periods (00:00 ... 20:00)
        assert (periods, first, last) == (
            (1, datetime(2026, 1, 5), datetime(2026, 1, 5))
            if grain == "day"
            else (6, datetime(2026, 1, 5), datetime(2026, 1, 5, 20))
        ), (grain, kri, dimension)
    reasons = dict(
        query(
            minimal_warehouse,
            "select reason, count(*) from marts.risk_warnings where warning_level = 'ok' group by all",
        )
    )
    assert query(minimal_warehouse, "select distinct warning_level from marts.risk_warnings") == [
        ("ok",)
    ]
    # 4-hour periods without payments have no rate; every other row waits for its baseline
    assert set(reasons) == {
        "no payment attempts in the period",
        "no succeeded payments in the period",
        "baseline warming up (0 of 7 previous periods)",
    } | {f"baseline warming up ({n} of 42 previous periods)" for n in range(6)}
    # payments only happened 08:00-12:00: the 5 other periods have no decline rate, and the
    # chargeback rate of `all` and `visa` has no succeeded payment in them either
    assert reasons["no payment attempts in the period"] == 5
    assert reasons["no succeeded payments in the period"] == 10


def test_minimal_zone_customer_experience_is_the_hand_counted_figures(minimal_warehouse):
    rows = {
        (row["period_grain"], row["rule_name"]): row
        for row in rows_as_dicts(minimal_warehouse, "select * from marts.risk_customer_experience")
    }
    assert {grain for grain, _ in rows} == {"day", "all_time"}
    assert {rule for _, rule in rows} == {"all", "velocity", "bin_risk"}
    for grain in ("day", "all_time"):
        engine = rows[(grain, "all")]
        assert engine["decisions"] == 2
        assert engine["good_customers_decided"] == 2  # u1 allowed, u3 blocked
        assert engine["good_customers_hit"] == engine["good_customers_blocked"] == 1
        assert engine["good_customers_challenged"] == engine["good_customers_reviewed"] == 0
        assert engine["insult_rate"] == pytest.approx(0.5)
        assert engine["fraudsters_decided"] == engine["fraudsters_hit"] == 0
        assert engine["fraud_hit_rate"] is None
        assert engine["appeals_opened"] == engine["appeals_by_good_customers"] == 1
        assert engine["appeals_resolved"] == engine["appeals_overturned"] == 1
        assert engine["appeal_overturn_rate"] == pytest.approx(1.0)
        assert engine["median_hours_to_appeal_resolution"] == pytest.approx(0.5)  # 10:45 -> 11:15
        # u1 was never reviewed or blocked: the CSAT of 4 is an unrestricted customer's
        assert (engine["csat_responses_unrestricted"], engine["csat_total_unrestricted"]) == (1, 4)
        assert engine["csat_responses_restricted"] == 0
        assert engine["is_softer_action_candidate"] is None
        for rule in ("velocity", "bin_risk"):
            fired = rows[(grain, rule)]
            assert fired["good_customers_hit"] == fired["good_customers_restricted"] == 1
            assert fired["good_customers_decided"] == 2
            assert fired["fraudsters_hit"] == 0
            assert fired["appeals_opened"] is None  # appeals are about the account, not a rule
            assert fired["is_softer_action_candidate"] is False


def test_minimal_zone_lists_its_day_as_waiting_for_the_feature_window(minimal_warehouse):
    # one day of data is shorter than the 7-day window after signup: the day is there for every
    # feature, with nothing compared yet, rather than missing from the mart
    rows = rows_as_dicts(minimal_warehouse, "select * from marts.risk_feature_drift")
    days = {row["drift_date"] for row in rows}
    assert len(days) == 1
    assert sorted(row["feature"] for row in rows) == sorted(DRIFT_FEATURES)
    for row in rows:
        assert row["cohort_window_closed"] is False
        assert row["current_users"] == row["reference_users"] == 0
        assert row["psi"] is None
        assert row["is_assessed"] is False
        assert row["drift_level"] == "stable"


# ---------------------------------------------------------------------------------------------
# risk_warnings on the generated zone
# ---------------------------------------------------------------------------------------------


def staged_kri_records(warehouse: Path) -> list[tuple[datetime, str, str, float, float]]:
    """(time, kri, dimension, numerator, denominator) per record, read from staging in Python."""
    tests = qa_account_ids(warehouse)
    records = []
    channels = dict(query(warehouse, "select user_id, acquisition_channel from marts.dim_users"))
    partners = dict(
        query(warehouse, "select user_id, acquisition_campaign_id from marts.dim_users")
    )
    for user_id, signup_at in query(
        warehouse,
        "select user_id, created_at from staging.stg_app__users where not is_test_account",
    ):
        records.append((signup_at, "signups", "all", 1, 0))
        records.append((signup_at, "signups_by_channel", channels[user_id] or "unknown", 1, 0))
        if channels[user_id] == "affiliate":
            records.append(
                (signup_at, "signups_by_affiliate_partner", partners[user_id] or "unknown", 1, 0)
            )
    attempts = {
        attempt_id: (user_id, created_at, status, card_bin)
        for attempt_id, user_id, created_at, status, card_bin in query(
            warehouse,
            "select attempt_id, user_id, created_at, status, card_bin"
            " from staging.stg_payments__payment_attempts",
        )
    }
    for user_id, created_at, status, card_bin in attempts.values():
        if user_id in tests:
            continue
        records.append((created_at, "payment_decline_rate", "all", int(status == "declined"), 1))
        if status == "succeeded":
            records.append((created_at, "chargeback_rate", "all", 0, 1))
            records.append((created_at, "chargeback_rate", card_network(card_bin), 0, 1))
    for attempt_id, received_at in query(
        warehouse, "select attempt_id, received_at from staging.stg_payments__chargebacks"
    ):
        disputed = attempts.get(attempt_id)
        if disputed and disputed[0] in tests:
            continue
        records.append((received_at, "chargeback_rate", "all", 1, 0))
        if disputed:
            records.append((received_at, "chargeback_rate", card_network(disputed[3]), 1, 0))
    for user_id, redeemed_at, promo_code in query(
        warehouse,
        "select user_id, redeemed_at, promo_code from staging.stg_promotions__redemptions",
    ):
        if user_id not in tests:
            records.append((redeemed_at, "bonus_redemptions", "all", 1, 0))
            records.append((redeemed_at, "bonus_redemptions_by_promo_code", promo_code, 1, 0))
    for user_id, requested_at, amount_usd in query(
        warehouse, "select user_id, requested_at, amount_usd from staging.stg_payments__payouts"
    ):
        if user_id not in tests:
            records.append((requested_at, "payouts", "all", 1, 0))
            records.append((requested_at, "payout_usd", "all", float(amount_usd or 0), 0))
    for strategy_id, entity_type, entity_id, raised_at in query(
        warehouse, "select strategy_id, entity_type, entity_id, raised_at from marts.risk_alerts"
    ):
        if not (entity_type == "user" and entity_id in tests):
            records.append((raised_at, "alerts_by_strategy", strategy_id, 1, 0))
    return records


def warnings_by_key(warehouse: Path, grain: str) -> dict[tuple, dict]:
    rows = rows_as_dicts(
        warehouse, "select * from marts.risk_warnings where period_grain = ?", [grain]
    )
    return {(row["period_start"], row["kri"], row["dimension"]): row for row in rows}


@pytest.mark.parametrize("grain", ["day", "4h"])
def test_kri_figures_recomputed_from_staging(generated_warehouse, grain):
    bucket = day_start if grain == "day" else four_hour_start
    expected = defaultdict(lambda: [0.0, 0.0])
    for moment, kri, dimension, numerator, denominator in staged_kri_records(generated_warehouse):
        expected[(bucket(moment), kri, dimension)][0] += numerator
        expected[(bucket(moment), kri, dimension)][1] += denominator
    ours = warnings_by_key(generated_warehouse, grain)
    first, last = query(
        generated_warehouse,
        "select first_activity_date, last_activity_date from intermediate.int_platform__data_window",
    )[0]
    in_window = {key: value for key, value in expected.items() if first <= key[0].date() <= last}
    assert in_window
    for key, (numerator, denominator) in in_window.items():
        row = ours[key]
        assert row["numerator"] == pytest.approx(numerator, abs=1e-6), key
        if key[1] in RATE_KRIS:
            assert row["denominator"] == pytest.approx(denominator), key
            expected_value = numerator / denominator if denominator else None
            assert row["value"] == pytest.approx(expected_value), key
    # every other row of the dense grid is an empty period
    for key, row in ours.items():
        if key not in in_window:
            assert row["numerator"] == 0 and row["events"] == 0, key


def test_every_enabled_strategy_has_an_alert_series(generated_warehouse):
    with open(
        PROJECT_DIR / "seeds" / "risk_strategies.csv", newline="", encoding="utf-8"
    ) as handle:
        enabled = {row["strategy_id"] for row in csv.DictReader(handle) if row["enabled"] == "true"}
    series = {
        row[0]
        for row in query(
            generated_warehouse,
            "select distinct dimension from marts.risk_warnings where kri = 'alerts_by_strategy'",
        )
    }
    assert enabled <= series
    alerts = query(generated_warehouse, "select count(*) from marts.risk_alerts")[0][0]
    counted = query(
        generated_warehouse,
        "select sum(numerator) from marts.risk_warnings"
        " where kri = 'alerts_by_strategy' and period_grain = 'day'",
    )[0][0]
    assert alerts > 0
    assert counted <= alerts  # alerts about test accounts, or raised after the data window, drop


def test_test_accounts_are_left_out_of_the_signups(generated_warehouse):
    tests = qa_account_ids(generated_warehouse)
    assert tests, "the generator plants test accounts"
    signups = query(
        generated_warehouse,
        "select sum(numerator) from marts.risk_warnings where period_grain = 'day' and kri = 'signups'",
    )[0][0]
    assert signups == len(real_user_ids(generated_warehouse))


def test_periods_are_dense_and_four_hour_periods_add_up_to_days(generated_warehouse):
    first, last = query(
        generated_warehouse,
        "select first_activity_date, last_activity_date from intermediate.int_platform__data_window",
    )[0]
    days = (last - first).days + 1
    series = defaultdict(list)
    for grain, kri, dimension, period_start in query(
        generated_warehouse,
        "select period_grain, kri, dimension, period_start from marts.risk_warnings order by all",
    ):
        series[(grain, kri, dimension)].append(period_start)
    for (grain, kri, dimension), starts in series.items():
        step = timedelta(days=1) if grain == "day" else timedelta(hours=4)
        assert len(starts) == days * (1 if grain == "day" else 6), (grain, kri, dimension)
        assert starts[0] == datetime.combine(first, datetime.min.time())
        assert all(
            later - earlier == step for earlier, later in zip(starts, starts[1:], strict=False)
        ), kri
    daily = warnings_by_key(generated_warehouse, "day")
    from_four_hours = defaultdict(lambda: [0.0, 0.0])
    for (start, kri, dimension), row in warnings_by_key(generated_warehouse, "4h").items():
        from_four_hours[(day_start(start), kri, dimension)][0] += row["numerator"]
        from_four_hours[(day_start(start), kri, dimension)][1] += row["denominator"] or 0
    assert set(from_four_hours) == set(daily)
    for key, (numerator, denominator) in from_four_hours.items():
        assert daily[key]["numerator"] == pytest.approx(numerator), key
        assert (daily[key]["denominator"] or 0) == pytest.approx(denominator), key


def expected_level(row: dict, history: list[dict], trailing: list[dict], periods: int) -> tuple:
    """The warning rule of the YAML, applied in Python to the period and its predecessors."""
    is_rate = row["kri"] in RATE_KRIS
    value = (
        (row["numerator"] / row["denominator"] if row["denominator"] else None)
        if is_rate
        else row["numerator"]
    )
    baseline = stddev = None
    if len(history) == periods:
        if is_rate:
            numerators = sum(r["numerator"] for r in history)
            denominators = sum(r["denominator"] for r in history)
            baseline = numerators / denominators if denominators else None
            if baseline is not None and row["denominator"]:
                stddev = math.sqrt(baseline * (1 - baseline) / row["denominator"])
        else:
            values = [r["numerator"] for r in history]
            baseline, stddev = statistics.fmean(values), statistics.stdev(values)
    volume = row["events"] >= VARS["risk_warning_min_events"] and (
        not is_rate or (row["denominator"] or 0) >= VARS["risk_warning_min_denominator"]
    )
    level = "ok"
    if value is not None and baseline is not None and stddev is not None and volume:
        for name in ("act", "watch"):
            sigmas = VARS[f"risk_warning_{name}_sigmas"]
            ratio = VARS[f"risk_warning_{name}_ratio"]
            if value > baseline + sigmas * stddev and value >= ratio * baseline:
                level = name
                break
    programme_level = None
    thresholds = {
        "visa": "visa_vdmp_chargeback_rate",
        "mastercard": "mastercard_ecm_chargeback_rate",
    }
    if (
        row["period_grain"] == "day"
        and row["kri"] == "chargeback_rate"
        and row["dimension"] in thresholds
    ):
        threshold = VARS[thresholds[row["dimension"]]]
        chargebacks = sum(r["numerator"] for r in trailing)
        payments = sum(r["denominator"] for r in trailing)
        programme_level = "ok"
        if (
            chargebacks >= VARS["risk_warning_min_events"]
            and payments >= VARS["risk_warning_min_denominator"]
        ):
            if chargebacks / payments >= threshold:
                programme_level = "act"
            elif chargebacks / payments >= VARS["chargeback_programme_watch_share"] * threshold:
                programme_level = "watch"
    order = ["ok", "watch", "act"]
    worst = max([level, programme_level or "ok"], key=order.index)
    return baseline, stddev, level, programme_level, worst


@pytest.mark.parametrize("grain", ["day", "4h"])
def test_baselines_and_warning_levels_follow_the_documented_rule(generated_warehouse, grain):
    per_day = 1 if grain == "day" else 6
    periods = VARS["risk_warning_baseline_days"] * per_day
    trailing_periods = VARS["chargeback_programme_window_days"] * per_day
    series = defaultdict(list)
    for row in rows_as_dicts(
        generated_warehouse,
        "select * from marts.risk_warnings where period_grain = ? order by period_start",
        [grain],
    ):
        series[(row["kri"], row["dimension"])].append(row)
    levels = Counter()
    for rows in series.values():
        for position, row in enumerate(rows):
            history = rows[max(0, position - periods) : position]
            trailing = rows[max(0, position - trailing_periods + 1) : position + 1]
            baseline, stddev, level, programme_level, worst = expected_level(
                row, history, trailing, periods
            )
            key = (row["period_start"], row["kri"], row["dimension"])
            assert row["baseline_periods"] == len(history), key
            if baseline is not None:
                assert row["baseline"] == pytest.approx(baseline), key
            if stddev is not None:
                assert row["baseline_stddev"] == pytest.approx(stddev), key
            assert row["baseline_level"] == level, key
            assert row["programme_level"] == programme_level, key
            assert row["warning_level"] == worst, key
            assert row["reason"]
            if worst != "ok":
                assert worst in row["reason"], key
            levels[worst] += 1
    assert levels["ok"] > levels["watch"] + levels["act"], "warnings must be the exception"


def test_chargeback_programme_rows_carry_the_trailing_thirty_days(generated_warehouse):
    rows = rows_as_dicts(
        generated_warehouse,
        "select * from marts.risk_warnings where kri = 'chargeback_rate' and period_grain = 'day'"
        " order by dimension, period_start",
    )
    by_network = defaultdict(list)
    for row in rows:
        by_network[row["dimension"]].append(row)
    assert {"all", "visa", "mastercard"} <= set(by_network)
    window = VARS["chargeback_programme_window_days"]
    for network, series in by_network.items():
        for position, row in enumerate(series):
            trailing = series[max(0, position - window + 1) : position + 1]
            assert row["trailing_chargebacks"] == pytest.approx(
                sum(r["numerator"] for r in trailing)
            )
            assert row["trailing_succeeded_payments"] == pytest.approx(
                sum(r["denominator"] for r in trailing)
            )
            assert (row["programme"] is not None) == (network in ("visa", "mastercard"))
    # the networks' chargebacks never exceed all chargebacks
    for position, row in enumerate(by_network["all"]):
        networks = sum(by_network[n][position]["numerator"] for n in by_network if n != "all")
        assert networks <= row["numerator"]


# ---------------------------------------------------------------------------------------------
# risk_feature_drift on the generated zone
# ---------------------------------------------------------------------------------------------


def early_life_features_from_staging(warehouse: Path, window_days: int) -> dict[str, dict]:
    """The twelve features over each real user's first `window_days` days, from staging."""
    users = {
        user_id: signup_at + timedelta(days=window_days)
        for user_id, signup_at in query(
            warehouse, "select user_id, signup_at from marts.risk_user_features"
        )
    }
    features = {user: dict.fromkeys(DRIFT_FEATURES, 0) for user in users}
    attempt_times = defaultdict(list)
    cards = defaultdict(set)
    for user_id, created_at, status, purpose, decline_code, card, amount_usd in query(
        warehouse,
        "select user_id, created_at, status, purpose, decline_code, card_fingerprint, amount_usd"
        " from staging.stg_payments__payment_attempts",
    ):
        if user_id not in users or created_at >= users[user_id]:
            continue
        feature = features[user_id]
        feature["payment_attempts"] += 1
        feature["declined_attempts"] += status == "declined"
        feature["suspicious_declines"] += decline_code in (
            "stolen_card",
            "incorrect_cvc",
            "do_not_honor",
        )
        if status == "succeeded" and purpose == "topup":
            feature["topup_usd"] += float(amount_usd or 0)
        if card is not None:
            cards[user_id].add(card)
        attempt_times[user_id].append(created_at)
    for user_id, times in attempt_times.items():
        times.sort()
        features[user_id]["distinct_cards"] = len(cards[user_id])
        features[user_id]["max_attempts_in_hour"] = max(
            sum(1 for other in times if moment - timedelta(hours=1) <= other <= moment)
            for moment in times
        )
    devices = defaultdict(set)
    for user_id, event_type, device_id, occurred_at in query(
        warehouse,
        "select user_id, event_type, device_id, occurred_at from staging.stg_events__app_events"
        " where user_id is not null",
    ):
        if user_id in users and occurred_at < users[user_id]:
            features[user_id]["failed_logins"] += event_type == "login_failed"
            if device_id is not None:
                devices[user_id].add(device_id)
    for user_id, found in devices.items():
        features[user_id]["devices_used"] = len(found)
    for user_id, requested_at, amount_usd in query(
        warehouse, "select user_id, requested_at, amount_usd from staging.stg_payments__payouts"
    ):
        if user_id in users and requested_at < users[user_id]:
            features[user_id]["payouts"] += 1
            features[user_id]["payout_usd"] += float(amount_usd or 0)
    for buyer_id, seller_id, executed_at in query(
        warehouse, "select buyer_id, seller_id, executed_at from staging.stg_trading__trades"
    ):
        if buyer_id in users and buyer_id != seller_id and executed_at < users[buyer_id]:
            features[buyer_id]["trades_bought"] += 1
    for user_id, redeemed_at, bonus_usd in query(
        warehouse,
        "select user_id, redeemed_at, bonus_amount_usd from staging.stg_promotions__redemptions",
    ):
        if user_id in users and redeemed_at < users[user_id]:
            features[user_id]["bonus_usd"] += float(bonus_usd or 0)
    return features


def test_early_life_features_recomputed_from_staging(generated_warehouse):
    expected = early_life_features_from_staging(
        generated_warehouse, VARS["feature_drift_window_days"]
    )
    ours = {
        row["user_id"]: row
        for row in rows_as_dicts(
            generated_warehouse,
            "select * from intermediate.int_risk_monitoring__early_life_features",
        )
    }
    assert set(ours) == set(expected)
    for user_id, features in expected.items():
        for feature, value in features.items():
            assert float(ours[user_id][feature]) == pytest.approx(value, abs=1e-6), (
                user_id,
                feature,
            )


def test_early_life_features_never_exceed_the_lifetime_features(generated_warehouse):
    # a window is part of the history: counts and sums over it are at most the lifetime figures
    # of marts.risk_user_features, and equal for users whose whole history fits in the window
    checks = " or ".join(f"early.{f} > lifetime.{f} + 1e-9" for f in DRIFT_FEATURES)
    assert query(
        generated_warehouse,
        f"""
        select count(*) from intermediate.int_risk_monitoring__early_life_features as early
        inner join marts.risk_user_features as lifetime on early.user_id = lifetime.user_id
        where {checks}
        """,
    ) == [(0,)]
    # a window still open at the cutoff holds the user's whole history so far
    equal = " and ".join(f"abs(early.{f} - lifetime.{f}) < 1e-9" for f in DRIFT_FEATURES)
    open_windows = query(
        generated_warehouse,
        f"""
        select count(*), count(*) filter (where {equal})
        from intermediate.int_risk_monitoring__early_life_features as early
        inner join marts.risk_user_features as lifetime on early.user_id = lifetime.user_id
        where not early.is_window_complete
        """,
    )
    assert open_windows[0][0] > 0
    assert open_windows[0][0] == open_windows[0][1]


def decile_edges(values: list[float]) -> list[float]:
    """Distinct reference deciles: the smallest value whose cumulative share reaches k/10."""
    ordered = sorted(values)
    count = len(ordered)
    edges = set()
    for decile in range(1, 10):
        position = next(i for i in range(count) if Fraction(i + 1, count) >= Fraction(decile, 10))
        edges.add(ordered[position])
    return sorted(edges)


def expected_psi(reference: list[float], current: list[float]) -> tuple[float | None, int]:
    edges = decile_edges(reference)
    bins = len(edges) + 1

    def shares(values: list[float]) -> list[float]:
        counts = [0] * bins
        for value in values:
            counts[sum(1 for edge in edges if value > edge)] += 1
        floor = VARS["feature_drift_psi_epsilon"]
        return [c / len(values) if c else max(0.5 / len(values), floor) for c in counts]

    if not current:
        return None, bins
    expected_shares, actual_shares = shares(reference), shares(current)
    psi = sum(
        (a - e) * math.log(a / e) for a, e in zip(actual_shares, expected_shares, strict=True)
    )
    return psi, bins


@pytest.fixture(scope="module")
def drift_warehouse(generated_zone, generated_warehouse, tmp_path_factory) -> Path:
    """A copy of the generated warehouse with the drift rebuilt on a shorter window and reference
    (3 and 5 days), so that the 14-day zone has cohorts outside the reference to compare."""
    workdir = tmp_path_factory.mktemp("drift")
    warehouse = workdir / "warehouse.duckdb"
    shutil.copy(generated_warehouse, warehouse)
    run_dbt(
        [
            "run",
            "-s",
            "int_risk_monitoring__early_life_features",
            "risk_feature_drift",
            "--vars",
            "{feature_drift_window_days: 3, feature_drift_reference_days: 5}",
        ],
        generated_zone,
        warehouse,
        workdir / "target",
    )
    return warehouse


def test_psi_recomputed_from_the_features(drift_warehouse):
    users = rows_as_dicts(
        drift_warehouse,
        "select * from intermediate.int_risk_monitoring__early_life_features where is_window_complete",
    )
    first = query(
        drift_warehouse, "select first_activity_date from intermediate.int_platform__data_window"
    )[0][0]
    reference_end = first + timedelta(days=4)
    rows = rows_as_dicts(drift_warehouse, "select * from marts.risk_feature_drift")
    assert {row["reference_end_date"] for row in rows} == {reference_end}
    assert any(not row["is_reference_day"] and row["is_assessed"] for row in rows)
    by_key = {(row["drift_date"], row["feature"]): row for row in rows}
    days = sorted({row["drift_date"] for row in rows})
    assert days == [first + timedelta(days=i) for i in range((days[-1] - first).days + 1)]
    # every day of the data window, the ones still waiting for their cohort's window included
    last, cutoff = query(
        drift_warehouse,
        "select max(signup_at)::date, max(features_as_of) from marts.risk_user_features",
    )[0]
    assert days[-1] >= last
    for day in days:
        closed = datetime.combine(day, datetime.min.time()) + timedelta(days=3 + 1) <= cutoff
        assert {by_key[(day, f)]["cohort_window_closed"] for f in DRIFT_FEATURES} == {closed}
    assert any(not row["cohort_window_closed"] for row in rows)
    for feature in DRIFT_FEATURES:

        def value(user, feature=feature):
            raw = float(user[feature])
            return float(round(raw)) if feature in MONEY_FEATURES else raw

        reference = [value(u) for u in users if first <= u["signup_date"] <= reference_end]
        for day in days:
            current = [value(u) for u in users if u["signup_date"] == day]
            psi, bins = expected_psi(reference, current)
            row = by_key[(day, feature)]
            assert row["bins"] == bins, (day, feature)
            assert row["reference_users"] == len(reference)
            assert row["current_users"] == len(current)
            if psi is None:
                assert row["psi"] is None
                continue
            assert row["psi"] == pytest.approx(psi, abs=1e-9), (day, feature)
            noise = (bins - 1) * (1 / len(current) + 1 / len(reference))
            assessed = (
                len(current) >= VARS["feature_drift_min_users"]
                and noise <= VARS["feature_drift_max_expected_psi"]
            )
            assert row["is_assessed"] == assessed
            level = "stable"
            if assessed and psi >= VARS["feature_drift_psi_act"]:
                level = "act"
            elif assessed and psi >= VARS["feature_drift_psi_watch"]:
                level = "watch"
            assert row["drift_level"] == level, (day, feature)


def test_psi_of_a_sample_against_itself_is_zero_and_grows_with_a_shift():
    # the Python PSI the drift mart is checked against, on textbook cases
    reference = [float(v % 10) for v in range(1000)]
    assert expected_psi(reference, reference)[0] == pytest.approx(0)
    assert expected_psi(reference, [v + 3 for v in reference])[0] > VARS["feature_drift_psi_act"]
    zero_inflated = [0.0] * 950 + [1.0] * 50
    assert decile_edges(zero_inflated) == [0.0]  # ties collapse into one edge: two bins


# ---------------------------------------------------------------------------------------------
# risk_customer_experience on the generated zone
# ---------------------------------------------------------------------------------------------


def engine_decisions(warehouse: Path) -> list[dict]:
    fraud = dict(
        query(warehouse, "select user_id, is_fraud from intermediate.int_users__fraud_status")
    )
    real = real_user_ids(warehouse)
    decisions = []
    for decision_id, user_id, decided_at, action, rules_hit in query(
        warehouse,
        "select decision_id, user_id, decided_at, action, rules_hit from staging.stg_risk__decisions",
    ):
        if user_id in real:
            decisions.append(
                {
                    "id": decision_id,
                    "user": user_id,
                    "day": decided_at.date(),
                    "at": decided_at,
                    "action": action,
                    "rules": set(rules_hit),
                    "fraud": fraud[user_id],
                }
            )
    return decisions


def test_insult_and_catch_recomputed_from_decisions(generated_warehouse):
    decisions = engine_decisions(generated_warehouse)
    ours = {
        (row["period_grain"], row["period_start"]): row
        for row in rows_as_dicts(
            generated_warehouse,
            "select * from marts.risk_customer_experience where rule_name = 'all'",
        )
    }
    first = min(start for grain, start in ours if grain == "all_time")
    periods = {("day", d["day"]) for d in decisions} | {("all_time", first)}
    for grain, start in periods:
        scope = [d for d in decisions if grain == "all_time" or d["day"] == start]
        good = {d["user"] for d in scope if not d["fraud"]}
        good_hit = {d["user"] for d in scope if not d["fraud"] and d["action"] in HIT_ACTIONS}
        fraud_hit = {d["user"] for d in scope if d["fraud"] and d["action"] in HIT_ACTIONS}
        row = ours[(grain, start)]
        assert row["decisions"] == len(scope)
        assert row["good_customers_decided"] == len(good)
        assert row["good_customers_hit"] == len(good_hit)
        assert row["fraudsters_hit"] == len(fraud_hit)
        assert row["insult_rate"] == pytest.approx(len(good_hit) / len(good))
    total = ours[("all_time", first)]
    assert 0 < total["insult_rate"] < 0.1, "the engine bothers a small minority of good customers"


def test_rule_friction_and_independent_signal_recomputed(generated_warehouse):
    decisions = engine_decisions(generated_warehouse)
    flagged = {
        row[0]
        for row in query(
            generated_warehouse,
            "select user_id from intermediate.int_users__fraud_status where is_in_flagged_group",
        )
    }
    hits = [d for d in decisions if d["action"] in HIT_ACTIONS]
    ours = {
        row["rule_name"]: row
        for row in rows_as_dicts(
            generated_warehouse,
            "select * from marts.risk_customer_experience where period_grain = 'all_time'",
        )
    }
    every_rule = {rule for d in decisions for rule in d["rules"]}
    assert set(ours) == every_rule | {"all"}
    for rule in every_rule:
        fired = [d for d in hits if rule in d["rules"]]
        good_hit = {d["user"] for d in fired if not d["fraud"]}
        good_restricted = {
            d["user"] for d in fired if not d["fraud"] and d["action"] in RESTRICTING_ACTIONS
        }
        fraud_hit = {d["user"] for d in fired if d["fraud"]}
        caught_elsewhere = {
            user
            for user in fraud_hit
            if any(d["user"] == user and rule not in d["rules"] for d in hits)
        }
        independent = {user for user in fraud_hit if user in flagged} | caught_elsewhere
        row = ours[rule]
        assert row["good_customers_hit"] == len(good_hit), rule
        assert row["good_customers_restricted"] == len(good_restricted), rule
        assert row["fraudsters_hit"] == len(fraud_hit), rule
        assert row["fraudsters_hit_by_other_decisions"] == len(caught_elsewhere), rule
        assert row["fraudsters_hit_with_independent_signal"] == len(independent), rule
        candidate = (
            len(fraud_hit) >= VARS["softer_action_min_fraudsters"]
            and len(independent) >= VARS["softer_action_min_independent_share"] * len(fraud_hit)
            and len(good_restricted) > 0
        )
        assert row["is_softer_action_candidate"] == candidate, rule


def test_appeals_and_csat_recomputed_from_tickets(generated_warehouse):
    fraud = dict(
        query(
            generated_warehouse,
            "select user_id, is_fraud from intermediate.int_users__fraud_status",
        )
    )
    real = real_user_ids(generated_warehouse)
    first_restricted = {}
    for d in engine_decisions(generated_warehouse):
        if d["action"] in RESTRICTING_ACTIONS:
            first_restricted[d["user"]] = min(d["at"], first_restricted.get(d["user"], d["at"]))
    tickets = [
        row
        for row in rows_as_dicts(generated_warehouse, "select * from staging.stg_support__tickets")
        if row["user_id"] in real
    ]
    appeals = [t for t in tickets if t["category"] == "account_restricted"]
    assert appeals, "the generator restricts good customers who appeal"
    resolved = [t for t in appeals if t["resolved_at"] is not None]
    overturned = [t for t in resolved if t["resolution"] == "restriction_lifted"]
    good_csat = [t for t in tickets if t["csat"] is not None and not fraud[t["user_id"]]]
    restricted = [
        t
        for t in good_csat
        if t["user_id"] in first_restricted and first_restricted[t["user_id"]] <= t["created_at"]
    ]
    unrestricted = [t for t in good_csat if t not in restricted]
    row = rows_as_dicts(
        generated_warehouse,
        "select * from marts.risk_customer_experience where period_grain = 'all_time' and rule_name = 'all'",
    )[0]
    assert row["appeals_opened"] == len(appeals)
    assert row["appeals_resolved"] == len(resolved)
    assert row["appeals_overturned"] == len(overturned)
    assert row["appeal_overturn_rate"] == pytest.approx(len(overturned) / len(resolved))
    hours = [(t["resolved_at"] - t["created_at"]).total_seconds() / 3600 for t in resolved]
    assert row["median_hours_to_appeal_resolution"] == pytest.approx(statistics.median(hours))
    assert row["csat_responses_restricted"] == len(restricted)
    assert row["csat_total_restricted"] == sum(t["csat"] for t in restricted)
    assert row["csat_responses_unrestricted"] == len(unrestricted)
    assert row["csat_total_unrestricted"] == sum(t["csat"] for t in unrestricted)


def test_day_rows_add_up_to_the_all_time_row(generated_warehouse):
    additive = [
        "decisions",
        "good_customer_hit_decisions",
        "fraudster_hit_decisions",
        "appeals_opened",
        "appeals_resolved",
        "appeals_overturned",
        "csat_responses_restricted",
        "csat_total_restricted",
        "csat_responses_unrestricted",
        "csat_total_unrestricted",
    ]
    distinct = ["good_customers_decided", "good_customers_hit", "fraudsters_hit"]
    sums = ", ".join(f"sum({c}) filter (where period_grain = 'day')" for c in additive)
    totals = ", ".join(f"max({c}) filter (where period_grain = 'all_time')" for c in additive)
    row = query(
        generated_warehouse,
        f"select {sums}, {totals} from marts.risk_customer_experience where rule_name = 'all'",
    )[0]
    assert row[: len(additive)] == row[len(additive) :]
    # distinct users: the whole period has at least the busiest day's and at most the days' sum
    for column in distinct:
        day_max, day_sum, total = query(
            generated_warehouse,
            f"select max({column}) filter (where period_grain = 'day'),"
            f" sum({column}) filter (where period_grain = 'day'),"
            f" max({column}) filter (where period_grain = 'all_time')"
            " from marts.risk_customer_experience where rule_name = 'all'",
        )[0]
        assert day_max <= total <= day_sum, column


def test_good_customers_hit_are_mostly_truly_benign(generated_zone, generated_warehouse):
    # "good customer" comes from the warehouse's fraud definition; the generator knows the truth
    with open(generated_zone / "_truth" / "users.csv", newline="", encoding="utf-8") as handle:
        truly_fraud = {
            row["user_id"] for row in csv.DictReader(handle) if row["is_fraud"].lower() == "true"
        }
    good_hit = {
        d["user"]
        for d in engine_decisions(generated_warehouse)
        if not d["fraud"] and d["action"] in HIT_ACTIONS
    }
    assert good_hit
    benign = len(good_hit - truly_fraud) / len(good_hit)
    assert benign >= 0.6, f"{benign:.0%} of the good customers hit are truly benign"
