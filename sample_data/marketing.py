"""Marketing: the touchpoints on the way to each install, the ad platforms' daily reports (with
restatements) and the daily FX reference feed."""

from __future__ import annotations

import numpy as np

from sample_data import reference as ref
from sample_data.activity import INSTALL_ATTACKER, INSTALL_REINSTALL
from sample_data.landing import Table
from sample_data.money import PER_USD
from sample_data.population import Ctx
from sample_data.util import DAY, fmt_date, fmt_utc, hex_ids, uuid_ids, weekday

P_SEARCH, P_SOCIAL, P_AFFILIATE = range(3)

SEARCH_CAMPAIGNS = [
    (ai, cid, name, utm)
    for ai, (_tz, _cur, camps) in enumerate(ref.SEARCH_ACCOUNTS)
    for cid, name, utm in camps
]


class DailyFeed:
    """Delivery days of a daily feed: day d arrives on day d+1 at 06:00 UTC; the first delivery
    also carries the history; a missing day's rows arrive with the next delivery."""

    def __init__(self, ctx: Ctx, rng: np.random.Generator):
        self.day0 = ctx.t0 // DAY
        self.day_end = ctx.t_end // DAY  # last delivery day (the morning after the window)
        days = np.arange(self.day0, self.day_end + 1)
        missing = rng.random(days.size) < 0.02
        missing[0] = missing[-1] = False
        self.missing_days = days[missing].tolist()
        self.existing = days[~missing]

    def delivery_day(self, report_day: np.ndarray) -> np.ndarray:
        d = np.maximum(np.asarray(report_day, dtype=np.int64) + 1, self.day0)
        pos = np.searchsorted(self.existing, d, "left")
        out = np.full(d.shape, -1, dtype=np.int64)
        ok = pos < self.existing.size
        out[ok] = self.existing[pos[ok]]
        return out

    def batch_of(self, delivery_day: np.ndarray) -> np.ndarray:
        return (np.asarray(delivery_day) - self.day0) * 24 + 6

    @property
    def files(self) -> list[int]:
        return self.batch_of(self.existing).tolist()


