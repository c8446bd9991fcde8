"""Generate a sample landing zone.

    python -m sample_data.generate --out DIR --users N --days D --seed S [--start 2026-01-05]

writes ``DIR/<system>/<table>/<batch>.<ext>`` as described by the upstream contract, and
``DIR/_truth/`` (users.csv, spend.csv, bad_records.csv, row_counts.csv) for scoring. The same
arguments always give byte-identical output.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import UTC, datetime

import numpy as np

from sample_data import reference as ref
from sample_data.activity import Sim, device_drift
from sample_data.landing import (
    REASONS,
    Table,
    bad_record_rows,
    plant_bad,
    write_table,
    write_truth_csv,
)
from sample_data.marketing import Marketing
from sample_data.outcomes import Outcomes
from sample_data.population import Ctx, Population
from sample_data.tables import Builder
from sample_data.truth import first_open_by_install, last_click, spend_rows, user_channels
from sample_data.util import DAY, TzTable, uuid_ids

DEFAULT_START = "2026-01-05"
BAD_RATE = 0.002
CSV_REASONS = REASONS[:5]
JSON_REASONS = ["missing_key", "invalid_timestamp", "malformed_json"]
MONEY_JSON_REASONS = [
    "missing_key",
    "invalid_timestamp",
    "non_positive_amount",
    "unknown_currency",
    "malformed_json",
]
PLAIN_CSV_REASONS = ["missing_key", "invalid_timestamp", "too_few_fields"]
PARQUET_REASONS = ["missing_key", "invalid_timestamp", "non_positive_amount", "unknown_currency"]
TABLE_ORDER = [
    "app/users",
    "events/app_events",
    "payments/payment_attempts",
    "payments/chargebacks",
    "payments/payouts",
    "trading/trades",
    "promotions/redemptions",
    "marketing/search_ads",
    "marketing/social_ads",
    "marketing/affiliate",
    "marketing/touchpoints",
    "support/tickets",
    "risk/decisions",
    "risk/case_outcomes",
    "reference/fx_rates",
]
BAD_REASONS = {
    "app/users": PLAIN_CSV_REASONS,
    "events/app_events": JSON_REASONS,
    "payments/payment_attempts": CSV_REASONS,
    "payments/chargebacks": CSV_REASONS,
    "payments/payouts": CSV_REASONS,
    "trading/trades": PARQUET_REASONS,
    "promotions/redemptions": CSV_REASONS,
    "marketing/search_ads": CSV_REASONS,
    "marketing/social_ads": MONEY_JSON_REASONS,
    "marketing/affiliate": CSV_REASONS,
    "marketing/touchpoints": JSON_REASONS,
    "support/tickets": PLAIN_CSV_REASONS,
    "risk/decisions": JSON_REASONS,
    "risk/case_outcomes": PLAIN_CSV_REASONS,
    "reference/fx_rates": CSV_REASONS,
}


def _time_zones() -> list[str]:
    names: list[str] = []
    for c in ref.COUNTRIES:
        names += [z for z, _ in c[3]]
    names += [z for _, z in ref.ATTACK_COUNTRIES]
    names += [a[0] for a in ref.SEARCH_ACCOUNTS]
    out: list[str] = []
    for n in names:
        if n not in out:
            out.append(n)
    return out


def generate(
    out_dir: str,
    users: int,
    days: int,
    seed: int,
    start: str = DEFAULT_START,
    verbose: bool = False,
) -> dict:
    """Write a landing zone of ``users`` users over ``days`` days into ``out_dir``.

    Returns a summary (counts of users, fraud, quirks and bad records) for reporting.
    """
    if users < 500:
        raise ValueError("users must be at least 500")
    if days < 3:
        raise ValueError("days must be at least 3")
    clock = time.perf_counter()
    t0 = int(datetime.strptime(start, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())
    rng = np.random.default_rng(seed)
    tzt = TzTable(_time_zones(), t0 - 30 * DAY, t0 + (days + 8) * DAY)
    ctx = Ctx(rng=rng, seed=seed, t0=t0, days=days, tzt=tzt)

    pop = Population(ctx, users)
    sim = Sim(ctx, pop)
    sim.run()
    sim.finish()
    out = Outcomes(sim)
    drift = device_drift(np.random.default_rng([seed, 1]), pop.devices.n)
    builder = Builder(ctx, pop, sim, out, np.random.default_rng([seed, 2]))
    builder.anon_text = uuid_ids(np.arange(sim.anon_next), 0xA11)

    tables: dict[str, Table] = {}
    events, logical = builder.events(drift)
    tables["events/app_events"] = events
    # first app_open of every install, as delivered (device clock, in UTC)
    ev_idx = logical["idx"]
    first_open = first_open_by_install(
        sim.ev["anon"][ev_idx], sim.ev["etype"][ev_idx], logical["occurred"], sim.anon_next
    )
    mk = Marketing(ctx, np.random.default_rng([seed, 3]), sim.inst, first_open, users)
    base = t0 - 40 * DAY
    channel = user_channels(mk.touch, pop.n, first_open, pop.referral_code, base)
    # installs the affiliate networks can claim: last click on their link
    inst_anon = sim.inst["anon"]
    lc = last_click(mk.touch, inst_anon, first_open[inst_anon], base)
    attributed: dict[int, list[int]] = {}
    aff = np.nonzero((lc >= 0) & (mk.touch["platform"][np.maximum(lc, 0)] == 2))[0]
    for i in aff.tolist():
        p = int(mk.touch["campaign"][lc[i]])
        attributed.setdefault(p, []).append(int(first_open[inst_anon[i]] // DAY))

    tables["app/users"] = builder.users()
    tables["payments/payment_attempts"] = builder.payments()
    tables["payments/chargebacks"] = builder.chargebacks()
    tables["payments/payouts"] = builder.payouts()
    tables["trading/trades"] = builder.trades()
    tables["promotions/redemptions"] = builder.redemptions()
    tables["marketing/search_ads"] = mk.search_table()
    social_drift = int(rng.integers(days // 3, max(days // 3 + 1, 2 * days // 3))) * 24 + 6
    tables["marketing/social_ads"] = mk.social_table(social_drift)
    tables["marketing/affiliate"] = mk.affiliate_table(attributed)
    tables["marketing/touchpoints"] = mk.touch_table(builder.anon_text)
    tables["support/tickets"] = builder.tickets()
    tables["risk/decisions"] = builder.decisions()
    tables["risk/case_outcomes"] = builder.cases()
    tables["reference/fx_rates"] = mk.fx_table()

    bad_rng = np.random.default_rng([seed, 4])
    for name in TABLE_ORDER:
        reasons = BAD_REASONS[name]
        plant_bad(tables[name], bad_rng, BAD_RATE, len(reasons), reasons)

    # replace a previous zone: only the folders this generator owns
    for folder in sorted({n.split("/")[0] for n in TABLE_ORDER} | {"_truth"}):
        shutil.rmtree(os.path.join(out_dir, folder), ignore_errors=True)
    os.makedirs(out_dir, exist_ok=True)
    file_stats = {}
    for k, name in enumerate(TABLE_ORDER):
        file_stats[name] = write_table(
            tables[name], out_dir, t0, ctx.hours, np.random.default_rng([seed, 5, k])
        )

    # ground truth
    truth_dir = os.path.join(out_dir, "_truth")
    fraud, typology, group = pop.labels()
    write_truth_csv(
        os.path.join(truth_dir, "users.csv"),
        ["user_id", "is_fraud", "typology", "group_id", "channel"],
        [
            (
                pop.user_id[i],
                "true" if fraud[i] else "false",
                typology[i] or "",
                group[i] or "",
                ref.CHANNELS[channel[i]],
            )
            for i in range(pop.n)
        ],
    )
    write_truth_csv(
        os.path.join(truth_dir, "spend.csv"),
        ["channel", "campaign_id", "report_date", "spend_usd"],
        spend_rows(
            tables["marketing/search_ads"],
            tables["marketing/social_ads"],
            tables["marketing/affiliate"],
            tables["reference/fx_rates"],
        ),
    )
    bad = []
    for name in TABLE_ORDER:
        bad += bad_record_rows(tables[name], t0)
    write_truth_csv(
        os.path.join(truth_dir, "bad_records.csv"), ["source_table", "batch", "key", "reason"], bad
    )
    write_truth_csv(
        os.path.join(truth_dir, "row_counts.csv"),
        ["source_table", "raw_rows"],
        [(name, tables[name].n) for name in TABLE_ORDER],
    )

    summary = _summary(pop, out, tables, builder, file_stats, channel, bad)
    summary["seconds"] = round(time.perf_counter() - clock, 2)
    if verbose:
        _print_summary(summary)
    return summary


def _summary(pop, out, tables, builder, file_stats, channel, bad) -> dict:
    fraud, typology, group = pop.labels()
    sizes: dict[str, list[int]] = {}
    for g in pop.groups:
        sizes.setdefault(g.typology, []).append(int(g.members.size))
    dec = out.dec
    strong_users = np.unique(dec["user"][dec["action"] >= 2])
    caught = np.isin(np.nonzero(fraud)[0], strong_users).mean() if fraud.any() else 0.0
    benign_flagged = np.isin(np.nonzero(~fraud)[0], strong_users).mean()
    reasons: dict[str, int] = {}
    for _t, _b, _k, r in bad:
        reasons[r] = reasons.get(r, 0) + 1
    return {
        "users": int(pop.n),
        "fraud_users": int(fraud.sum()),
        "fraud_share": round(float(fraud.mean()), 4),
        "by_typology": {t: int((typology == t).sum()) for t in ref.TYPOLOGIES},
        "group_sizes": sizes,
        "test_accounts": int(pop.is_test.sum()),
        "channels": {c: int((channel == i).sum()) for i, c in enumerate(ref.CHANNELS)},
        "engine_review_or_block_share_of_fraud": round(float(caught), 3),
        "engine_review_or_block_share_of_benign": round(float(benign_flagged), 4),
        "rows": {name: t.n for name, t in tables.items()},
        "bad_records": len(bad),
        "bad_by_reason": reasons,
        "quirks": builder.stats,
        "files": file_stats,
    }


def _print_summary(s: dict) -> None:
    print(
        f"users={s['users']} fraud={s['fraud_users']} ({s['fraud_share']:.2%}) "
        f"test={s['test_accounts']} in {s['seconds']}s"
    )
    print("typologies:", s["by_typology"])
    print("group sizes:", {k: sorted(v) for k, v in s["group_sizes"].items()})
    print("channels:", s["channels"])
    print(
        "engine review/block share: fraud",
        s["engine_review_or_block_share_of_fraud"],
        "benign",
        s["engine_review_or_block_share_of_benign"],
    )
    print("rows:", s["rows"])
    print("bad records:", s["bad_records"], s["bad_by_reason"])
    print("quirks:", s["quirks"])
    for name, st in s["files"].items():
        print(f"  {name}: {st}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="landing root to (re)write")
    p.add_argument("--users", type=int, default=2000)
    p.add_argument("--days", type=int, default=14)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--start", default=DEFAULT_START, help="first UTC day, YYYY-MM-DD")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    try:
        generate(a.out, a.users, a.days, a.seed, a.start, verbose=not a.quiet)
    except BrokenPipeError:  # the summary was piped into a pager that closed early
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
