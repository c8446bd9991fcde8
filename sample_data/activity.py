"""What users do over the window: installs, sessions, payments, trades, payouts, bonuses, and
the behaviour of each fraud typology. Produces logical records (numbers and handles); the landing
module renders them into files.
"""

from __future__ import annotations

import numpy as np

from sample_data import reference as ref
from sample_data.money import EXP, to_scaled4, usd_to_minor
from sample_data.population import (
    ROLE_ATO,
    ROLE_BENIGN,
    ROLE_BF,
    ROLE_COL,
    ROLE_CT,
    ROLE_MULE,
    ROLE_TEST,
    Ctx,
    Population,
)
from sample_data.util import DAY, HOUR, sample_activity_times, split_counts

EV_COUNTRIES = ref.COUNTRY_CODES + [c for c, _ in ref.ATTACK_COUNTRIES]
PURPOSE = ["topup", "purchase"]
PAY_STATUS = ["succeeded", "declined", "failed"]
PAYOUT_STATUS = ["paid", "rejected", "pending"]
PROMO_CODES = ["WELCOME10", "REFER20", "SPRING5"]
PROMO_USD = [10.0, 20.0, 5.0]
# local units of a "promo dollar", per currency (a marketing price list, not an FX rate)
PROMO_UNITS = np.asarray(
    [
        {
            "USD": 1,
            "EUR": 1,
            "GBP": 1,
            "JPY": 150,
            "KWD": 0.3,
            "BRL": 5,
            "INR": 80,
            "CAD": 1.5,
            "AUD": 1.5,
            "MXN": 20,
        }[c]
        for c in ref.CURRENCY_CODES
    ],
    dtype=float,
)
INSTALL_SIGNUP, INSTALL_ANON, INSTALL_REINSTALL, INSTALL_ATTACKER = range(4)


class Acc:
    """Column chunks appended over time and concatenated once."""

    def __init__(self, **dtypes):
        self.dtypes = dtypes
        self.parts: dict[str, list[np.ndarray]] = {k: [] for k in dtypes}
        self.n = 0

    def add(self, **cols) -> np.ndarray:
        n = 1
        for v in cols.values():
            if np.ndim(v) > 0:
                n = len(v)
                break
        if n == 0:
            return np.empty(0, dtype=np.int64)
        for k, dt in self.dtypes.items():
            v = cols.get(k, None if dt is object else -1)
            if dt is object:
                if np.ndim(v) == 0 or isinstance(v, str):
                    arr = np.empty(n, dtype=object)
                    arr[:] = [v] * n
                else:
                    arr = np.empty(n, dtype=object)
                    arr[:] = list(v)
            else:
                arr = np.broadcast_to(np.asarray(v, dtype=dt), (n,)).copy()
            self.parts[k].append(arr)
        idx = np.arange(self.n, self.n + n)
        self.n += n
        return idx

    def build(self) -> dict[str, np.ndarray]:
        out = {}
        for k, dt in self.dtypes.items():
            if self.parts[k]:
                out[k] = np.concatenate(self.parts[k])
            else:
                out[k] = np.empty(0, dtype=dt)
        return out


