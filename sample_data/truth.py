"""Ground truth computed from what was actually delivered: each user's acquisition channel (the
contract's last-click definition) and the final spend per campaign and reporting day in USD."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from sample_data import reference as ref
from sample_data.landing import Table
from sample_data.util import DAY

PLATFORM_CHANNEL = [ref.CH_SEARCH, ref.CH_SOCIAL, ref.CH_AFFILIATE]
LOOKBACK = 7 * DAY


def first_open_by_install(
    anon: np.ndarray, etype: np.ndarray, occurred: np.ndarray, n_anon: int
) -> np.ndarray:
    """Earliest occurred_at (UTC seconds) of any app_open per install; -1 if none."""
    fo = np.full(n_anon, np.iinfo(np.int64).max, dtype=np.int64)
    sel = etype == ref.EV_APP_OPEN
    np.minimum.at(fo, anon[sel], occurred[sel])
    fo[fo == np.iinfo(np.int64).max] = -1
    return fo


def last_click(touch: dict, anon: np.ndarray, fo: np.ndarray, base: int) -> np.ndarray:
    """Index (into ``touch``) of the last click in [fo - 7 days, fo) of each install, or -1."""
    clicks = np.nonzero(touch["type"] == 1)[0]
    key = touch["anon"][clicks] * (1 << 32) + (touch["t"][clicks] - base)
    order = np.argsort(key, kind="stable")
    key, clicks = key[order], clicks[order]
    q = np.asarray(anon, dtype=np.int64) * (1 << 32) + (np.asarray(fo) - base)
    pos = np.searchsorted(key, q, "left") - 1
    out = np.full(q.size, -1, dtype=np.int64)
    ok = (pos >= 0) & (np.asarray(fo) >= 0)
    cand = clicks[np.maximum(pos, 0)]
    ok &= touch["anon"][cand] == anon
    ok &= touch["t"][cand] >= np.asarray(fo) - LOOKBACK
    ok &= touch["t"][cand] < np.asarray(fo)
    out[ok] = cand[ok]
    return out


def user_channels(
    touch: dict, n_users: int, fo: np.ndarray, referral_code: np.ndarray, base: int
) -> np.ndarray:
    users = np.arange(n_users)  # the signup install of user i is install handle i
    lc = last_click(touch, users, fo[users], base)
    ch = np.where(
        np.array([c is not None for c in referral_code.tolist()]), ref.CH_REFERRAL, ref.CH_ORGANIC
    )
    has = lc >= 0
    ch[has] = np.asarray(PLATFORM_CHANNEL)[touch["platform"][lc[has]]]
    return ch


def _latest_valid(table: Table) -> dict[tuple, int]:
    """Row index of the latest valid delivery per key (latest batch; later in file wins)."""
    best: dict[tuple, tuple[int, int]] = {}
    order = np.lexsort((np.arange(table.n), table.order, table.batch))
    for i in order.tolist():
        if table.bad[i] is not None:
            continue
        key = tuple(table.data[k][i] for k in table.key)
        best[key] = (int(table.batch[i]), i)
    return {k: v[1] for k, v in best.items()}


def fx_lookup(fx: Table):
    rates: dict[str, list[tuple[str, Decimal]]] = {}
    for (date, cur), i in _latest_valid(fx).items():
        rates.setdefault(cur, []).append((date, Decimal(fx.data["usd_per_unit"][i])))
    for cur in rates:
        rates[cur].sort()

    def rate(cur: str, date: str) -> Decimal:
        best = None
        for d, r in rates.get(cur, []):
            if d <= date:
                best = r
            else:
                break
        if best is None:
            raise KeyError(f"no FX rate for {cur} on or before {date}")
        return best

    return rate


def spend_rows(search: Table, social: Table, affiliate: Table, fx: Table) -> list[tuple]:
    rate = fx_lookup(fx)
    q = Decimal("0.000001")
    rows = []
    for (date, cid), i in _latest_valid(search).items():
        amount = Decimal(int(search.data["cost_micros"][i])) / Decimal(1_000_000)
        usd = (amount * rate(search.data["currency"][i], date)).quantize(q, ROUND_HALF_UP)
        rows.append(("paid_search", cid, date, f"{usd:f}"))
    for (date, cid), i in _latest_valid(social).items():
        amount = Decimal(social.data["spend"][i])
        usd = (amount * rate(social.data["account_currency"][i], date)).quantize(q, ROUND_HALF_UP)
        rows.append(("paid_social", cid, date, f"{usd:f}"))
    for (date, pid), i in _latest_valid(affiliate).items():
        amount = Decimal(affiliate.data["payout_amount"][i])
        usd = (amount * rate(affiliate.data["payout_currency"][i], date)).quantize(q, ROUND_HALF_UP)
        rows.append(("affiliate", pid, date, f"{usd:f}"))
    rows.sort()
    return rows
