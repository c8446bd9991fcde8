"""Who the users are: roles, fraud groups, signup times, personal data and shared identifiers.

Users are created in blocks (benign, internal test accounts, one block per fraud group), then
sorted by signup time so that ``user_id`` grows with ``created_at`` like a database sequence.
Identifiers (devices, IPs, cards, payout accounts) are integer handles into registries that are
rendered as strings at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sample_data import reference as ref
from sample_data.util import DAY, HOUR, TzTable, base36_codes, sample_activity_times

ROLE_BENIGN, ROLE_TEST = 0, 1
ROLE_OF = {t: 2 + i for i, t in enumerate(ref.TYPOLOGIES)}
(ROLE_BF, ROLE_CT, ROLE_ATO, ROLE_COL, ROLE_MULE) = (ROLE_OF[t] for t in ref.TYPOLOGIES)


@dataclass
class Group:
    gid: str
    typology: str
    members: np.ndarray  # user indices (after sorting)
    info: dict = field(default_factory=dict)


class Registry:
    """Integer handles with optional per-handle attributes appended in chunks."""

    def __init__(self):
        self.n = 0
        self.attrs: dict[str, list[np.ndarray]] = {}

    def new(self, k: int, **attrs) -> np.ndarray:
        idx = np.arange(self.n, self.n + k, dtype=np.int64)
        self.n += k
        for name, values in attrs.items():
            arr = np.asarray(values)
            if arr.ndim == 0:
                arr = np.repeat(arr, k)
            self.attrs.setdefault(name, []).append(arr)
        return idx

    def attr(self, name: str) -> np.ndarray:
        return np.concatenate(self.attrs[name]) if self.attrs.get(name) else np.array([])


@dataclass
class Ctx:
    rng: np.random.Generator
    seed: int
    t0: int
    days: int
    tzt: TzTable

    @property
    def t_end(self) -> int:
        return self.t0 + self.days * DAY

    @property
    def hours(self) -> int:
        return self.days * 24


def chain_ids(rng: np.random.Generator, k: int, p_own: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Overlapping identifier windows over a ring of ``k`` members.

    Identifier j covers a window of 2-4 members (in a random order) and the next window starts
    at the last member of the previous one, so the identifiers chain the whole ring together
    while none of them covers it (windows are capped at k - 1 members). A few members get an
    identifier of their own instead. Returns (primary, secondary or -1, number of identifiers).
    """
    order = rng.permutation(k)
    primary = np.full(k, -1, dtype=np.int64)
    secondary = np.full(k, -1, dtype=np.int64)
    cur, pos = 0, 0
    max_w = max(2, min(4, k - 1))
    while pos < k - 1 or (pos == k - 1 and primary[order[pos]] < 0):
        w = int(rng.integers(2, max_w + 1))
        window = order[pos : pos + w]
        for m in window.tolist():
            if primary[m] < 0:
                primary[m] = cur
            elif secondary[m] < 0:
                secondary[m] = cur
        cur += 1
        pos += max(w - 1, 1)
    own = rng.random(k) < p_own
    for m in np.nonzero(own)[0].tolist():
        if secondary[m] >= 0:
            primary[m], secondary[m] = cur, primary[m]
        else:
            primary[m] = cur
        cur += 1
    return primary, secondary, cur