class Sim:
    def __init__(self, ctx: Ctx, pop: Population):
        self.ctx, self.pop, self.rng = ctx, pop, ctx.rng
        n = pop.n
        self.events = Acc(
            user=np.int64,
            anon=np.int64,
            etype=np.int64,
            t=np.int64,
            device=np.int64,
            ip=np.int64,
            country=np.int64,
            tz=np.int64,
            listing=np.int64,
            aux=np.int64,
        )
        self.installs = Acc(
            anon=np.int64,
            user=np.int64,
            t=np.int64,
            device=np.int64,
            ip=np.int64,
            tz=np.int64,
            country=np.int64,
            channel=np.int64,
            kind=np.int64,
            partner=np.int64,
        )
        self.payments = Acc(
            user=np.int64,
            t=np.int64,
            amount=np.int64,
            cur=np.int64,
            purpose=np.int64,
            card=np.int64,
            status=np.int64,
            decline=np.int64,
            cb_reason=np.int64,
            cb_delay=float,
            risk=np.int64,
        )
        self.trades = Acc(
            buyer=np.int64,
            seller=np.int64,
            listing=np.int64,
            t=np.int64,
            price=np.int64,
            qty=np.int64,
            cur=np.int64,
            fee=np.int64,
        )
        self.payouts = Acc(
            user=np.int64,
            t=np.int64,
            amount=np.int64,
            cur=np.int64,
            account=np.int64,
            status=np.int64,
            risk=np.int64,
        )
        self.redemptions = Acc(
            user=np.int64, t=np.int64, code=np.int64, amount=np.int64, cur=np.int64
        )
        self.changes = Acc(user=np.int64, t=np.int64, field=object, value=object)
        self.tickets = Acc(
            user=np.int64,
            t=np.int64,
            category=np.int64,
            resolved=np.int64,
            resolution=object,
            csat=np.int64,
        )
        self.cases = Acc(
            user=np.int64,
            t=np.int64,
            closed=np.int64,
            source=object,
            outcome=object,
            typology=object,
        )
        self.forced = Acc(kind=object, index=np.int64, score=np.int64)  # risk overrides
        self.anon_next = n  # handles 0..n-1 are the signup installs
        self.reinstall_at = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        self.reinstall_anon = np.full(n, -1, dtype=np.int64)
        self.reinstall_device = np.full(n, -1, dtype=np.int64)
        self.login_scored = Acc(event=np.int64)

    # ================================================================== helpers
    def new_anon(self, k: int) -> np.ndarray:
        idx = np.arange(self.anon_next, self.anon_next + k, dtype=np.int64)
        self.anon_next += k
        return idx

    def anon_at(self, user: np.ndarray, t: np.ndarray) -> np.ndarray:
        user = np.asarray(user, dtype=np.int64)
        after = np.asarray(t) >= self.reinstall_at[user]
        return np.where(after, self.reinstall_anon[user], user)

    def device_at(self, user: np.ndarray, t: np.ndarray) -> np.ndarray:
        pop, rng = self.pop, self.rng
        user = np.asarray(user, dtype=np.int64)
        dev = np.where(
            (rng.random(user.size) < 0.15) & (pop.dev_secondary[user] >= 0),
            pop.dev_secondary[user],
            pop.dev_primary[user],
        )
        after = np.asarray(t) >= self.reinstall_at[user]
        return np.where(after, self.reinstall_device[user], dev)

    def ip_for(self, user: np.ndarray) -> np.ndarray:
        pop, rng = self.pop, self.rng
        user = np.asarray(user, dtype=np.int64)
        r = rng.random(user.size)
        ip = np.where(
            r < 0.55,
            pop.home_ip[user],
            np.where(pop.nat_ip[user] >= 0, pop.nat_ip[user], pop.home_ip[user]),
        )
        other = r >= 0.88
        ip[other] = (rng.integers(24, 220, int(other.sum())) << 24) + rng.integers(
            0, 1 << 24, int(other.sum())
        )
        return ip

    def user_event(self, user, etype, t, aux=-1, listing=-1, device=None, ip=None, anon=None):
        user = np.atleast_1d(np.asarray(user, dtype=np.int64))
        t = np.broadcast_to(np.asarray(t, dtype=np.int64), user.shape)
        pop = self.pop
        return self.events.add(
            user=user,
            anon=self.anon_at(user, t) if anon is None else anon,
            etype=etype,
            t=t,
            device=self.device_at(user, t) if device is None else device,
            ip=self.ip_for(user) if ip is None else ip,
            country=pop.country[user],
            tz=pop.tz[user],
            listing=listing,
            aux=aux,
        )

    def times_between(self, lo, hi, tz) -> np.ndarray:
        return sample_activity_times(
            self.rng,
            np.asarray(lo),
            np.asarray(hi),
            np.asarray(tz),
            self.ctx.tzt,
            np.asarray(ref.DIURNAL),
            ref.WEEKEND_BOOST,
        )

    def card_payment(
        self,
        user,
        t,
        amount,
        cur,
        card,
        purpose=0,
        p_decline=0.05,
        decline_p=(0.55, 0.12, 0.0, 0.08, 0.25),
        p_fail=0.008,
        cb_reason=-1,
        cb_delay=0.0,
        risk=0,
        p_cb=0.0,
    ):
        """Append payment attempts; returns (indices, succeeded mask)."""
        rng = self.rng
        user = np.atleast_1d(np.asarray(user, dtype=np.int64))
        n = user.size
        r = rng.random(n)
        status = np.where(r < p_decline, 1, np.where(r < p_decline + p_fail, 2, 0))
        dp = np.asarray(decline_p, dtype=float)
        decline = np.where(status == 1, rng.choice(5, n, p=dp / dp.sum()), -1)
        reason = np.where((status == 0) & (rng.random(n) < p_cb), cb_reason, -1)
        idx = self.payments.add(
            user=user,
            t=t,
            amount=amount,
            cur=cur,
            purpose=purpose,
            card=card,
            status=status,
            decline=decline,
            cb_reason=reason,
            cb_delay=cb_delay,
            risk=risk,
        )
        return idx, status == 0

    # ================================================================== installs, sessions
    def run(self) -> None:
        self._listings()
        self._signup_installs()
        self._anonymous_installs()
        self._reinstalls()
        self._sessions()
        self._topups()
        self._kyc_and_resets()
        self._fraud()
        self._redemptions()
        self._payouts()

    def _signup_installs(self) -> None:
        pop, rng, ctx = self.pop, self.rng, self.ctx
        n = pop.n
        r = rng.random(n)
        gap = np.where(
            r < 0.55,
            rng.uniform(60, 1800, n),
            np.where(r < 0.85, rng.uniform(1800, DAY, n), rng.uniform(DAY, 6 * DAY, n)),
        )
        first_open = pop.created - gap.astype(np.int64)
        early = first_open < ctx.t0 + 1
        first_open[early] = (
            ctx.t0
            + 1
            + (rng.random(int(early.sum())) * (pop.created[early] - ctx.t0 - 2)).astype(np.int64)
        )
        first_open = np.minimum(first_open, pop.created - 30)
        self.first_open = first_open
        users = np.arange(n)
        self.installs.add(
            anon=users,
            user=users,
            t=first_open,
            device=pop.signup_device,
            ip=pop.signup_ip,
            tz=pop.tz,
            country=pop.country,
            channel=pop.intended_channel,
            kind=INSTALL_SIGNUP,
            partner=pop.affiliate_partner,
        )
        # the install's opens before signup (user_id is null until the signup)
        self.events.add(
            user=-1,
            anon=users,
            etype=ref.EV_APP_OPEN,
            t=first_open,
            device=pop.signup_device,
            ip=pop.signup_ip,
            country=pop.country,
            tz=pop.tz,
            aux=rng.integers(0, 4, n),
        )
        extra = rng.choice([0, 0, 1, 2], n)
        owner = split_counts(extra)
        t_extra = first_open[owner] + (
            rng.random(owner.size) * (pop.created[owner] - first_open[owner])
        ).astype(np.int64)
        self.events.add(
            user=-1,
            anon=owner,
            etype=ref.EV_APP_OPEN,
            t=t_extra,
            device=pop.signup_device[owner],
            ip=pop.signup_ip[owner],
            country=pop.country[owner],
            tz=pop.tz[owner],
            aux=rng.integers(0, 4, owner.size),
        )
        # browsing before signing up
        nv = rng.poisson(0.8, n)
        owner = split_counts(nv)
        t_view = (
            first_open[owner]
            + 20
            + (
                rng.random(owner.size) * np.maximum(pop.created[owner] - first_open[owner] - 40, 1)
            ).astype(np.int64)
        )
        self.events.add(
            user=-1,
            anon=owner,
            etype=ref.EV_LISTING_VIEWED,
            t=t_view,
            device=pop.signup_device[owner],
            ip=pop.signup_ip[owner],
            country=pop.country[owner],
            tz=pop.tz[owner],
            listing=self.random_listings(owner.size),
            aux=rng.integers(0, 4, owner.size),
        )
        # the signup itself carries user_id and the install's anonymous_id
        self.signup_event = self.events.add(
            user=users,
            anon=users,
            etype=ref.EV_SIGNUP,
            t=pop.created,
            device=pop.signup_device,
            ip=pop.signup_ip,
            country=pop.country,
            tz=pop.tz,
            aux=rng.integers(0, 4, n),
        )

    def _anonymous_installs(self) -> None:
        """Installs that never sign up (they still have touchpoints and app opens)."""
        pop, rng, ctx = self.pop, self.rng, self.ctx
        k = int(pop.n * 0.3)
        anon = self.new_anon(k)
        w = np.array([c[1] for c in ref.COUNTRIES])
        country = rng.choice(len(ref.COUNTRIES), k, p=w / w.sum())
        tz = np.array(
            [ctx.tzt.index[ref.COUNTRIES[c][3][0][0]] for c in country.tolist()], dtype=np.int64
        )
        t = self.times_between(np.full(k, ctx.t0 + 1), np.full(k, ctx.t_end - 60), tz)
        dev = pop.devices.new(k)
        ip = (rng.integers(24, 220, k) << 24) + rng.integers(0, 1 << 24, k)
        nat = rng.random(k) < 0.3
        ip[nat] = rng.choice(pop.nat_ips, int(nat.sum()))
        mix = np.array([0.27, 0.3, 0.13, 0.0, 0.3])
        ch = rng.choice(5, k, p=mix)
        self.installs.add(
            anon=anon,
            user=-1,
            t=t,
            device=dev,
            ip=ip,
            tz=tz,
            country=country,
            channel=ch,
            kind=INSTALL_ANON,
        )
        self.events.add(
            user=-1,
            anon=anon,
            etype=ref.EV_APP_OPEN,
            t=t,
            device=dev,
            ip=ip,
            country=country,
            tz=tz,
            aux=rng.integers(0, 4, k),
        )
        more = rng.choice([0, 0, 1, 2], k)
        owner = split_counts(more)
        t2 = np.minimum(
            t[owner] + rng.uniform(300, 3 * DAY, owner.size).astype(np.int64), ctx.t_end - 30
        )
        self.events.add(
            user=-1,
            anon=anon[owner],
            etype=ref.EV_APP_OPEN,
            t=t2,
            device=dev[owner],
            ip=ip[owner],
            country=country[owner],
            tz=tz[owner],
            aux=rng.integers(0, 4, owner.size),
        )
        nv = rng.poisson(1.2, k)
        owner = split_counts(nv)
        self.events.add(
            user=-1,
            anon=anon[owner],
            etype=ref.EV_LISTING_VIEWED,
            t=np.minimum(t[owner] + rng.integers(15, 900, owner.size), ctx.t_end - 10),
            device=dev[owner],
            ip=ip[owner],
            country=country[owner],
            tz=tz[owner],
            listing=self.random_listings(owner.size),
            aux=rng.integers(0, 4, owner.size),
        )

    def _reinstalls(self) -> None:
        """A new phone: a new install id and device from some time after signup."""
        pop, rng = self.pop, self.rng
        cand = np.nonzero(
            ((pop.role == ROLE_BENIGN) | (pop.role == ROLE_ATO))
            & (pop.active_end - pop.created > 3 * DAY)
        )[0]
        pick = cand[rng.random(cand.size) < 0.05]
        lo = pop.created[pick] + DAY
        t = lo + (rng.random(pick.size) * (pop.active_end[pick] - lo)).astype(np.int64)
        self.reinstall_at[pick] = t
        self.reinstall_anon[pick] = self.new_anon(pick.size)
        self.reinstall_device[pick] = pop.devices.new(pick.size)
        # app_open of the new install, then a login on it
        self.user_event(pick, ref.EV_APP_OPEN, t, aux=0)
        idx = self.user_event(pick, ref.EV_LOGIN, t + rng.integers(20, 200, pick.size), aux=1)
        self.login_scored.add(event=idx)
        self.installs.add(
            anon=self.reinstall_anon[pick],
            user=pick,
            t=t,
            device=self.reinstall_device[pick],
            ip=pop.home_ip[pick],
            tz=pop.tz[pick],
            country=pop.country[pick],
            channel=rng.choice([ref.CH_SEARCH, ref.CH_SOCIAL, ref.CH_ORGANIC], pick.size),
            kind=INSTALL_REINSTALL,
        )

    def _listings(self) -> None:
        pop, rng = self.pop, self.rng
        sellers = np.nonzero(pop.is_seller & ((pop.role == ROLE_BENIGN) | (pop.role == ROLE_ATO)))[
            0
        ]
        count = 1 + rng.poisson(4, sellers.size)
        owner = sellers[split_counts(count)]
        usd = np.exp(rng.normal(np.log(25), 0.9, owner.size)).clip(2, 1500)
        cur = pop.currency[owner]
        price = usd_to_minor(usd, cur)
        # typical shop prices end in .99 or are round
        exp = EXP[cur]
        round_to = np.where(exp >= 2, 100, np.where(exp == 3, 1000, 10))
        nice = np.maximum(price // round_to, 1) * round_to
        price = np.where((rng.random(owner.size) < 0.6) & (exp >= 2), nice - 1, nice)
        self.listing_owner = owner
        self.listing_price = price
        self.listing_cur = cur
        self.n_benign_listings = owner.size
        self.seller_weight = pop.engagement[owner]

    def new_listings(self, owner: np.ndarray, price: np.ndarray, cur: np.ndarray) -> np.ndarray:
        start = self.listing_owner.size
        self.listing_owner = np.concatenate([self.listing_owner, owner])
        self.listing_price = np.concatenate([self.listing_price, price])
        self.listing_cur = np.concatenate([self.listing_cur, cur])
        return np.arange(start, start + owner.size)

    def random_listings(self, k: int) -> np.ndarray:
        if self.n_benign_listings == 0:
            return np.full(k, -1, dtype=np.int64)
        return self.rng.integers(0, self.n_benign_listings, k)

    def _sessions(self) -> None:
        pop, rng = self.pop, self.rng
        role = pop.role
        eng = pop.engagement.copy()
        eng[role == ROLE_TEST] *= 0.6
        eng[role == ROLE_BF] = 0.0
        eng[role == ROLE_CT] = 0.0
        eng[role == ROLE_COL] *= 1.2
        eng[role == ROLE_MULE] *= 0.6
        active_days = (pop.active_end - pop.created) / DAY
        n_sess = rng.poisson(eng * active_days * 0.8)
        owner = split_counts(n_sess)
        t = self.times_between(pop.created[owner] + 120, pop.active_end[owner], pop.tz[owner])
        self.session_events(owner, t, p_login=0.25, view_mean=1.8, p_buy=0.15)

    def session_events(self, owner, t, p_login, view_mean, p_buy, forced_listing=None):
        """app_open, maybe a login (after typos), listing views; some sessions buy."""
        pop, rng, ctx = self.pop, self.rng, self.ctx
        k = owner.size
        if k == 0:
            return
        t = np.asarray(t, dtype=np.int64)
        device = self.device_at(owner, t)
        ip = self.ip_for(owner)
        anon = self.anon_at(owner, t)
        country, tz = pop.country[owner], pop.tz[owner]

        def emit(sel, etype, tt, listing=-1, aux=None):
            return self.events.add(
                user=owner[sel],
                anon=anon[sel],
                etype=etype,
                t=tt,
                device=device[sel],
                ip=ip[sel],
                country=country[sel],
                tz=tz[sel],
                listing=listing,
                aux=rng.integers(0, 4, int(np.size(tt))) if aux is None else aux,
            )

        emit(np.arange(k), ref.EV_APP_OPEN, t)
        login = rng.random(k) < p_login
        typo = login & (rng.random(k) < 0.03)
        tf = t[typo] + rng.integers(3, 15, int(typo.sum()))
        emit(np.nonzero(typo)[0], ref.EV_LOGIN_FAILED, tf)
        tl = t[login] + rng.integers(16, 40, int(login.sum()))
        idx = emit(np.nonzero(login)[0], ref.EV_LOGIN, tl)
        scored = rng.random(idx.size) < 0.04
        self.login_scored.add(event=idx[scored])
        nv = rng.poisson(view_mean, k)
        if forced_listing is not None:
            nv = np.maximum(nv, 1)
        vo = split_counts(nv)
        step = rng.integers(8, 150, vo.size)
        first_of = np.minimum(np.concatenate([[0], np.cumsum(nv)[:-1]]), max(vo.size - 1, 0))
        cum = np.cumsum(step)
        base = np.repeat(cum[first_of] - step[first_of], nv) if vo.size else cum
        tv = t[vo] + 45 + (cum - base)
        listing = self.random_listings(vo.size)
        last_view = np.cumsum(nv) - 1
        has_view = nv > 0
        if forced_listing is not None:
            listing[last_view] = forced_listing
        elif p_buy > 0 and self.n_benign_listings:
            buyer_ok = np.isin(pop.role[owner], [ROLE_BENIGN, ROLE_ATO, ROLE_COL])
            buy = np.nonzero(has_view & buyer_ok & (rng.random(k) < p_buy))[0]
            buy = buy[pop.is_test[owner[buy]] == False]  # noqa: E712
            t_buy = tv[last_view[buy]] + rng.integers(20, 400, buy.size)
            lst, ok = self.pick_seller_listing(owner[buy], t_buy)
            buy, t_buy, lst = buy[ok], t_buy[ok], lst[ok]
            listing[last_view[buy]] = lst
            ok_time = t_buy < ctx.t_end - 5
            self.benign_trades(owner[buy[ok_time]], lst[ok_time], t_buy[ok_time])
        emit(vo, ref.EV_LISTING_VIEWED, tv, listing=listing)
        return t

    def pick_seller_listing(self, buyer: np.ndarray, t: np.ndarray):
        rng = self.rng
        w = self.seller_weight / self.seller_weight.sum()
        lst = rng.choice(self.n_benign_listings, buyer.size, p=w)
        for _ in range(4):
            owner = self.listing_owner[lst]
            bad = (owner == buyer) | (self.pop.created[owner] > t - HOUR)
            if not bad.any():
                break
            lst[bad] = rng.choice(self.n_benign_listings, int(bad.sum()), p=w)
        owner = self.listing_owner[lst]
        ok = (owner != buyer) & (self.pop.created[owner] <= t - HOUR)
        return lst, ok

    def benign_trades(self, buyer, lst, t) -> None:
        rng = self.rng
        qty = rng.choice([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3], buyer.size)
        self.add_trades(
            buyer,
            self.listing_owner[lst],
            lst,
            t,
            self.listing_price[lst],
            qty,
            self.listing_cur[lst],
        )
        card_pay = rng.random(buyer.size) < 0.35
        b = buyer[card_pay]
        card = np.where(
            (self.pop.card_secondary[b] >= 0) & (rng.random(b.size) < 0.2),
            self.pop.card_secondary[b],
            self.pop.card_primary[b],
        )
        self.card_payment(
            b,
            t[card_pay] - rng.integers(3, 30, b.size),
            (self.listing_price[lst] * qty)[card_pay],
            self.listing_cur[lst][card_pay],
            card,
            purpose=1,
            p_decline=0.0,
            p_fail=0.0,
            cb_reason=1,
            cb_delay=5 + rng.exponential(15, b.size),
            p_cb=0.006,
        )

    def add_trades(self, buyer, seller, listing, t, price_minor, qty, cur, fee_rate=0.05):
        price_minor = np.asarray(price_minor, dtype=np.int64)
        qty = np.broadcast_to(np.asarray(qty, dtype=np.int64), price_minor.shape)
        fee_minor = np.maximum(np.round(price_minor * qty * fee_rate).astype(np.int64), 1)
        return self.trades.add(
            buyer=buyer,
            seller=seller,
            listing=listing,
            t=t,
            price=to_scaled4(price_minor, cur),
            qty=qty,
            cur=cur,
            fee=to_scaled4(fee_minor, cur),
        )

    # ================================================================== money in
    def _topups(self) -> None:
        pop, rng, ctx = self.pop, self.rng, self.ctx
        normal = np.isin(pop.role, [ROLE_BENIGN, ROLE_ATO, ROLE_TEST, ROLE_COL, ROLE_MULE])
        users = np.nonzero(normal)[0]
        first = users[rng.random(users.size) < 0.65]
        t_first = pop.created[first] + rng.exponential(6 * HOUR, first.size).astype(np.int64)
        active_days = (pop.active_end[users] - pop.created[users]) / DAY
        more = rng.poisson(pop.engagement[users] * 0.12 * active_days)
        owner = users[split_counts(more)]
        t_more = self.times_between(pop.created[owner] + 300, pop.active_end[owner], pop.tz[owner])
        u = np.concatenate([first, owner])
        t = np.concatenate([t_first, t_more])
        keep = t < ctx.t_end - 60
        u, t = u[keep], t[keep]
        usd = np.exp(rng.normal(np.log(30), 0.8, u.size)).clip(5, 1500)
        amount = usd_to_minor(usd, pop.currency[u], nice=True)
        card = np.where(
            (pop.card_secondary[u] >= 0) & (rng.random(u.size) < 0.3),
            pop.card_secondary[u],
            pop.card_primary[u],
        )
        test = pop.is_test[u]
        if test.any():
            card[test] = self.test_card()
            amount[test] = usd_to_minor(np.full(int(test.sum()), 1.0), pop.currency[u[test]])
        idx, ok = self.card_payment(
            u,
            t,
            amount,
            pop.currency[u],
            card,
            p_decline=0.06,
            cb_reason=2,
            cb_delay=5 + rng.exponential(15, u.size),
            p_cb=0.003,
        )
        # a declined top-up is often retried a few minutes later, with the other card if any
        st = self.payments.parts["status"][-1]
        retry = np.nonzero((st == 1) & (rng.random(u.size) < 0.5))[0]
        ru = u[retry]
        rcard = np.where(pop.card_secondary[ru] >= 0, pop.card_secondary[ru], pop.card_primary[ru])
        rt = np.minimum(t[retry] + rng.integers(30, 900, retry.size), ctx.t_end - 30)
        self.card_payment(ru, rt, amount[retry], pop.currency[ru], rcard, p_decline=0.25)
        self.topup_users = np.unique(u[ok])
        self.first_topup = np.full(pop.n, -1, dtype=np.int64)
        order = np.argsort(t[ok], kind="stable")[::-1]
        self.first_topup[u[ok][order]] = t[ok][order]

    def test_card(self) -> int:
        if not hasattr(self, "_test_card"):
            self._test_card = int(self.pop.cards.new(1, bin="424242", country="US")[0])
        return self._test_card

    def _kyc_and_resets(self) -> None:
        pop, rng, ctx = self.pop, self.rng, self.ctx
        p = np.where(pop.is_seller, 0.9, 0.4)
        p = np.where(pop.role == ROLE_BF, 0.1, np.where(pop.role == ROLE_CT, 0.05, p))
        who = np.nonzero(rng.random(pop.n) < p)[0]
        t = pop.created[who] + rng.exponential(2 * DAY, who.size).astype(np.int64)
        keep = t < pop.active_end[who]
        who, t = who[keep], t[keep]
        self.user_event(who, ref.EV_KYC, t, aux=rng.integers(0, 3, who.size))
        t1 = t + rng.integers(5, 90, who.size)
        self.changes.add(user=who, t=t1, field="kyc_level", value=1)
        two = rng.random(who.size) < 0.75
        t2 = t1[two] + rng.integers(HOUR, 3 * DAY, int(two.sum()))
        self.changes.add(user=who[two], t=t2, field="kyc_level", value=2)
        three = rng.random(int(two.sum())) < 0.12
        t3 = t2[three] + rng.integers(DAY, 10 * DAY, int(three.sum()))
        self.changes.add(user=who[two][three], t=t3, field="kyc_level", value=3)
        # forgotten passwords
        benign = np.nonzero(pop.role == ROLE_BENIGN)[0]
        who = benign[rng.random(benign.size) < 0.015]
        t = pop.created[who] + (
            rng.random(who.size) * (pop.active_end[who] - pop.created[who])
        ).astype(np.int64)
        self.user_event(who, ref.EV_LOGIN_FAILED, t - 60, aux=0)
        self.user_event(who, ref.EV_PASSWORD_RESET, t, aux=0)
        self.user_event(who, ref.EV_LOGIN, t + rng.integers(60, 600, who.size), aux=0)
        # phone numbers added or changed later; voluntary closures
        who = np.nonzero((pop.role == ROLE_BENIGN) & (rng.random(pop.n) < 0.01))[0]
        t = pop.created[who] + (rng.random(who.size) * (ctx.t_end - pop.created[who])).astype(
            np.int64
        )
        self.changes.add(user=who, t=t, field="phone", value=None)
        who = np.nonzero(
            (pop.role == ROLE_BENIGN)
            & (rng.random(pop.n) < 0.003)
            & (pop.active_end < ctx.t_end - DAY)
        )[0]
        self.changes.add(user=who, t=pop.active_end[who] + HOUR, field="status", value="closed")

    def _redemptions(self) -> None:
        pop, rng, ctx = self.pop, self.rng, self.ctx
        ok = np.isin(pop.role, [ROLE_BENIGN, ROLE_ATO, ROLE_COL, ROLE_MULE])
        referred = np.array([c is not None for c in pop.referral_code.tolist()])
        p = np.where(referred, 0.85, 0.7)
        who = np.nonzero(ok & (rng.random(pop.n) < p))[0]
        base = np.where(self.first_topup[who] >= 0, self.first_topup[who], pop.created[who])
        t = (
            base
            + rng.exponential(np.where(self.first_topup[who] >= 0, 2 * HOUR, DAY), who.size).astype(
                np.int64
            )
            + 60
        )
        keep = t < ctx.t_end - 60
        who, t = who[keep], t[keep]
        code = np.where(referred[who], 1, 0)
        self.add_redemptions(who, t, code)
        who = np.nonzero((pop.role == ROLE_BENIGN) & (rng.random(pop.n) < 0.02))[0]
        t = pop.created[who] + (rng.random(who.size) * (ctx.t_end - pop.created[who])).astype(
            np.int64
        )
        self.add_redemptions(who, t, 2)

    def add_redemptions(self, who, t, code) -> None:
        """Bonus amounts are set per currency by marketing (10 USD/EUR/GBP, 1500 JPY...)."""
        pop = self.pop
        code = np.broadcast_to(np.asarray(code), np.shape(who))
        cur = pop.currency[who]
        major = np.asarray(PROMO_USD)[code] * PROMO_UNITS[cur]
        amount = np.round(major * 10.0 ** EXP[cur]).astype(np.int64)
        self.redemptions.add(user=who, t=t, code=code, amount=amount, cur=pop.currency[who])

    # ================================================================== money out
    def _payouts(self) -> None:
        """Sellers withdraw their weekly net sales; a few others withdraw a balance once."""
        pop, rng, ctx = self.pop, self.rng, self.ctx
        tr = self.trades.build()
        benign_seller = np.isin(pop.role[tr["seller"]], [ROLE_BENIGN, ROLE_ATO])
        seller = tr["seller"][benign_seller]
        net = (tr["price"] * tr["qty"] - tr["fee"])[benign_seller] // 10 ** (
            4 - EXP[tr["cur"][benign_seller]]
        )
        week = (tr["t"][benign_seller] - ctx.t0) // (7 * DAY)
        key = seller * 1000 + week
        uk, inv = np.unique(key, return_inverse=True)
        total = np.bincount(inv, weights=net).astype(np.int64)
        s = uk // 1000
        w = uk % 1000
        t = ctx.t0 + (w + 1) * 7 * DAY + rng.integers(HOUR, 3 * DAY, uk.size)
        keep = (t < ctx.t_end - 60) & (total > 0)
        s, t, total = s[keep], t[keep], total[keep]
        # others: a one-off withdrawal
        others = np.nonzero(
            (pop.role == ROLE_BENIGN) & ~pop.is_seller & (rng.random(pop.n) < 0.04)
        )[0]
        to = pop.created[others] + (
            rng.random(others.size) * (ctx.t_end - 60 - pop.created[others])
        ).astype(np.int64)
        amt = usd_to_minor(
            np.exp(rng.normal(np.log(25), 0.7, others.size)), pop.currency[others], nice=True
        )
        users = np.concatenate([s, others])
        times = np.concatenate([t, to])
        amounts = np.concatenate([total, amt])
        r = rng.random(users.size)
        status = np.where(r < 0.01, 1, 0)
        status[(times > ctx.t_end - 2 * DAY) & (r > 0.5)] = 2
        self.payouts.add(
            user=users,
            t=times,
            amount=amounts,
            cur=pop.currency[users],
            account=pop.payout_account[users],
            status=status,
        )
        self.payout_method_events(users, times)

    def payout_method_events(self, users, times, device=None, ip=None, anon=None) -> None:
        """A payout_method_added event before a user's first payout."""
        pop, rng = self.pop, self.rng
        if np.size(users) == 0:
            return
        order = np.lexsort((times, users))
        u, t = np.asarray(users)[order], np.asarray(times)[order]
        first = np.concatenate([[True], u[1:] != u[:-1]])
        u, t = u[first], t[first]
        lead = rng.integers(HOUR, 4 * DAY, u.size)
        te = np.maximum(t - lead, pop.created[u] + 60)
        te = np.minimum(te, t - 30)
        self.user_event(u, ref.EV_PAYOUT_METHOD, te, aux=rng.integers(0, 2, u.size))

    # ================================================================== fraud
    def _fraud(self) -> None:
        for g in self.pop.groups:
            getattr(self, f"_fraud_{g.typology}")(g)
        solo = np.nonzero((self.pop.role == ROLE_CT) & (self.pop.group_index < 0))[0]
        for u in solo.tolist():
            self._card_tester(np.array([u]), int(self.rng.integers(20, 70)))

    def few_sessions(self, users, lo, hi, k_lo=1, k_hi=4, forced_listing=None):
        rng = self.rng
        users = np.asarray(users, dtype=np.int64)
        k = rng.integers(k_lo, k_hi + 1, users.size)
        owner = split_counts(k)
        lo_r = np.broadcast_to(np.asarray(lo), users.shape)[owner]
        hi_r = np.broadcast_to(np.asarray(hi), users.shape)[owner]
        t = lo_r + (rng.random(owner.size) * np.maximum(hi_r - lo_r, 1)).astype(np.int64)
        t = np.minimum(t, self.ctx.t_end - 600)
        fl = (
            None
            if forced_listing is None
            else np.broadcast_to(np.asarray(forced_listing), users.shape)[owner]
        )
        self.session_events(
            users[owner], t, p_login=0.5, view_mean=1.0, p_buy=0.0, forced_listing=fl
        )

    def _fraud_bonus_farm(self, g) -> None:
        pop, rng, ctx = self.pop, self.rng, self.ctx
        m = g.members
        c = g.info["collector"]
        others = m[m != c]
        self.few_sessions(m, pop.created[m] + 60, pop.created[m] + 2 * DAY)
        # gift-card style listings of the collector
        n_l = int(rng.integers(1, 4))
        lst = self.new_listings(
            np.full(n_l, c),
            usd_to_minor(np.full(n_l, 5.0), np.full(n_l, pop.currency[c])),
            np.full(n_l, pop.currency[c]),
        )
        self.few_sessions(np.array([c]), pop.created[c] + 60, pop.created[c] + 5 * DAY, 3, 8)
        # minimum top-ups with shared cards (some members skip it)
        tops = others[rng.random(others.size) < 0.75]
        t_top = np.minimum(
            pop.created[tops] + rng.integers(600, 6 * HOUR, tops.size), ctx.t_end - 600
        )
        usd = rng.choice([10.0, 10.0, 15.0, 20.0], tops.size)
        card = np.where(
            (pop.card_secondary[tops] >= 0) & (rng.random(tops.size) < 0.4),
            pop.card_secondary[tops],
            pop.card_primary[tops],
        )
        self.card_payment(
            tops,
            t_top,
            usd_to_minor(usd, pop.currency[tops], nice=True),
            pop.currency[tops],
            card,
            p_decline=0.15,
            risk=1,
            decline_p=(0.6, 0.3, 0.0, 0.1, 0.0),
            cb_reason=0,
            cb_delay=rng.uniform(5, 60, tops.size),
            p_cb=0.05,
        )
        self.first_topup[tops] = t_top
        # bonuses: welcome bonus, or the referral bonus when referred
        referred = np.array([x is not None for x in pop.referral_code[m].tolist()])
        base = np.where(self.first_topup[m] >= 0, self.first_topup[m], pop.created[m])
        t_red = np.minimum(base + rng.integers(60, 2 * HOUR, m.size), ctx.t_end - 300)
        self.add_redemptions(m, t_red, np.where(referred, 1, 0))
        # value moves to the collector through trades at inflated prices
        t_tr = np.minimum(t_red[m != c] + rng.integers(HOUR, 2 * DAY, others.size), ctx.t_end - 120)
        usd = rng.uniform(18, 32, others.size)
        price = usd_to_minor(usd, np.full(others.size, pop.currency[c]))
        listing = rng.choice(lst, others.size)
        self.session_events(
            others,
            t_tr - rng.integers(100, 500, others.size),
            p_login=1.0,
            view_mean=1.0,
            p_buy=0.0,
            forced_listing=listing,
        )
        self.add_trades(
            others,
            np.full(others.size, c),
            listing,
            t_tr,
            price,
            1,
            np.full(others.size, pop.currency[c]),
        )
        # the collector cashes out to a few accounts
        received = int(price.sum() * 0.95)
        n_po = int(rng.integers(1, 4))
        t_po = np.sort(t_tr.max() + rng.integers(HOUR, 12 * HOUR, n_po))
        keep = t_po < ctx.t_end - 60
        accts = g.info["payout_accounts"]
        if keep.any():
            amt = np.full(int(keep.sum()), max(received // max(int(keep.sum()), 1), 100))
            idx = self.payouts.add(
                user=c,
                t=t_po[keep],
                amount=amt,
                cur=pop.currency[c],
                account=accts[np.arange(int(keep.sum())) % accts.size],
                status=0,
                risk=1,
            )
            self.payout_method_events(np.full(idx.size, c), t_po[keep])
            g.info["payouts"] = idx

    def _fraud_card_testing(self, g) -> None:
        self._card_tester(g.members, g.info["card_pool"])

    def _card_tester(self, actors: np.ndarray, pool_size: int) -> None:
        pop, rng, ctx = self.pop, self.rng, self.ctx
        # a stolen-card list: a few issuers (BIN prefixes), many cards
        n_bins = int(rng.integers(2, 6))
        bins = np.array(
            [f"{int(rng.choice([4, 5]))}{int(rng.integers(0, 10**5)):05d}" for _ in range(n_bins)],
            dtype=object,
        )
        bin_country = np.asarray(ref.STOLEN_CARD_COUNTRIES, dtype=object)[
            rng.integers(0, len(ref.STOLEN_CARD_COUNTRIES), n_bins)
        ]
        which = rng.integers(0, n_bins, pool_size)
        pool = pop.cards.new(pool_size, bin=bins[which], country=bin_country[which])
        self.few_sessions(actors, pop.created[actors] + 60, pop.created[actors] + DAY, 1, 3)
        for a in actors.tolist():
            n_bursts = int(rng.integers(1, 4))
            t = pop.created[a] + int(rng.integers(600, DAY))
            cur = int(rng.choice([ref.CUR_INDEX["USD"]] * 4 + [int(pop.currency[a])]))
            for _ in range(n_bursts):
                if t >= ctx.t_end - 1800:
                    break
                k = int(rng.integers(15, 61))
                dur = rng.uniform(120, 1200)
                times = t + np.sort((rng.random(k) * dur).astype(np.int64))
                cards = pool[rng.integers(0, pool_size, k)]
                usd = np.round(rng.uniform(0.5, 5.0, k), 2)
                amount = usd_to_minor(usd, np.full(k, cur))
                self.user_event(np.array([a]), ref.EV_LOGIN, times[:1] - 30, aux=0)
                p_dec = rng.uniform(0.72, 0.9)
                self.card_payment(
                    np.full(k, a),
                    times,
                    amount,
                    cur,
                    cards,
                    p_decline=p_dec,
                    decline_p=(0.15, 0.25, 0.15, 0.3, 0.15),
                    p_fail=0.02,
                    cb_reason=0,
                    cb_delay=5 + rng.exponential(7, k),
                    p_cb=0.6,
                    risk=2,
                )
                t = int(times[-1]) + int(rng.integers(2 * HOUR, 2 * DAY))
            if rng.random() < 0.3 and t < ctx.t_end - DAY:
                # cash-out: a bigger top-up with a working card, then a payout
                amt = usd_to_minor(rng.uniform(50, 200, 1), np.array([cur]), nice=True)
                self.card_payment(
                    np.array([a]),
                    np.array([t]),
                    amt,
                    cur,
                    pool[int(rng.integers(0, pool_size))],
                    p_decline=0.0,
                    p_fail=0.0,
                    cb_reason=0,
                    cb_delay=5 + rng.exponential(12, 1),
                    p_cb=0.9,
                    risk=2,
                )
                tp = t + int(rng.integers(HOUR, DAY))
                if tp < ctx.t_end - 60:
                    self.payouts.add(
                        user=a,
                        t=tp,
                        amount=int(amt[0] * 0.9),
                        cur=cur,
                        account=pop.payout_account[a],
                        status=0,
                        risk=2,
                    )
                    self.payout_method_events(np.array([a]), np.array([tp]))

    def _fraud_account_takeover(self, g) -> None:
        pop, rng, ctx = self.pop, self.rng, self.ctx
        info = g.info
        crew_tz = info["tz"]
        crew_country = EV_COUNTRIES.index(info["country"])
        crew_anon = {}
        for j, v in enumerate(g.members.tolist()):
            ta = int(info["attack_at"][j])
            dev = int(info["devices"][j]) if rng.random() < 0.7 else int(info["devices2"][j])
            ip = int(info["ips"][j])
            if dev not in crew_anon:
                crew_anon[dev] = int(self.new_anon(1)[0])
                self.installs.add(
                    anon=crew_anon[dev],
                    user=-1,
                    t=ta - 120,
                    device=dev,
                    ip=ip,
                    tz=crew_tz,
                    country=crew_country,
                    channel=ref.CH_ORGANIC,
                    kind=INSTALL_ATTACKER,
                )
            anon = crew_anon[dev]

            def ev(etype, t, user=v, aux=0, anon=anon, dev=dev, ip=ip):
                return self.events.add(
                    user=user,
                    anon=anon,
                    etype=etype,
                    t=t,
                    device=dev,
                    ip=ip,
                    country=crew_country,
                    tz=crew_tz,
                    aux=aux,
                )

            ev(ref.EV_APP_OPEN, ta - 60, user=-1)
            n_fail = int(rng.integers(3, 13))
            tf = ta + np.cumsum(rng.integers(3, 40, n_fail))
            ev(ref.EV_LOGIN_FAILED, tf, user=np.full(n_fail, v), aux=0)
            t = int(tf[-1]) + int(rng.integers(10, 120))
            login = ev(ref.EV_LOGIN, t)
            self.login_scored.add(event=login)
            t += int(rng.integers(60, 600))
            ev(ref.EV_PASSWORD_RESET, t)
            t += int(rng.integers(30, 300))
            ev(ref.EV_LOGIN, t)
            t += int(rng.integers(120, 1200))
            ev(ref.EV_PAYOUT_METHOD, t, aux=1)
            t += int(rng.integers(300, 3600))
            if t >= ctx.t_end - 60:
                continue
            amt = usd_to_minor(rng.uniform(40, 450, 1), np.array([pop.currency[v]]))
            po = self.payouts.add(
                user=v,
                t=t,
                amount=int(amt[0]),
                cur=pop.currency[v],
                account=info["accounts"][j],
                status=0,
                risk=3,
            )
            info.setdefault("payouts", []).append(int(po[0]))
            info.setdefault("logins", []).append(int(login[0]))
            # the victim notices and reports it
            if rng.random() < 0.85:
                tc = t + int(rng.integers(6 * HOUR, 3 * DAY))
                if tc < ctx.t_end - 60:
                    self.user_event(np.array([v]), ref.EV_LOGIN, tc - 300, aux=0)
                    tr = tc + int(rng.integers(HOUR, 2 * DAY))
                    res = "refunded" if rng.random() < 0.75 else "answered"
                    self.tickets.add(
                        user=v,
                        t=tc,
                        category=2,
                        resolved=tr,
                        resolution=res,
                        csat=int(rng.integers(1, 6)) if rng.random() < 0.5 else -1,
                    )
                    self.changes.add(
                        user=v,
                        t=tc + int(rng.integers(300, 3600)),
                        field="status",
                        value="restricted",
                    )
                    self.changes.add(user=v, t=tr + 30, field="status", value="active")
                    r = rng.random()
                    outcome = "confirmed_fraud" if r < 0.7 else "inconclusive" if r < 0.88 else None
                    closed = tr + int(rng.integers(600, DAY)) if outcome else -1
                    self.cases.add(
                        user=v,
                        t=tc + int(rng.integers(60, 3 * HOUR)),
                        closed=closed,
                        source="support",
                        outcome=outcome,
                        typology=self.analyst_text("account_takeover"),
                    )

    def analyst_text(self, typology: str):
        if self.rng.random() < 0.4:
            return None
        opts = ref.ANALYST_TYPOLOGY_TEXT[typology]
        return opts[int(self.rng.integers(0, len(opts)))]

    def _fraud_collusive_trading(self, g) -> None:
        pop, rng, ctx = self.pop, self.rng, self.ctx
        m = g.members
        k = m.size
        cur = int(pop.currency[m[0]])
        lst = self.new_listings(
            m, usd_to_minor(rng.uniform(5, 20, k), np.full(k, cur)), np.full(k, cur)
        )
        t_top = np.minimum(pop.created[m] + rng.integers(HOUR, DAY, k), ctx.t_end - 600)
        self.card_payment(
            m,
            t_top,
            usd_to_minor(rng.uniform(50, 200, k), pop.currency[m], nice=True),
            pop.currency[m],
            pop.card_primary[m],
            p_decline=0.05,
            risk=1,
        )
        start = int(pop.created[m].max()) + HOUR
        end = ctx.t_end - 2 * HOUR
        if start >= end:
            return
        n_rounds = int(rng.integers(3, 13))
        round_t = np.sort(rng.uniform(start, end, n_rounds)).astype(np.int64)
        base_usd = rng.uniform(150, 800)
        order = rng.permutation(k)
        for tr in round_t.tolist():
            if rng.random() < 0.3:
                order = rng.permutation(k)
            ring_len = k if rng.random() < 0.6 else int(rng.integers(3, k + 1))
            sub = order[:ring_len]
            buyers = m[sub]
            sellers = m[np.roll(sub, -1)]
            times = tr + np.cumsum(rng.integers(120, 1800, ring_len))
            times = np.minimum(times, ctx.t_end - 60)
            price = usd_to_minor(
                base_usd * rng.uniform(0.97, 1.03, ring_len), np.full(ring_len, cur)
            )
            listing = lst[np.roll(sub, -1)]
            self.session_events(
                buyers,
                times - rng.integers(60, 400, ring_len),
                p_login=0.6,
                view_mean=1.0,
                p_buy=0.0,
                forced_listing=listing,
            )
            self.add_trades(buyers, sellers, listing, times, price, 1, np.full(ring_len, cur))
        # occasional small withdrawals
        for u in m[rng.random(k) < 0.3].tolist():
            tp = int(rng.uniform(start, end))
            amt = usd_to_minor(rng.uniform(20, 80, 1), np.array([cur]))
            self.payouts.add(
                user=u,
                t=tp,
                amount=int(amt[0]),
                cur=cur,
                account=pop.payout_account[u],
                status=0,
                risk=1,
            )
            self.payout_method_events(np.array([u]), np.array([tp]))

    def _fraud_mule_cashout(self, g) -> None:
        pop, rng, ctx = self.pop, self.rng, self.ctx
        mules, buyers = g.info["mules"], g.info["buyers"]
        n_m = mules.size
        lst = []
        for mu in mules.tolist():
            k = int(rng.integers(2, 6))
            lst.append(
                self.new_listings(
                    np.full(k, mu),
                    usd_to_minor(rng.uniform(100, 600, k), np.full(k, pop.currency[mu]), nice=True),
                    np.full(k, pop.currency[mu]),
                )
            )
        # buyers: stolen cards (some shared by two buyers), purchases from one or two mules
        c = buyers.size
        p = np.arange(c)
        pair = rng.random(buyers.size) < 0.3
        p = np.where(pair, np.maximum(np.arange(buyers.size) - 1, 0), p)
        cards = pop.cards.new(
            c,
            bin=self.random_bins(c),
            country=np.asarray(ref.STOLEN_CARD_COUNTRIES, dtype=object)[
                rng.integers(0, len(ref.STOLEN_CARD_COUNTRIES), c)
            ],
        )
        received = {int(mu): [] for mu in mules.tolist()}
        for j, b in enumerate(buyers.tolist()):
            favourite = rng.choice(n_m, 2)
            n_buy = int(rng.integers(1, 5))
            t = int(pop.created[b]) + int(rng.integers(600, 12 * HOUR))
            for _ in range(n_buy):
                if t >= ctx.t_end - 300:
                    break
                mi = int(favourite[0] if rng.random() < 0.75 else favourite[1])
                mu = int(mules[mi])
                li = int(rng.choice(lst[mi]))
                price = int(self.listing_price[li])
                cur = int(self.listing_cur[li])
                self.session_events(
                    np.array([b]),
                    np.array([t - 200]),
                    p_login=1.0,
                    view_mean=1.0,
                    p_buy=0.0,
                    forced_listing=np.array([li]),
                )
                idx, ok = self.card_payment(
                    np.array([b]),
                    np.array([t]),
                    price,
                    cur,
                    cards[p[j]],
                    purpose=1,
                    p_decline=0.2,
                    decline_p=(0.2, 0.4, 0.3, 0.05, 0.05),
                    p_fail=0.0,
                    cb_reason=0,
                    cb_delay=5 + rng.exponential(10, 1),
                    p_cb=0.7,
                    risk=4,
                )
                if ok[0]:
                    self.add_trades(
                        np.array([b]),
                        np.array([mu]),
                        np.array([li]),
                        np.array([t + int(rng.integers(5, 60))]),
                        price,
                        1,
                        np.array([cur]),
                    )
                    received[mu].append((t, price * 95 // 100))
                t += int(rng.integers(HOUR, 2 * DAY))
        # mules cash out within hours to payout accounts shared in the network
        self.few_sessions(mules, pop.created[mules] + 60, pop.created[mules] + 5 * DAY, 1, 4)
        for mi, mu in enumerate(mules.tolist()):
            accts = np.atleast_1d(g.info["mule_accounts"][mi])
            items = sorted(received[mu])
            j = 0
            while j < len(items):
                t0 = items[j][0]
                chunk = [x for x in items[j:] if x[0] < t0 + 12 * HOUR]
                j += len(chunk)
                tp = t0 + int(rng.integers(HOUR, 12 * HOUR))
                if tp >= ctx.t_end - 60:
                    continue
                amt = sum(x[1] for x in chunk)
                po = self.payouts.add(
                    user=mu,
                    t=tp,
                    amount=amt,
                    cur=pop.currency[mu],
                    account=accts[int(rng.integers(0, accts.size))],
                    status=0,
                    risk=4,
                )
                g.info.setdefault("payouts", []).append(int(po[0]))
                self.payout_method_events(np.array([mu]), np.array([tp]))

    def random_bins(self, k: int) -> np.ndarray:
        return self.pop._bins(k)

    # ================================================================== finalise
    def finish(self) -> None:
        self.ev = self.events.build()
        self.inst = self.installs.build()
        self.pay = _within(self.payments.build(), self.ctx.t_end)
        self.trd = _within(self.trades.build(), self.ctx.t_end)
        self.po = _within(self.payouts.build(), self.ctx.t_end)
        self.red = _within(self.redemptions.build(), self.ctx.t_end)


def _within(cols: dict, t_end: int) -> dict:
    """Only records that happened inside the window (a safety net for edge cases)."""
    keep = cols["t"] < t_end
    if keep.all():
        return cols
    return {k: v[keep] for k, v in cols.items()}


def device_drift(rng: np.random.Generator, n_devices: int) -> np.ndarray:
    """Device clock error in seconds: most are right, a few run ahead (up to a minute) or
    behind (up to five minutes)."""
    r = rng.random(n_devices)
    drift = np.zeros(n_devices, dtype=np.int64)
    ahead = r < 0.012
    drift[ahead] = rng.integers(5, 61, int(ahead.sum()))
    behind = (r >= 0.012) & (r < 0.018)
    drift[behind] = -rng.integers(30, 300, int(behind.sum()))
    return drift
