"""The model's features: columns of int_risk_model__feature_history (account_age_days is
computed at the scan by risk_model.warehouse.PointInTime), all known at the scan.

`takeover_reports` is deliberately not one: a report is filed by the (claimed) victim, and about a
third of them come from accounts with no takeover behaviour at all. It stays a label - a real
takeover shows in the failed-login bursts, resets, foreign logins and new payout methods the model
does see - but as a feature it would flag every reporter, genuine or not.

Membership of a flagged group (`strat_groups`) is not one either: a group is flagged once
everything it rests on was delivered, so each member who joins later moves every member's flag
later, rewriting scans weeks old, and a T+hours refresh retrained and rescored the whole history.
The links it rests on are features already, point in time (measured cost of both ways:
risk_model/README, "Point in time")."""

import numpy as np

FEATURES = (
    "account_age_days",
    "payment_attempts",
    "declined_attempts",
    "succeeded_attempts",
    "suspicious_declines",
    "small_attempts",
    "topup_usd",
    "distinct_cards",
    "distinct_card_bins",
    "distinct_card_countries",
    "max_attempts_in_hour",
    "logins",
    "failed_logins",
    "max_failed_logins_in_hour",
    "password_resets",
    "payout_methods_added",
    "foreign_logins",
    "devices_used",
    "event_countries",
    "payouts",
    "payout_usd",
    "payout_accounts",
    "trades_sold",
    "sold_usd",
    "trades_bought",
    "bought_usd",
    "distinct_buyers",
    "distinct_sellers",
    "distinct_new_buyers",
    "distinct_risky_buyers",
    "mutual_counterparties",
    "labelled_counterparties",
    "bonus_redemptions",
    "bonus_usd",
    "fraud_chargebacks",
    "confirmed_fraud_cases",
    "false_positive_cases",
    "users_sharing_strong",
    "users_sharing_ip",
    "users_sharing_referral",
    "linked_labelled_users",
    "linked_risky_users",
)

# The features stored in int_risk_model__feature_history; account_age_days depends on the scan
# and is computed when a scan is read (risk_model.warehouse.PointInTime).
STORED_FEATURES = tuple(f for f in FEATURES if f != "account_age_days")

# What a reason code says, per feature (the feature pushed the score up).
DESCRIPTIONS = {
    "account_age_days": "account age",
    "payment_attempts": "payment attempts",
    "declined_attempts": "declined payment attempts",
    "succeeded_attempts": "succeeded payments",
    "suspicious_declines": "stolen-card style declines",
    "small_attempts": "payment attempts under 5 USD",
    "topup_usd": "top-up value",
    "distinct_cards": "distinct cards",
    "distinct_card_bins": "distinct card BINs",
    "distinct_card_countries": "distinct card countries",
    "max_attempts_in_hour": "payment attempts in one hour",
    "logins": "logins",
    "failed_logins": "failed logins",
    "max_failed_logins_in_hour": "failed logins in one hour",
    "password_resets": "password resets",
    "payout_methods_added": "payout methods added",
    "foreign_logins": "logins from abroad",
    "devices_used": "devices used",
    "event_countries": "countries seen",
    "payouts": "payouts",
    "payout_usd": "payout value",
    "payout_accounts": "payout accounts",
    "trades_sold": "trades sold",
    "sold_usd": "value sold",
    "trades_bought": "trades bought",
    "bought_usd": "value bought",
    "distinct_buyers": "distinct buyers",
    "distinct_sellers": "distinct sellers",
    "distinct_new_buyers": "buyers under 72 hours old",
    "distinct_risky_buyers": "buyers with stolen-card declines or fraud chargebacks",
    "mutual_counterparties": "two-way trading counterparties",
    "labelled_counterparties": "trading counterparties labelled fraud",
    "bonus_redemptions": "bonuses redeemed",
    "bonus_usd": "bonus value",
    "fraud_chargebacks": "fraudulent chargebacks",
    "confirmed_fraud_cases": "investigations confirmed fraud",
    "false_positive_cases": "investigations closed false positive",
    "takeover_reports": "account-takeover reports",
    "users_sharing_strong": "users sharing a device, card, payout account or install",
    "users_sharing_ip": "users sharing an IP",
    "users_sharing_referral": "users sharing a referral code",
    "linked_labelled_users": "linked users labelled fraud",
    "linked_risky_users": "linked users with stolen-card declines or fraud chargebacks",
}


def matrix(columns: dict, features=FEATURES) -> np.ndarray:
    """The feature matrix (float64, rows x features) from a dict of column arrays."""
    if not features:
        return np.zeros((0, 0))
    return np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in features])