def make_phone(country: int, v: int, f: int) -> str:
    """A phone number as a person types it, in one of four formats of the country."""
    c = ref.COUNTRIES[country]
    style, cc = c[4], c[5]
    if style == "nanp":
        area = 201 + v % 780
        ex = 200 + (v // 1000) % 800
        line = v % 10000
        return [
            f"({area}) {ex}-{line:04d}",
            f"{area}-{ex}-{line:04d}",
            f"+1 {area} {ex} {line:04d}",
            f"{area}{ex}{line:04d}",
        ][f]
    if style == "gb":
        sub = 7000 + v % 1000
        rest = (v // 1000) % 1000000
        return [
            f"+44 {sub} {rest:06d}",
            f"0{sub}{rest:06d}",
            f"+44{sub}{rest:06d}",
            f"0{sub} {rest:06d}",
        ][f]
    if style == "in":
        a, b = 70000 + v % 29999, (v // 100000) % 100000
        return [f"+91 {a} {b:05d}", f"{a}{b:05d}", f"+91{a}{b:05d}", f"0{a}{b:05d}"][f]
    if style == "jp":
        a, b = 1000 + v % 9000, (v // 10000) % 10000
        return [f"+81 90-{a}-{b:04d}", f"090-{a}-{b:04d}", f"+819{a}{b:04d}", f"090{a}{b:04d}"][f]
    if style == "br":
        a, b = 90000 + v % 9999, (v // 10000) % 10000
        return [f"+55 11 {a}-{b:04d}", f"(11) {a}-{b:04d}", f"+5511{a}{b:04d}", f"11{a}{b:04d}"][f]
    a, b = 150 + v % 30, (v // 100) % 10**8
    return [f"+{cc} {a} {b:08d}", f"0{a}{b:08d}", f"+{cc}{a}{b:08d}", f"00{cc} {a} {b:08d}"][f]


class Population:
    """All users with their attributes, plus the fraud groups."""

    def __init__(self, ctx: Ctx, n_users: int):
        self.ctx = ctx
        self.devices = Registry()
        self.cards = Registry()
        self.payout_accounts = Registry()
        self.groups: list[Group] = []
        self._plan(n_users)
        self._households()
        self._personal_data()
        self._identifiers()
        self._fraud_identifiers()
        self._choose_ato_victims()
        self._channels()

    # ------------------------------------------------------------------ plan and signup times
    def _plan(self, n_users: int) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        t0, t_end = ctx.t0, ctx.t_end
        n_test = max(2, round(0.003 * n_users))
        fraud_share = rng.uniform(0.026, 0.036)
        weights = rng.dirichlet(np.array([34, 12, 14, 15, 25], dtype=float) * 4)
        targets = {t: weights[i] * fraud_share * n_users for i, t in enumerate(ref.TYPOLOGIES)}

        def t_range(lo_days: float, hi_days_before_end: float) -> float:
            lo = t0 + lo_days * DAY
            hi = max(lo + HOUR, t_end - hi_days_before_end * DAY)
            return float(rng.uniform(lo, hi))

        blocks: list[tuple[np.ndarray, int, int]] = []  # (created, role, group index or -1)
        counters = {t: 0 for t in ref.TYPOLOGIES}

        def new_group(typology: str, created: np.ndarray, info: dict) -> None:
            counters[typology] += 1
            gid = f"{ref.GROUP_PREFIX[typology]}-{counters[typology]:03d}"
            self.groups.append(Group(gid, typology, np.empty(0, dtype=np.int64), info))
            blocks.append((created.astype(np.int64), ROLE_OF[typology], len(self.groups) - 1))

        # bonus farms: bursts of 5-30 signups within hours to two days
        made = 0
        while made < targets["bonus_farm"] or counters["bonus_farm"] == 0:
            k = int(
                np.clip(
                    round(rng.lognormal(np.log(11), 0.5)),
                    5,
                    max(5, min(30, targets["bonus_farm"] - made)),
                )
            )
            start = t_range(0.5, 4)
            span = rng.uniform(2 * HOUR, 2 * DAY)
            created = np.sort(start + rng.random(k) * span)
            via_affiliate = bool(rng.random() < 0.7)
            new_group("bonus_farm", created, {"via_affiliate": via_affiliate})
            made += k
        # card testers: solo actors (no group) or crews of 2-4
        made = 0
        while made < targets["card_testing"] or made < 2:
            crew = rng.random() < 0.4
            k = int(rng.integers(2, 5)) if crew else 1
            # the first actors hit early: their chargebacks land inside short windows too
            start = t_range(0.2, ctx.days * 0.75) if made < 3 else t_range(0.2, 1.5)
            created = start + rng.random(k) * rng.uniform(HOUR, DAY)
            if crew:
                new_group("card_testing", created, {})
            else:
                blocks.append((created.astype(np.int64), ROLE_CT, -1))
            made += k
        # collusive trading rings of 4-10
        made = 0
        while made < targets["collusive_trading"] or counters["collusive_trading"] == 0:
            k = int(rng.integers(4, 11))
            k = max(4, min(k, int(targets["collusive_trading"] - made)))
            start = t_range(0.2, 5)
            created = np.sort(start + rng.random(k) * rng.uniform(HOUR, 6 * DAY))
            new_group("collusive_trading", np.minimum(created, t_end - 4 * DAY), {})
            made += k
        # mule networks: 2-6 mules signed up earlier, 4-14 stolen-card buyers in a burst later
        made = 0
        while made < targets["mule_cashout"] or counters["mule_cashout"] == 0:
            n_mules = int(rng.integers(2, 7))
            n_buyers = int(rng.integers(4, 15))
            n_buyers = max(4, min(n_buyers, int(targets["mule_cashout"] - made - n_mules)))
            mule_start = t_range(0.1, 6)
            mules = np.sort(mule_start + rng.random(n_mules) * rng.uniform(HOUR, 4 * DAY))
            b_start = min(mules.max() + rng.uniform(0.5, 3) * DAY, t_end - 3 * DAY)
            b_start = max(b_start, mules.max() + HOUR)
            buyers = np.sort(b_start + rng.random(n_buyers) * rng.uniform(6 * HOUR, 3 * DAY))
            buyers = np.minimum(buyers, t_end - DAY)
            new_group("mule_cashout", np.concatenate([mules, buyers]), {"n_mules": n_mules})
            made += n_mules + n_buyers
        # account-takeover crews: victims are picked later among benign users
        self.ato_plan: list[int] = []
        made = 0
        while made < targets["account_takeover"] or not self.ato_plan:
            k = int(rng.integers(2, 9))
            self.ato_plan.append(k)
            made += k

        n_fraud_accounts = sum(len(b[0]) for b in blocks)
        n_benign = n_users - n_test - n_fraud_accounts
        if n_benign < n_users * 0.8:
            raise ValueError("too few users for the planned fraud groups; use more users")
        tz_b, country_b = self._draw_countries(n_benign)
        day_weight = 1.0 + 0.35 * rng.random()  # growth over the window
        lo = np.full(n_benign, t0)
        hi = np.full(n_benign, t_end - 30 * 60)
        created_b = sample_activity_times(
            rng, lo, hi, tz_b, ctx.tzt, np.asarray(ref.DIURNAL), ref.WEEKEND_BOOST
        )
        # growth: thin early signups a little and move them later
        grow = rng.random(n_benign) < (day_weight - 1) * (1 - (created_b - t0) / (t_end - t0))
        created_b[grow] = t_end - 30 * 60 - (created_b[grow] - t0) // 2
        created_t = (t0 + rng.random(n_test) * (t_end - t0 - HOUR)).astype(np.int64)

        created = [created_b, created_t] + [b[0] for b in blocks]
        role = [np.zeros(n_benign, dtype=np.int64), np.ones(n_test, dtype=np.int64)] + [
            np.full(len(b[0]), b[1]) for b in blocks
        ]
        grp = [np.full(n_benign + n_test, -1)] + [np.full(len(b[0]), b[2]) for b in blocks]
        pos_in_group = [np.full(n_benign + n_test, -1)] + [np.arange(len(b[0])) for b in blocks]
        created = np.concatenate(created).astype(np.int64)
        created = np.clip(created, t0 + 60, t_end - 60)
        role = np.concatenate(role)
        grp = np.concatenate(grp)
        pos_in_group = np.concatenate(pos_in_group)
        # distinct seconds keep ids in creation order without ties
        order = np.lexsort((np.arange(created.size), created))
        self.n = created.size
        self.created = created[order]
        for i in range(1, self.n):  # strictly increasing signup times (cheap, one pass)
            if self.created[i] <= self.created[i - 1]:
                self.created[i] = self.created[i - 1] + 1
        self.role = role[order]
        group_of = grp[order]
        pos = pos_in_group[order]
        for gi, g in enumerate(self.groups):
            members = np.nonzero(group_of == gi)[0]
            g.members = members[np.argsort(pos[members], kind="stable")]
        self.group_index = group_of  # -1 for no group (before ATO victims are added)
        self.is_test = self.role == ROLE_TEST
        # user ids: a sequence with small gaps, as a database would hand out
        gaps = rng.integers(1, 4, size=self.n)
        self.user_num = 1_000_000 + np.cumsum(gaps)
        self.user_id = np.array([f"u{v}" for v in self.user_num.tolist()], dtype=object)
        # countries: benign drawn above; everything else drawn now, then reordered
        tz_all = np.empty(self.n, dtype=np.int64)
        country_all = np.empty(self.n, dtype=np.int64)
        tz_rest, country_rest = self._draw_countries(self.n - n_benign)
        tz_all[:n_benign], country_all[:n_benign] = tz_b, country_b
        tz_all[n_benign:], country_all[n_benign:] = tz_rest, country_rest
        self.tz = tz_all[order]
        self.country = country_all[order]
        # rings mostly come from one country
        for g in self.groups:
            if g.typology in ("bonus_farm", "collusive_trading"):
                lead = g.members[0]
                same = rng.random(len(g.members)) < 0.8
                self.country[g.members[same]] = self.country[lead]
                self.tz[g.members[same]] = self.tz[lead]
        self.currency = np.array(
            [ref.CUR_INDEX[ref.COUNTRIES[c][2]] for c in self.country.tolist()], dtype=np.int64
        )

    def _draw_countries(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        rng, tzt = self.ctx.rng, self.ctx.tzt
        w = np.array([c[1] for c in ref.COUNTRIES])
        country = rng.choice(len(ref.COUNTRIES), size=k, p=w / w.sum())
        tz = np.empty(k, dtype=np.int64)
        for ci, c in enumerate(ref.COUNTRIES):
            sel = np.nonzero(country == ci)[0]
            names = [z for z, _ in c[3]]
            p = np.array([p for _, p in c[3]])
            choice = rng.choice(len(names), size=sel.size, p=p / p.sum())
            tz[sel] = np.array([tzt.index[z] for z in names])[choice]
        return tz, country

    def _households(self) -> None:
        """2-5 people signing up close together in one home; later ones usually referred by
        the first (the referral codes are set once personal data exists)."""
        rng = self.ctx.rng
        self.household = np.full(self.n, -1, dtype=np.int64)
        self.households: list[np.ndarray] = []
        benign = np.nonzero(self.role == ROLE_BENIGN)[0]
        used = np.zeros(self.n, dtype=bool)
        n_house = int(len(benign) * 0.04 / 2.8)
        heads = rng.choice(len(benign), n_house, replace=False) if n_house else []
        for p in np.sort(heads).tolist():
            size = int(rng.choice([2, 2, 2, 3, 3, 4, 5]))
            cand = p + np.cumsum(rng.integers(1, 40, size - 1))
            cand = cand[cand < len(benign)]
            members = np.concatenate([[benign[p]], benign[cand]])
            if used[members].any() or members.size < 2:
                continue
            used[members] = True
            head = members[0]
            self.household[members] = len(self.households)
            self.households.append(members)
            self.country[members] = self.country[head]
            self.tz[members] = self.tz[head]
            self.currency[members] = self.currency[head]

    # ------------------------------------------------------------------ personal data
    def _personal_data(self) -> None:
        rng, n = self.ctx.rng, self.n
        first = rng.integers(0, len(ref.FIRST_NAMES), n)
        last = rng.integers(0, len(ref.LAST_NAMES), n)
        self.first_name = np.asarray(ref.FIRST_NAMES, dtype=object)[first]
        self.last_name = np.asarray(ref.LAST_NAMES, dtype=object)[last]
        style = rng.integers(0, 5, n)
        digits = rng.integers(1, 9999, n)
        emails = []
        for i in range(n):
            f, la = self.first_name[i], self.last_name[i]
            domains = ref.COUNTRIES[self.country[i]][6]
            dom = domains[int(digits[i]) % len(domains)]
            s = style[i]
            if s == 0:
                local = f"{f}.{la}{digits[i] % 100 if digits[i] % 3 else ''}"
            elif s == 1:
                local = f"{f[0]}{la}{digits[i]}"
            elif s == 2:
                local = f"{f}_{la}"
            elif s == 3:
                local = f"{f}{digits[i]}"
            else:
                local = f"{la}.{f}{digits[i] % 1000}"
            emails.append(f"{local}@{dom}")
        self.email_clean = np.asarray(emails, dtype=object)
        # internal test accounts
        for j, i in enumerate(np.nonzero(self.is_test)[0].tolist()):
            name = ["qa", "qa.bot", "test", "qa-e2e", "loadtest"][j % 5]
            dom = ["qa.internal", "QA.internal", "qa.INTERNAL", "Qa.Internal"][j % 4]
            self.email_clean[i] = f"{name}+{1000 + j}@{dom}"
        self.phone = self._phones()
        self.own_referral_code = np.asarray(
            [
                f"{f[:4].upper()}{c}"
                for f, c in zip(
                    self.first_name.tolist(), base36_codes(np.arange(n), 104729, 5), strict=True
                )
            ],
            dtype=object,
        )
        self.referral_code = np.full(n, None, dtype=object)
        self.engagement = np.exp(rng.normal(np.log(0.22), 0.85, n)).clip(0.02, 2.5)
        churn = rng.random(n) < 0.35
        self.active_end = np.where(
            churn, self.created + (rng.exponential(8.0, n) * DAY).astype(np.int64), self.ctx.t_end
        )
        self.active_end = np.clip(self.active_end, self.created + HOUR, self.ctx.t_end)
        self.is_seller = rng.random(n) < 0.18
        for members in self.households:
            self.last_name[members] = self.last_name[members[0]]
            refd = members[1:][rng.random(members.size - 1) < 0.7]
            self.referral_code[refd] = self.own_referral_code[members[0]]

    def _phones(self) -> np.ndarray:
        rng, n = self.ctx.rng, self.n
        out = np.full(n, None, dtype=object)
        has = rng.random(n) < 0.88
        fmt = rng.integers(0, 4, n)
        nums = rng.integers(0, 10**9, n)
        for i in np.nonzero(has)[0].tolist():
            out[i] = make_phone(int(self.country[i]), int(nums[i]), int(fmt[i]))
        return out

    # ------------------------------------------------------------------ identifiers
    def _identifiers(self) -> None:
        rng, n = self.ctx.rng, self.n
        self.dev_primary = self.devices.new(n)
        self.dev_secondary = np.full(n, -1, dtype=np.int64)
        second = rng.random(n) < 0.2
        self.dev_secondary[second] = self.devices.new(int(second.sum()))
        # a few generic (emulator-like default) fingerprints shared by many unrelated users
        self.generic_devices = self.devices.new(len(ref.GENERIC_DEVICE_IDS))
        generic = (rng.random(n) < 0.006) & (self.role == ROLE_BENIGN) | self.is_test
        self.dev_primary[generic] = rng.choice(self.generic_devices, int(generic.sum()))
        # home IPs: residential addresses by country block
        base = (rng.integers(24, 220, n) << 24) + (rng.integers(0, 256, n) << 16)
        self.home_ip = base + rng.integers(0, 65536, n)
        # carrier NAT / campus / office IPs, each shared by hundreds of unrelated users
        n_nat = max(3, n // 2500)
        self.nat_ips = (rng.integers(100, 200, n_nat) << 24) + rng.integers(0, 1 << 24, n_nat)
        nat_country = rng.choice(len(ref.COUNTRIES), n_nat)
        self.nat_ip = np.full(n, -1, dtype=np.int64)
        uses_nat = rng.random(n) < 0.35
        choice = rng.integers(0, n_nat, n)
        same = np.nonzero(nat_country[choice] != self.country)[0]
        choice[same] = rng.integers(0, n_nat, same.size)  # a second try for a local one
        self.nat_ip[uses_nat] = self.nat_ips[choice[uses_nat]]
        r = rng.random(n)
        self.signup_ip = np.where(
            r < 0.6, self.home_ip, np.where((r < 0.92) & uses_nat, self.nat_ip, self.home_ip)
        )
        travel = r >= 0.95
        self.signup_ip[travel] = (rng.integers(24, 220, int(travel.sum())) << 24) + rng.integers(
            0, 1 << 24, int(travel.sum())
        )
        self.signup_device = np.where(
            (rng.random(n) < 0.1) & (self.dev_secondary >= 0), self.dev_secondary, self.dev_primary
        )
        # cards
        card_country = np.asarray(ref.COUNTRY_CODES)[self.country]
        bins = self._bins(n)
        self.card_primary = self.cards.new(n, bin=bins, country=card_country)
        self.card_secondary = np.full(n, -1, dtype=np.int64)
        two = rng.random(n) < 0.15
        self.card_secondary[two] = self.cards.new(
            int(two.sum()), bin=self._bins(int(two.sum())), country=card_country[two]
        )
        self.payout_account = self.payout_accounts.new(n)
        # households share a home IP and sometimes a device, a card or a bank account
        for members in self.households:
            head = members[0]
            self.home_ip[members] = self.home_ip[head]
            self.signup_ip[members] = self.home_ip[head]
            if rng.random() < 0.5:  # shared tablet
                self.dev_secondary[members] = self.dev_primary[head]
                kid = members[rng.random(members.size) < 0.4]
                self.signup_device[kid] = self.dev_primary[head]
            if rng.random() < 0.4:  # a parent's card
                self.card_secondary[members[1:]] = self.card_primary[head]
            if rng.random() < 0.2:  # a joint account
                self.payout_account[members[1]] = self.payout_account[head]

    def _bins(self, k: int) -> np.ndarray:
        rng = self.ctx.rng
        prefix = rng.choice([4, 4, 4, 5, 5, 37], k)
        body = rng.integers(0, 10**5, k)
        return np.array(
            [
                f"{p}{b:05d}"[:6] if p != 37 else f"37{b:04d}"[:6]
                for p, b in zip(prefix.tolist(), body.tolist(), strict=True)
            ],
            dtype=object,
        )

    # ------------------------------------------------------------------ fraud identifiers
    def _fraud_identifiers(self) -> None:
        rng = self.ctx.rng
        for g in self.groups:
            m = g.members
            k = m.size
            if g.typology == "bonus_farm":
                self._share_devices(m, 0.15)
                subnet = (int(rng.integers(45, 200)) << 24) + (int(rng.integers(0, 1 << 16)) << 8)
                p, s, c = chain_ids(rng, k, 0.2)
                last_octets = rng.choice(np.arange(2, 254), c, replace=False)
                ips = subnet + last_octets
                in_subnet = rng.random(k) < 0.85
                self.signup_ip[m] = np.where(in_subnet, ips[p], self.home_ip[m])
                self.home_ip[m] = np.where(in_subnet, ips[p], self.home_ip[m])
                self.nat_ip[m] = np.where(s >= 0, ips[np.maximum(s, 0)], -1)
                cp, cs, cc = chain_ids(rng, k, 0.3)
                cards = self.cards.new(
                    cc, bin=self._bins(cc), country=ref.COUNTRY_CODES[self.country[m[0]]]
                )
                self.card_primary[m] = cards[cp]
                self.card_secondary[m] = np.where(cs >= 0, cards[np.maximum(cs, 0)], -1)
                # the collector receives the value and pays out to a few accounts
                g.info["collector"] = int(m[-1] if rng.random() < 0.5 else m[0])
                accts = self.payout_accounts.new(int(rng.integers(2, 4)))
                g.info["payout_accounts"] = accts
                self._farm_emails(m)
                if not g.info["via_affiliate"]:  # referral chain among themselves
                    for j in range(1, k):
                        referrer = m[max(0, j - int(rng.integers(1, 4)))]
                        self.referral_code[m[j]] = self.own_referral_code[referrer]
                else:
                    chained = np.nonzero(rng.random(k) < 0.25)[0]
                    for j in chained[chained > 0].tolist():
                        self.referral_code[m[j]] = self.own_referral_code[m[j - 1]]
            elif g.typology == "card_testing":
                self._share_devices(m, 0.0)
                proxy = self._new_ips(1)[0]
                self.signup_ip[m] = proxy
                self.home_ip[m] = proxy
                g.info["card_pool"] = int(rng.integers(30, 90))
            elif g.typology == "collusive_trading":
                self._share_devices(m, 0.2)
                p, s, c = chain_ids(rng, k, 0.2)
                ips = self._new_ips(c)
                self.home_ip[m] = ips[p]
                self.signup_ip[m] = ips[p]
                self.nat_ip[m] = np.where(s >= 0, ips[np.maximum(s, 0)], self.nat_ip[m])
                cp, cs, cc = chain_ids(rng, k, 0.4)
                cards = self.cards.new(
                    cc, bin=self._bins(cc), country=ref.COUNTRY_CODES[self.country[m[0]]]
                )
                self.card_primary[m] = cards[cp]
                pp, ps, pc = chain_ids(rng, k, 0.4)
                self.payout_account[m] = self.payout_accounts.new(pc)[pp]
            elif g.typology == "mule_cashout":
                nm = g.info["n_mules"]
                mules, buyers = m[:nm], m[nm:]
                g.info["mules"], g.info["buyers"] = mules, buyers
                pp, ps, pc = (
                    chain_ids(rng, nm, 0.1) if nm > 1 else (np.zeros(1, int), np.full(1, -1), 1)
                )
                accts = self.payout_accounts.new(pc)
                self.payout_account[mules] = accts[pp]
                g.info["mule_accounts"] = [
                    accts[pp[i]] if ps[i] < 0 else np.array([accts[pp[i]], accts[ps[i]]])
                    for i in range(nm)
                ]
                self._share_devices(buyers, 0.2)
                p, s, c = chain_ids(rng, buyers.size, 0.2)
                ips = self._new_ips(c)
                self.signup_ip[buyers] = ips[p]
                self.home_ip[buyers] = ips[p]
                self.nat_ip[buyers] = np.where(s >= 0, ips[np.maximum(s, 0)], -1)
                self.is_seller[mules] = True
                self._farm_emails(buyers)
        # card-testing solo actors (role CT without a group)
        solo = np.nonzero((self.role == ROLE_CT) & (self.group_index < 0))[0]
        self.signup_ip[solo] = self._new_ips(solo.size)
        self.home_ip[solo] = self.signup_ip[solo]

    def _share_devices(self, m: np.ndarray, p_own: float) -> None:
        p, s, c = chain_ids(self.ctx.rng, m.size, p_own)
        devs = self.devices.new(c)
        self.dev_primary[m] = devs[p]
        self.signup_device[m] = devs[p]
        self.dev_secondary[m] = np.where(s >= 0, devs[np.maximum(s, 0)], -1)

    def _new_ips(self, k: int) -> np.ndarray:
        rng = self.ctx.rng
        return (rng.integers(24, 220, k) << 24) + rng.integers(0, 1 << 24, k)

    def _farm_emails(self, m: np.ndarray) -> None:
        rng = self.ctx.rng
        base_first = self.first_name[m[0]]
        base_last = self.last_name[m[0]]
        style = int(rng.integers(0, 3))
        start = int(rng.integers(1, 500))
        for j, u in enumerate(m.tolist()):
            if rng.random() < 0.25:
                continue  # some members use ordinary-looking addresses
            dom = ref.DISPOSABLE_DOMAINS[int(rng.integers(0, len(ref.DISPOSABLE_DOMAINS)))]
            if style == 0:
                self.email_clean[u] = f"{base_first}.{base_last}{start + j}@{dom}"
            elif style == 1:
                name = f"{base_first}{base_last}"
                dots = "".join(ch + ("." if (j >> b) & 1 else "") for b, ch in enumerate(name))
                self.email_clean[u] = f"{dots.rstrip('.')}@gmail.com"
            else:
                self.email_clean[u] = f"{base_first}{base_last}+{start + j}@gmail.com"
            self.first_name[u], self.last_name[u] = base_first, base_last

    # ------------------------------------------------------------------ account takeover
    def _choose_ato_victims(self) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        eligible = (self.role == ROLE_BENIGN) & (self.household < 0)
        taken = np.zeros(self.n, dtype=bool)
        for k in self.ato_plan:
            lo = ctx.t0 + min(3 * DAY, (ctx.t_end - ctx.t0) * 0.3)
            hi = max(lo + HOUR, ctx.t_end - 1.5 * DAY)
            start = rng.uniform(lo, hi)
            cand = np.nonzero(eligible & ~taken & (self.created < start - 2 * DAY))[0]
            if cand.size < 2:
                cand = np.nonzero(eligible & ~taken & (self.created < start - 6 * HOUR))[0]
            if cand.size < 2:
                continue
            victims = rng.choice(cand, min(k, cand.size), replace=False)
            taken[victims] = True
            self.role[victims] = ROLE_ATO
            attack_at = start + np.sort(rng.random(victims.size)) * rng.uniform(HOUR, 3 * DAY)
            attack_at = np.minimum(attack_at, ctx.t_end - 3 * HOUR).astype(np.int64)
            country, tz = ref.ATTACK_COUNTRIES[int(rng.integers(0, len(ref.ATTACK_COUNTRIES)))]
            p, s, c = chain_ids(rng, victims.size, 0.0)
            devs = self.devices.new(c)
            ip_p, _, ic = chain_ids(rng, victims.size, 0.1)
            ips = self._new_ips(ic)
            acct_p, _, ac = chain_ids(rng, victims.size, 0.0)
            accts = self.payout_accounts.new(min(ac, 3))
            gid = f"ATO-{len([g for g in self.groups if g.typology == 'account_takeover']) + 1:03d}"
            self.groups.append(
                Group(
                    gid,
                    "account_takeover",
                    victims,
                    {
                        "attack_at": attack_at,
                        "devices": devs[p],
                        "devices2": np.where(s >= 0, devs[np.maximum(s, 0)], devs[p]),
                        "ips": ips[ip_p],
                        "accounts": accts[acct_p % accts.size],
                        "country": country,
                        "tz": ctx.tzt.index[tz],
                    },
                )
            )
            self.group_index[victims] = len(self.groups) - 1

    # ------------------------------------------------------------------ channels
    def _channels(self) -> None:
        """The acquisition channel each user's journey is built for (truth is recomputed)."""
        rng, n = self.ctx.rng, self.n
        mix = rng.dirichlet(np.array([25, 24, 11, 12, 28], dtype=float) * 6)
        ch = rng.choice(5, size=n, p=mix)
        has_ref = np.array([c is not None for c in self.referral_code.tolist()])
        ch[has_ref & (rng.random(n) < 0.85)] = ref.CH_REFERRAL
        ch[self.is_test] = ref.CH_ORGANIC
        # referral-intended users without a code get one from an earlier benign user
        need = np.nonzero((ch == ref.CH_REFERRAL) & ~has_ref)[0]
        benign_idx = np.nonzero(self.role == ROLE_BENIGN)[0]
        for u in need.tolist():
            earlier = np.searchsorted(benign_idx, u)
            if earlier == 0:
                ch[u] = ref.CH_ORGANIC
                continue
            referrer = benign_idx[int(rng.integers(0, earlier))]
            self.referral_code[u] = self.own_referral_code[referrer]
        # a few people type a friend's code but arrive through an ad
        extra = np.nonzero((ch <= ref.CH_AFFILIATE) & (rng.random(n) < 0.03))[0]
        for u in extra.tolist():
            if u > 0:
                self.referral_code[u] = self.own_referral_code[int(rng.integers(0, u))]
        self.affiliate_partner = np.full(n, -1, dtype=np.int64)
        for g in self.groups:
            m = g.members
            if g.typology == "bonus_farm":
                if g.info["via_affiliate"]:
                    ch[m] = ref.CH_AFFILIATE
                    friendly = [i for i, a in enumerate(ref.AFFILIATES) if a[4]][0]
                    self.affiliate_partner[m] = friendly
                else:
                    ch[m] = np.where(
                        np.array([c is not None for c in self.referral_code[m].tolist()]),
                        ref.CH_REFERRAL,
                        ref.CH_ORGANIC,
                    )
            elif g.typology == "collusive_trading":
                ch[m] = rng.choice([ref.CH_ORGANIC, ref.CH_SOCIAL, ref.CH_SEARCH], m.size)
            elif g.typology == "mule_cashout":
                ch[g.info["buyers"]] = rng.choice(
                    [ref.CH_SOCIAL, ref.CH_ORGANIC], g.info["buyers"].size
                )
                ch[g.info["mules"]] = rng.choice(
                    [ref.CH_ORGANIC, ref.CH_SOCIAL, ref.CH_SEARCH], g.info["mules"].size
                )
        ct = self.role == ROLE_CT
        ch[ct] = rng.choice([ref.CH_ORGANIC, ref.CH_SEARCH], int(ct.sum()))
        # a referral intent without a code cannot happen
        no_code = np.array([c is None for c in self.referral_code.tolist()])
        ch[(ch == ref.CH_REFERRAL) & no_code] = ref.CH_ORGANIC
        self.intended_channel = ch

    # ------------------------------------------------------------------ labels
    def labels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        typology = np.full(self.n, None, dtype=object)
        group = np.full(self.n, None, dtype=object)
        fraud = self.role >= 2
        typology[fraud] = np.asarray(ref.TYPOLOGIES, dtype=object)[self.role[fraud] - 2]
        for g in self.groups:
            group[g.members] = g.gid
        return fraud, typology, group