class Marketing:
    def __init__(
        self, ctx: Ctx, rng: np.random.Generator, inst: dict, first_open: np.ndarray, n_users: int
    ):
        self.ctx, self.rng = ctx, rng
        self.day0 = ctx.t0 // DAY
        self.first_day = self.day0 - 7
        self.last_day = ctx.t_end // DAY - 1
        self.scale = max(n_users / 2000.0, 0.2)
        self._weights()
        self._touchpoints(inst, first_open)

    def _weights(self) -> None:
        rng = self.rng
        self.w_search = rng.dirichlet(np.full(len(SEARCH_CAMPAIGNS), 3.0))
        self.w_social = rng.dirichlet(np.full(len(ref.SOCIAL_CAMPAIGNS), 3.0))
        w = np.array([0.3, 0.25, 0.2, 0.03, 0.22])
        self.w_aff = w / w.sum()

    def _campaigns(self, platform: np.ndarray) -> np.ndarray:
        rng = self.rng
        out = np.empty(platform.size, dtype=np.int64)
        for p, w in (
            (P_SEARCH, self.w_search),
            (P_SOCIAL, self.w_social),
            (P_AFFILIATE, self.w_aff),
        ):
            sel = np.nonzero(platform == p)[0]
            out[sel] = rng.choice(w.size, sel.size, p=w)
        return out

    # ------------------------------------------------------------------ touchpoints
    def _touchpoints(self, inst: dict, first_open: np.ndarray) -> None:
        ctx, rng = self.ctx, self.rng
        keep = inst["kind"] != INSTALL_ATTACKER
        anon = inst["anon"][keep]
        fo = first_open[anon]
        channel = inst["channel"][keep]
        partner = inst["partner"][keep]
        kind = inst["kind"][keep]
        n = anon.size
        paid = channel <= ref.CH_AFFILIATE
        # the last click before the first open (for installs that came through an ad)
        lag = np.exp(rng.normal(np.log(3 * 3600), 1.4, n)).clip(90, 6.5 * DAY)
        far = rng.random(n) < 0.03
        lag[far] = rng.uniform(7.2 * DAY, 12 * DAY, int(far.sum()))
        lc_t = fo - lag.astype(np.int64)
        p_idx = np.nonzero(paid)[0]
        lc_platform = channel[p_idx]
        lc_campaign = self._campaigns(lc_platform)
        fixed = partner[p_idx] >= 0
        lc_campaign[fixed] = partner[p_idx][fixed]
        # other impressions and clicks: earlier, from any platform, and some after install
        k = rng.poisson(np.where(paid, 2.2, np.where(kind == INSTALL_REINSTALL, 0.5, 0.6)))
        owner = np.repeat(np.arange(n), k)
        anchor = np.where(paid, lc_t, fo)[owner]
        after = rng.random(owner.size) < np.where(paid[owner], 0.15, 0.3)
        t = np.where(
            after,
            fo[owner] + rng.integers(60, 5 * DAY, owner.size),
            anchor - rng.integers(60, 7 * DAY, owner.size),
        )
        platform = rng.choice(3, owner.size, p=[0.4, 0.45, 0.15])
        ttype = (rng.random(owner.size) < 0.3).astype(np.int64)
        in_window = (t < fo[owner]) & (t >= fo[owner] - 7 * DAY)
        ttype[~paid[owner] & in_window] = 0  # organic journeys: no recent ad click
        campaign = self._campaigns(platform)
        all_anon = np.concatenate([anon[p_idx], anon[owner]])
        all_t = np.concatenate([lc_t[p_idx], t]).astype(np.int64)
        all_type = np.concatenate([np.ones(p_idx.size, dtype=np.int64), ttype])
        all_platform = np.concatenate([lc_platform, platform])
        all_campaign = np.concatenate([lc_campaign, campaign])
        ok = (all_t >= (self.day0 - 7) * DAY) & (all_t < ctx.t_end)
        all_anon, all_t, all_type = all_anon[ok], all_t[ok], all_type[ok]
        all_platform, all_campaign = all_platform[ok], all_campaign[ok]
        # no touch exactly on a window boundary, and distinct times within an install
        fo_t = first_open[all_anon]
        all_t[all_t == fo_t] -= 1
        all_t[all_t == fo_t - 7 * DAY] -= 1
        order = np.lexsort((all_t, all_anon))
        all_anon, all_t = all_anon[order], all_t[order]
        all_type, all_platform, all_campaign = (
            all_type[order],
            all_platform[order],
            all_campaign[order],
        )
        for _ in range(10):
            dup = np.nonzero((all_anon[1:] == all_anon[:-1]) & (all_t[1:] <= all_t[:-1]))[0] + 1
            if dup.size == 0:
                break
            all_t[dup] = all_t[dup - 1] + 1
        fo_t = first_open[all_anon]
        all_t[all_t == fo_t] += 1
        self.touch = {
            "anon": all_anon,
            "t": all_t,
            "type": all_type,
            "platform": all_platform,
            "campaign": all_campaign,
        }

    def touch_table(self, anon_text: list[str]) -> Table:
        rng, tp = self.rng, self.touch
        n = tp["t"].size
        feed = DailyFeed(self.ctx, rng)
        utm = np.empty(n, dtype=object)
        utm_campaign = np.empty(n, dtype=object)
        campaign_id = np.empty(n, dtype=object)
        variant = rng.integers(0, 64, n)
        for p in range(3):
            sel = np.nonzero(tp["platform"] == p)[0]
            camp = tp["campaign"][sel].tolist()
            var = variant[sel].tolist()
            if p == P_SEARCH:
                utm[sel] = [ref.SEARCH_UTM[v % len(ref.SEARCH_UTM)] for v in var]
                cid = [SEARCH_CAMPAIGNS[c][1] for c in camp]
                uc = [SEARCH_CAMPAIGNS[c][3] for c in camp]
            elif p == P_SOCIAL:
                utm[sel] = [ref.SOCIAL_UTM[v % len(ref.SOCIAL_UTM)] for v in var]
                cid = [ref.SOCIAL_CAMPAIGNS[c][0] for c in camp]
                uc = [ref.SOCIAL_CAMPAIGNS[c][2] for c in camp]
            else:
                utm[sel] = [
                    ref.AFFILIATE_UTM[v % len(ref.AFFILIATE_UTM)].format(p=ref.AFFILIATES[c][0])
                    for v, c in zip(var, camp, strict=True)
                ]
                cid = [ref.AFFILIATES[c][0] for c in camp]
                uc = ["cpi_2026" if v % 3 else "cashback_offer" for v in var]
            campaign_id[sel] = cid
            utm_campaign[sel] = uc
        campaign_id[rng.random(n) < 0.08] = None
        utm_campaign[rng.random(n) < 0.04] = None
        day = tp["t"] // DAY
        batch = feed.batch_of(feed.delivery_day(day))
        t = Table(
            "marketing/touchpoints",
            "jsonl",
            [
                "touch_id",
                "anonymous_id",
                "touched_at",
                "touch_type",
                "utm_source",
                "utm_campaign",
                "campaign_id",
            ],
            key=["touch_id"],
            hourly=False,
            kinds={"utm_source": "text"},
            ts_col="touched_at",
        )
        t.set_rows(
            {
                "touch_id": hex_ids(np.arange(n), 0x70C4, "tp_"),
                "anonymous_id": [anon_text[a] for a in tp["anon"].tolist()],
                "touched_at": fmt_utc(tp["t"]),
                "touch_type": np.where(tp["type"] == 1, "click", "impression").astype(object),
                "utm_source": utm,
                "utm_campaign": utm_campaign,
                "campaign_id": campaign_id,
            },
            batch,
            tp["t"],
        )
        t.files = feed.files
        return t

    # ------------------------------------------------------------------ ad reports
    def _versions(
        self, feed: DailyFeed, day: np.ndarray, p_restate: np.ndarray, partial: np.ndarray
    ):
        """Deliveries of each report row: (row, factor, batch); the last one is final."""
        rng = self.rng
        n = day.size
        n_re = np.where(rng.random(n) < p_restate, rng.choice([1, 1, 1, 2, 2, 3], n), 0)
        n_re = np.where(partial, np.maximum(n_re, 1), n_re)
        rows, dels, facs = [], [], []
        first = feed.delivery_day(day)
        for v in range(4):
            sel = np.nonzero(n_re >= v)[0]
            dd = np.where(first[sel] >= 0, first[sel] + v, -1)
            if v > 0:  # a missing day moves on to the next delivery
                dd = np.where(dd >= 0, feed.delivery_day(dd - 1), -1)
            final = n_re[sel] == v
            fac = np.where(
                final,
                1.0,
                np.where(
                    partial[sel] & (v == 0),
                    rng.uniform(0.82, 0.95, sel.size),
                    rng.uniform(0.94, 1.07, sel.size),
                ),
            )
            rows.append(sel)
            dels.append(dd)
            facs.append(fac)
        rows, dels, facs = np.concatenate(rows), np.concatenate(dels), np.concatenate(facs)
        ok = (dels >= 0) & (dels <= feed.day_end)
        rows, dels, facs = rows[ok], dels[ok], facs[ok]
        # one version per row and file: the latest
        order = np.lexsort((np.arange(rows.size), dels, rows))
        rows, dels, facs = rows[order], dels[order], facs[order]
        last = np.concatenate([(rows[1:] != rows[:-1]) | (dels[1:] != dels[:-1]), [True]])
        return rows[last], facs[last], feed.batch_of(dels[last])

    def search_table(self) -> Table:
        ctx, rng, tp = self.ctx, self.rng, self.touch
        feed = DailyFeed(ctx, rng)
        days = np.arange(self.first_day, self.last_day + 1)
        rows = []
        sel = tp["platform"] == P_SEARCH
        for ci, (ai, _cid, _name, _utm) in enumerate(SEARCH_CAMPAIGNS):
            tz_name, cur, _ = ref.SEARCH_ACCOUNTS[ai]
            tz = ctx.tzt.index[tz_name]
            mine = sel & (tp["campaign"] == ci)
            ld = ctx.tzt.local_day(np.full(int(mine.sum()), tz), tp["t"][mine])
            clicks_tr = np.bincount(
                np.clip(ld[tp["type"][mine] == 1] - self.first_day, 0, days.size),
                minlength=days.size + 1,
            )[: days.size]
            base = max(2.0, self.scale * rng.uniform(1, 5))
            clicks = (
                np.round(clicks_tr * rng.uniform(2.5, 4.0, days.size)).astype(np.int64)
                + rng.poisson(base, days.size)
                + 1
            )
            impressions = np.round(clicks * rng.uniform(12, 40, days.size)).astype(np.int64)
            cpc = rng.uniform(0.8, 3.5) * rng.uniform(0.85, 1.15, days.size)
            ci_cur = ref.CUR_INDEX[cur]
            major = clicks * cpc * PER_USD[ci_cur]
            rows.append(
                (
                    days,
                    np.full(days.size, ci),
                    np.full(days.size, ai),
                    clicks,
                    impressions,
                    major,
                    np.full(days.size, ci_cur),
                    np.full(days.size, tz_name == "America/Los_Angeles"),
                )
            )
        day, camp, acct, clicks, imps, major, cur, partial = (
            np.concatenate(x) for x in zip(*rows, strict=True)
        )
        r, fac, batch = self._versions(feed, day, np.full(day.size, 0.25), partial)
        exp = np.asarray(ref.CUR_EXP)[cur[r]]
        minor = np.maximum(np.round(major[r] * fac * 10.0**exp), 1).astype(np.int64)
        micros = minor * 10 ** (6 - exp)
        t = Table(
            "marketing/search_ads",
            "csv",
            [
                "report_date",
                "account_timezone",
                "campaign_id",
                "campaign_name",
                "impressions",
                "clicks",
                "cost_micros",
                "currency",
            ],
            key=["report_date", "campaign_id"],
            hourly=False,
            ts_col="report_date",
            ts_kind="date",
            amount_col="cost_micros",
            currency_col="currency",
        )
        t.set_rows(
            {
                "report_date": fmt_date(day[r]),
                "account_timezone": [ref.SEARCH_ACCOUNTS[a][0] for a in acct[r].tolist()],
                "campaign_id": [SEARCH_CAMPAIGNS[c][1] for c in camp[r].tolist()],
                "campaign_name": [SEARCH_CAMPAIGNS[c][2] for c in camp[r].tolist()],
                "impressions": np.round(imps[r] * fac).astype(np.int64).tolist(),
                "clicks": np.maximum(np.round(clicks[r] * fac), 1).astype(np.int64).tolist(),
                "cost_micros": micros.tolist(),
                "currency": [ref.CURRENCY_CODES[c] for c in cur[r].tolist()],
            },
            batch,
            camp[r],
        )
        t.files = feed.files
        return t

    def social_table(self, drift_from: int) -> Table:
        ctx, rng, tp = self.ctx, self.rng, self.touch
        feed = DailyFeed(ctx, rng)
        days = np.arange(self.first_day, self.last_day + 1)
        rows = []
        sel = tp["platform"] == P_SOCIAL
        for ci, (_cid, _name, _utm, cur) in enumerate(ref.SOCIAL_CAMPAIGNS):
            mine = sel & (tp["campaign"] == ci)
            d = np.clip(tp["t"][mine] // DAY - self.first_day, 0, days.size)
            clicks_tr = np.bincount(d[tp["type"][mine] == 1], minlength=days.size + 1)[: days.size]
            imps_tr = np.bincount(d, minlength=days.size + 1)[: days.size]
            base = max(2.0, self.scale * rng.uniform(1, 6))
            clicks = (
                np.round(clicks_tr * rng.uniform(2, 4, days.size)).astype(np.int64)
                + rng.poisson(base, days.size)
                + 1
            )
            imps = np.round(
                imps_tr * rng.uniform(15, 30, days.size) + clicks * rng.uniform(40, 90, days.size)
            ).astype(np.int64)
            cpm = rng.uniform(5, 12) * rng.uniform(0.9, 1.1, days.size)
            ci_cur = ref.CUR_INDEX[cur]
            major = imps / 1000.0 * cpm * PER_USD[ci_cur]
            rows.append(
                (days, np.full(days.size, ci), clicks, imps, major, np.full(days.size, ci_cur))
            )
        day, camp, clicks, imps, major, cur = (np.concatenate(x) for x in zip(*rows, strict=True))
        r, fac, batch = self._versions(
            feed, day, np.full(day.size, 0.3), np.zeros(day.size, dtype=bool)
        )
        cents = np.maximum(np.round(major[r] * fac * 100), 1).astype(np.int64)
        imps_v = np.round(imps[r] * fac).astype(np.int64)
        t = Table(
            "marketing/social_ads",
            "jsonl",
            [
                "date_start",
                "campaign_id",
                "campaign_name",
                "impressions",
                "clicks",
                "spend",
                "account_currency",
            ],
            key=["date_start", "campaign_id"],
            hourly=False,
            kinds={"campaign_name": "text", "clicks": "int", "reach": "int", "frequency": "raw"},
            drift=[("reach", drift_from), ("frequency", drift_from)],
            ts_col="date_start",
            ts_kind="date",
            amount_col="spend",
            amount_kind="dec",
            currency_col="account_currency",
        )
        reach = np.maximum((imps_v / rng.uniform(1.2, 2.5, r.size)).astype(np.int64), 1)
        t.set_rows(
            {
                "date_start": fmt_date(day[r]),
                "campaign_id": [ref.SOCIAL_CAMPAIGNS[c][0] for c in camp[r].tolist()],
                "campaign_name": [ref.SOCIAL_CAMPAIGNS[c][1] for c in camp[r].tolist()],
                "impressions": [str(v) for v in imps_v.tolist()],
                "clicks": np.maximum(np.round(clicks[r] * fac), 1).astype(np.int64).tolist(),
                "spend": [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()],
                "account_currency": [ref.CURRENCY_CODES[c] for c in cur[r].tolist()],
                "reach": reach.tolist(),
                "frequency": [f"{v:.2f}" for v in (imps_v / reach).tolist()],
            },
            batch,
            camp[r],
        )
        t.files = feed.files
        return t

    def affiliate_table(self, attributed: dict) -> Table:
        """``attributed``: partner index -> install days (UTC) attributed to the partner."""
        ctx, rng, tp = self.ctx, self.rng, self.touch
        feed = DailyFeed(ctx, rng)
        days = np.arange(self.first_day, self.last_day + 1)
        rows = []
        sel = tp["platform"] == P_AFFILIATE
        for pi, (_pid, _name, cur, cpi, friendly) in enumerate(ref.AFFILIATES):
            mine = sel & (tp["campaign"] == pi) & (tp["type"] == 1)
            d = np.clip(tp["t"][mine] // DAY - self.first_day, 0, days.size)
            clicks_tr = np.bincount(d, minlength=days.size + 1)[: days.size]
            inst_d = np.clip(
                np.asarray(attributed.get(pi, []), dtype=np.int64) - self.first_day, 0, days.size
            )
            inst_tr = np.bincount(inst_d, minlength=days.size + 1)[: days.size]
            clicks = np.round(clicks_tr * rng.uniform(1.5, 3, days.size)).astype(
                np.int64
            ) + rng.poisson(1.0, days.size)
            infl = (
                rng.uniform(1.2, 1.6, days.size) if friendly else rng.uniform(1.0, 1.3, days.size)
            )
            installs = np.round(inst_tr * infl).astype(np.int64) + rng.poisson(
                max(0.5, self.scale * rng.uniform(0.3, 1.5)), days.size
            )
            ci_cur = ref.CUR_INDEX[cur]
            major = (installs * cpi + clicks * 0.03) * PER_USD[ci_cur]
            keep = (clicks > 0) | (installs > 0)
            rows.append(
                (
                    days[keep],
                    np.full(int(keep.sum()), pi),
                    clicks[keep],
                    installs[keep],
                    major[keep],
                    np.full(int(keep.sum()), ci_cur),
                )
            )
        day, part, clicks, installs, major, cur = (
            np.concatenate(x) for x in zip(*rows, strict=True)
        )
        r, fac, batch = self._versions(
            feed, day, np.full(day.size, 0.2), np.zeros(day.size, dtype=bool)
        )
        cents = np.maximum(np.round(major[r] * fac * 100), 1).astype(np.int64)
        t = Table(
            "marketing/affiliate",
            "csv",
            [
                "day",
                "partner_id",
                "partner_name",
                "clicks",
                "installs",
                "payout_amount",
                "payout_currency",
            ],
            key=["day", "partner_id"],
            hourly=False,
            ts_col="day",
            ts_kind="date",
            amount_col="payout_amount",
            amount_kind="dec",
            currency_col="payout_currency",
        )
        t.set_rows(
            {
                "day": fmt_date(day[r]),
                "partner_id": [ref.AFFILIATES[p][0] for p in part[r].tolist()],
                "partner_name": [ref.AFFILIATES[p][1] for p in part[r].tolist()],
                "clicks": clicks[r].tolist(),
                "installs": np.round(installs[r] * np.minimum(fac, 1.0)).astype(np.int64).tolist(),
                "payout_amount": [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()],
                "payout_currency": [ref.CURRENCY_CODES[c] for c in cur[r].tolist()],
            },
            batch,
            part[r],
        )
        t.files = feed.files
        return t

    # ------------------------------------------------------------------ FX
    def fx_table(self) -> Table:
        ctx, rng = self.ctx, self.rng
        feed = DailyFeed(ctx, rng)
        dates = np.arange(self.day0 - 9, self.last_day + 1)
        present = (weekday(dates) < 5) & (rng.random(dates.size) >= 0.02)
        present[dates <= self.day0 - 7] = weekday(dates[dates <= self.day0 - 7]) < 5
        dates = dates[present]
        n_c = len(ref.CURRENCY_CODES)
        steps = rng.normal(0, 0.004, (dates.size, n_c))
        steps[0] = 0
        level = np.exp(np.cumsum(steps, axis=0)) / np.asarray(ref.CUR_PER_USD)[None, :]
        level[:, ref.CUR_INDEX["USD"]] = 1.0
        d = np.repeat(dates, n_c)
        c = np.tile(np.arange(n_c), dates.size)
        rate = level.ravel()
        batch = feed.batch_of(feed.delivery_day(d))
        t = Table(
            "reference/fx_rates",
            "csv",
            ["rate_date", "currency", "usd_per_unit"],
            key=["rate_date", "currency"],
            hourly=False,
            ts_col="rate_date",
            ts_kind="date",
            amount_col="usd_per_unit",
            amount_kind="dec",
            currency_col="currency",
        )
        t.set_rows(
            {
                "rate_date": fmt_date(d),
                "currency": [ref.CURRENCY_CODES[i] for i in c.tolist()],
                "usd_per_unit": [f"{v:.6f}" for v in rate.tolist()],
            },
            batch,
            d * 100 + c,
        )
        t.files = feed.files
        return t


def anon_texts(n: int, salt: int) -> list[str]:
    return uuid_ids(np.arange(n), salt)
