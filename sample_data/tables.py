"""Turn simulated activity into delivered tables: text formats, identifiers, delivery batches and
the delivery quirks of each upstream system."""

from __future__ import annotations

import numpy as np

from sample_data import reference as ref
from sample_data.activity import EV_COUNTRIES, PAY_STATUS, PAYOUT_STATUS, PROMO_CODES, PURPOSE
from sample_data.landing import Lazy, Table, outage, redeliver
from sample_data.money import minor_texts
from sample_data.outcomes import ACTIONS, Outcomes
from sample_data.population import Ctx, Population
from sample_data.util import (
    HOUR,
    fmt_ip,
    fmt_offset_ts,
    fmt_utc,
    hex_ids,
)

EVENT_PROPS = {
    ref.EV_APP_OPEN: ['{"cold_start":true}', '{"cold_start":false}', "{}", None],
    ref.EV_LOGIN: ['{"method":"password"}', '{"method":"biometric"}', '{"method":"google"}', None],
    ref.EV_LOGIN_FAILED: [
        '{"reason":"wrong_password"}',
        '{"reason":"wrong_password"}',
        '{"reason":"otp_failed"}',
        None,
    ],
    ref.EV_PASSWORD_RESET: ['{"channel":"email"}', '{"channel":"sms"}', None, None],
    ref.EV_PAYOUT_METHOD: ['{"type":"bank_account"}', '{"type":"wallet"}', None, None],
    ref.EV_KYC: [
        '{"document":"passport"}',
        '{"document":"id_card"}',
        '{"document":"driving_licence"}',
        None,
    ],
}
LISTING_SOURCES = ["search", "feed", "share", "direct"]
EVENT_TYPE_TEXT = np.asarray(ref.EVENT_TYPES, dtype=object)
EVENT_VERSIONS = np.asarray(["5.12.0", "5.12.1", "5.13.0", "5.14.2"], dtype=object)
EVENT_COUNTRY_TEXT = np.asarray(EV_COUNTRIES, dtype=object)


def _event_country(s: dict) -> list:
    """Geo-IP country of events; a few arrive in lower case."""
    country = EVENT_COUNTRY_TEXT[s["c"]]
    low = s["low"]
    country[low] = [c.lower() for c in country[low]]
    return country.tolist()


SIGNUP_METHODS = ["email", "google", "apple", "email"]


class Builder:
    """Renders every table of the landing zone from the simulation."""

    def __init__(self, ctx: Ctx, pop: Population, sim, out: Outcomes, rng: np.random.Generator):
        self.ctx, self.pop, self.sim, self.out, self.rng = ctx, pop, sim, out, rng
        self.last = ctx.hours - 1
        self.stats: dict[str, int] = {}
        self.user_id = pop.user_id
        self.device_text = np.asarray(
            hex_ids(np.arange(pop.devices.n), 0xDE71CE, "", 32), dtype=object
        )
        for j, d in enumerate(pop.generic_devices.tolist()):
            self.device_text[d] = ref.GENERIC_DEVICE_IDS[j]
        self.card_text = np.asarray(hex_ids(np.arange(pop.cards.n), 0xCA4D, "", 16), dtype=object)
        self.card_bin = pop.cards.attr("bin")
        self.card_country = pop.cards.attr("country")
        self.account_text = np.asarray(
            hex_ids(np.arange(pop.payout_accounts.n), 0xACC7, "", 32), dtype=object
        )
        self.listing_text = np.asarray(
            hex_ids(np.arange(sim.listing_owner.size), 0x11571, "lst_", 12), dtype=object
        )

    def batch_of(self, t: np.ndarray) -> np.ndarray:
        return (np.asarray(t, dtype=np.int64) - self.ctx.t0) // HOUR

    def drift_batch(self, frac_lo: float, frac_hi: float) -> int:
        return int(self.rng.uniform(frac_lo, frac_hi) * self.ctx.hours)

    def uid(self, users: np.ndarray) -> list:
        users = np.asarray(users, dtype=np.int64)
        out = self.user_id[np.maximum(users, 0)].copy()
        out[users < 0] = None
        return out.tolist()

    # ------------------------------------------------------------------ app/users
    def users(self) -> Table:
        pop, rng, v = self.pop, self.rng, self.out.versions
        n = pop.n
        email = pop.email_clean.copy()
        r = rng.random(n)
        for i in np.nonzero(r < 0.02)[0].tolist():
            e = email[i]
            local, dom = e.split("@", 1)
            style = int(rng.integers(0, 3))
            if style == 0:
                email[i] = local.capitalize() + "@" + dom
            elif style == 1:
                email[i] = local + "@" + dom.capitalize()
            else:
                email[i] = e.upper()
        spaces = np.nonzero((r >= 0.02) & (r < 0.028))[0]
        for i in spaces.tolist():
            email[i] = [" ", "", "  "][i % 3] + email[i] + [" ", " ", ""][i % 3]
        country = np.asarray(ref.COUNTRY_CODES, dtype=object)[pop.country]
        rc = rng.random(n)
        country = np.where(
            rc < 0.02,
            [c.lower() for c in country],
            np.where(
                rc < 0.025,
                [c.capitalize() for c in country],
                np.where(rc < 0.03, [" " + c for c in country], country),
            ),
        )
        opt_in = np.where(rng.random(n) < 0.42, "true", "false")
        u = v["user"]
        drift = self.drift_batch(0.3, 0.5)
        t = Table(
            "app/users",
            "csv",
            [
                "user_id",
                "email",
                "phone",
                "country",
                "created_at",
                "updated_at",
                "signup_ip",
                "signup_device_id",
                "referral_code",
                "own_referral_code",
                "status",
                "kyc_level",
            ],
            key=["user_id"],
            drift=[("marketing_opt_in", drift)],
            ts_col="updated_at",
        )
        t.set_rows(
            {
                "user_id": self.user_id[u],
                "email": email[u],
                "phone": v["phone"],
                "country": country[u],
                "created_at": np.asarray(fmt_utc(pop.created), object)[u],
                "updated_at": fmt_utc(v["t"]),
                "signup_ip": np.asarray(fmt_ip(pop.signup_ip), dtype=object)[u],
                "signup_device_id": self.device_text[pop.signup_device[u]],
                "referral_code": pop.referral_code[u],
                "own_referral_code": pop.own_referral_code[u],
                "status": v["status"],
                "kyc_level": v["kyc"].tolist(),
                "marketing_opt_in": opt_in[u],
            },
            self.batch_of(v["t"]),
            v["t"],
        )
        # an older version re-sent after a newer one
        last_of = {}
        for i, uu in enumerate(u.tolist()):
            last_of[uu] = i
        versions_of = np.bincount(u, minlength=n)
        multi = np.nonzero(versions_of >= 2)[0]
        k = max(3, int(round(0.01 * multi.size)))
        pick = rng.choice(multi, min(k, multi.size), replace=False) if multi.size else []
        resent = 0
        for uu in np.sort(np.asarray(pick, dtype=np.int64)).tolist():
            latest = last_of[uu]
            older = latest - int(rng.integers(1, versions_of[uu]))
            b = int(t.batch[latest]) + int(rng.integers(1, 48))
            if b > self.last:
                continue
            t.copy_rows(np.array([older]), b, self.ctx.t0 + b * HOUR + 1)
            resent += 1
        self.stats["users_older_version_resent"] = resent
        self.stats["users_with_newer_versions"] = int(multi.size)
        return t

    # ------------------------------------------------------------------ events
    def events(self, drift_dev: np.ndarray) -> tuple[Table, dict]:
        ctx, rng, sim = self.ctx, self.rng, self.sim
        ev = sim.ev
        n = ev["t"].size
        occurred = ev["t"] + drift_dev[ev["device"]]
        received = ev["t"] + rng.integers(0, 3, n)
        late = np.nonzero(rng.random(n) < 0.005)[0]
        delay = rng.integers(HOUR, 72 * HOUR, late.size)
        ok = received[late] + delay < ctx.t_end
        received[late[ok]] += delay[ok]
        self.stats["events_late"] = int(ok.sum())
        keep = (received < ctx.t_end) & (ev["t"] >= ctx.t0)
        idx = np.nonzero(keep)[0]
        offset = ctx.tzt.offset(ev["tz"][idx], ev["t"][idx])
        anon_text = self.anon_text
        drift = self.drift_batch(0.4, 0.6)
        t = Table(
            "events/app_events",
            "jsonl",
            [
                "event_id",
                "event_type",
                "user_id",
                "anonymous_id",
                "occurred_at",
                "received_at",
                "device_id",
                "ip",
                "country",
                "properties",
            ],
            key=["event_id"],
            kinds={"properties": "raw"},
            drift=[("app_version", drift), ("os", drift)],
            ts_col="occurred_at",
        )
        # Columns are kept as numbers and rendered when the files are written (Lazy): the text
        # of every event at once would not fit in memory at large scales.
        low = rng.random(idx.size) < 0.01
        version_code = rng.integers(0, 4, idx.size).astype(np.int8)
        android = rng.random(idx.size) < 0.55
        ev_user = ev["user"][idx]
        t.set_rows(
            {
                "event_id": Lazy(lambda s: hex_ids(s["i"], 0xE7E7, "ev_", 16), {"i": idx}),
                "event_type": Lazy(
                    lambda s: EVENT_TYPE_TEXT[s["c"]].tolist(),
                    {"c": ev["etype"][idx].astype(np.int8)},
                ),
                "user_id": Lazy(lambda s: self.uid(s["u"]), {"u": ev_user}),
                "anonymous_id": Lazy(
                    lambda s: [anon_text[a] for a in s["a"].tolist()], {"a": ev["anon"][idx]}
                ),
                "occurred_at": Lazy(
                    lambda s: fmt_offset_ts(s["t"], s["o"]),
                    {"t": occurred[idx], "o": offset.astype(np.int32)},
                ),
                "received_at": Lazy(lambda s: fmt_utc(s["t"]), {"t": received[idx]}),
                "device_id": Lazy(
                    lambda s: self.device_text[s["d"]].tolist(), {"d": ev["device"][idx]}
                ),
                "ip": Lazy(lambda s: fmt_ip(s["ip"]), {"ip": ev["ip"][idx]}),
                "country": Lazy(
                    _event_country, {"c": ev["country"][idx].astype(np.int16), "low": low}
                ),
                "properties": Lazy(
                    self._event_props,
                    {
                        "etype": ev["etype"][idx].astype(np.int8),
                        "aux": (ev["aux"][idx] % 4),
                        "listing": ev["listing"][idx],
                        "user": ev_user,
                    },
                ),
                "app_version": Lazy(lambda s: EVENT_VERSIONS[s["c"]].tolist(), {"c": version_code}),
                "os": Lazy(
                    lambda s: np.where(s["android"], "android", "ios").tolist(),
                    {"android": android},
                ),
            },
            self.batch_of(received[idx]),
            received[idx],
        )
        # app opens as delivered, for the truth (occurred_at in UTC)
        logical = {"idx": idx, "occurred": occurred[idx], "received": received[idx]}
        self.stats["events_received_before_occurred"] = int((received[idx] < occurred[idx]).sum())
        down = outage(t, rng, 0.003, self.last)
        self.stats["event_outage_hours"] = len(down)
        self.stats["events_redelivered"] = redeliver(t, rng, 0.005, self.last, 72, avoid=down)
        return t, logical

    def _event_props(self, s: dict) -> list:
        """The properties object of events (etype, aux % 4, listing, user) as JSON text."""
        pop = self.pop
        et = s["etype"]
        aux = s["aux"]
        out = np.empty(et.size, dtype=object)
        for etype, opts in EVENT_PROPS.items():
            sel = np.nonzero(et == etype)[0]
            out[sel] = np.asarray(opts, dtype=object)[aux[sel]]
        sel = np.nonzero(et == ref.EV_LISTING_VIEWED)[0]
        lst = s["listing"][sel]
        out[sel] = [
            None
            if li < 0
            else f'{{"listing_id":"{self.listing_text[li]}","source":"{LISTING_SOURCES[a]}"}}'
            for li, a in zip(lst.tolist(), aux[sel].tolist(), strict=True)
        ]
        sel = np.nonzero(et == ref.EV_SIGNUP)[0]
        users = s["user"][sel]
        out[sel] = [
            f'{{"method":"{SIGNUP_METHODS[a]}","referral_code":'
            + ("null" if code is None else f'"{code}"')
            + "}"
            for a, code in zip(aux[sel].tolist(), pop.referral_code[users].tolist(), strict=True)
        ]
        return out.tolist()

    # ------------------------------------------------------------------ payments
    def payments(self) -> Table:
        ctx, rng, pay = self.ctx, self.rng, self.sim.pay
        n = pay["t"].size
        ms = pay["t"] * 1000 + rng.integers(0, 1000, n)
        self.attempt_id = np.asarray(hex_ids(np.arange(n), 0xA77E, "pa_", 16), dtype=object)
        drift = self.drift_batch(0.5, 0.7)
        wallet = np.asarray([None, None, None, "apple_pay", "google_pay"], dtype=object)[
            rng.integers(0, 5, n)
        ]
        card = pay["card"]
        t = Table(
            "payments/payment_attempts",
            "csv",
            [
                "attempt_id",
                "user_id",
                "created_at",
                "amount_minor",
                "currency",
                "purpose",
                "card_fingerprint",
                "card_bin",
                "card_country",
                "status",
                "decline_code",
            ],
            key=["attempt_id"],
            drift=[("wallet_type", drift)],
            ts_col="created_at",
            ts_kind="epoch",
            amount_col="amount_minor",
            currency_col="currency",
        )
        decline = np.asarray(ref.DECLINE_CODES + [None], dtype=object)[pay["decline"]]
        t.set_rows(
            {
                "attempt_id": self.attempt_id,
                "user_id": self.uid(pay["user"]),
                "created_at": ms.tolist(),
                "amount_minor": pay["amount"].tolist(),
                "currency": np.asarray(ref.CURRENCY_CODES, dtype=object)[pay["cur"]],
                "purpose": np.asarray(PURPOSE, dtype=object)[pay["purpose"]],
                "card_fingerprint": self.card_text[card],
                "card_bin": self.card_bin[card],
                "card_country": self.card_country[card],
                "status": np.asarray(PAY_STATUS, dtype=object)[pay["status"]],
                "decline_code": decline,
                "wallet_type": wallet,
            },
            self.batch_of(pay["t"]),
            ms,
        )
        # attempts the processor lost and re-sent only after their chargeback arrived
        cb = self.out.cb
        cb_batch = self.batch_of(cb["t"])
        room = np.nonzero(cb_batch < self.last - 1)[0]
        k = max(1, int(round(0.08 * cb["attempt"].size))) if room.size else 0
        early = rng.choice(room, min(k, room.size), replace=False) if k else np.empty(0, int)
        att = cb["attempt"][early]
        new_b = np.minimum(cb_batch[early] + rng.integers(1, 48, early.size), self.last)
        t.batch[att] = new_b
        t.order[att] = (ctx.t0 + new_b * HOUR) * 1000 + 5
        self.early_attempts = att
        self.stats["attempts_resent_after_chargeback"] = int(att.size)
        down = outage(t, rng, 0.003, self.last)
        self.stats["payment_outage_hours"] = len(down)
        eligible = np.setdiff1d(np.arange(t.n), att)
        self.stats["attempts_redelivered"] = redeliver(
            t, rng, 0.003, self.last, 48, eligible=eligible, avoid=down
        )
        return t

    def chargebacks(self) -> Table:
        cb = self.out.cb
        n = cb["t"].size
        t = Table(
            "payments/chargebacks",
            "csv",
            ["chargeback_id", "attempt_id", "received_at", "reason", "amount_minor", "currency"],
            key=["chargeback_id"],
            ts_col="received_at",
            amount_col="amount_minor",
            currency_col="currency",
        )
        t.set_rows(
            {
                "chargeback_id": hex_ids(np.arange(n), 0xCB, "cb_", 16),
                "attempt_id": self.attempt_id[cb["attempt"]],
                "received_at": fmt_utc(cb["t"]),
                "reason": np.asarray(ref.CHARGEBACK_REASONS, dtype=object)[cb["reason"]],
                "amount_minor": cb["amount"].tolist(),
                "currency": np.asarray(ref.CURRENCY_CODES, dtype=object)[cb["cur"]],
            },
            self.batch_of(cb["t"]),
            cb["t"],
        )
        return t

    def payouts(self) -> Table:
        po = self.sim.po
        n = po["t"].size
        t = Table(
            "payments/payouts",
            "csv",
            [
                "payout_id",
                "user_id",
                "requested_at",
                "amount_minor",
                "currency",
                "payout_account_hash",
                "status",
            ],
            key=["payout_id"],
            ts_col="requested_at",
            amount_col="amount_minor",
            currency_col="currency",
        )
        t.set_rows(
            {
                "payout_id": hex_ids(np.arange(n), 0x9047, "po_", 16),
                "user_id": self.uid(po["user"]),
                "requested_at": fmt_utc(po["t"]),
                "amount_minor": po["amount"].tolist(),
                "currency": np.asarray(ref.CURRENCY_CODES, dtype=object)[po["cur"]],
                "payout_account_hash": self.account_text[po["account"]],
                "status": np.asarray(PAYOUT_STATUS, dtype=object)[po["status"]],
            },
            self.batch_of(po["t"]),
            po["t"],
        )
        self.payout_id = t.data["payout_id"][:n].copy()
        return t

    def trades(self) -> Table:
        tr = self.sim.trd
        n = tr["t"].size
        t = Table(
            "trading/trades",
            "parquet",
            [
                "trade_id",
                "listing_id",
                "buyer_id",
                "seller_id",
                "executed_at",
                "price",
                "quantity",
                "currency",
                "fee",
            ],
            key=["trade_id"],
            ts_col="executed_at",
            ts_kind="parquet_ts",
            amount_col="price",
            amount_kind="parquet",
            currency_col="currency",
        )
        t.set_rows(
            {
                "trade_id": np.asarray(hex_ids(np.arange(n), 0x7EAD, "tr_", 16), dtype=object),
                "listing_id": self.listing_text[tr["listing"]],
                "buyer_id": np.asarray(self.uid(tr["buyer"]), dtype=object),
                "seller_id": np.asarray(self.uid(tr["seller"]), dtype=object),
                "executed_at": tr["t"].astype(np.int64),
                "price": tr["price"].astype(np.int64),
                "quantity": tr["qty"].astype(np.int64),
                "currency": np.asarray(ref.CURRENCY_CODES, dtype=object)[tr["cur"]],
                "fee": tr["fee"].astype(np.int64),
            },
            self.batch_of(tr["t"]),
            tr["t"],
        )
        return t

    def redemptions(self) -> Table:
        red = self.sim.red
        n = red["t"].size
        t = Table(
            "promotions/redemptions",
            "csv",
            ["redemption_id", "user_id", "promo_code", "redeemed_at", "bonus_amount", "currency"],
            key=["redemption_id"],
            ts_col="redeemed_at",
            amount_col="bonus_amount",
            amount_kind="dec",
            currency_col="currency",
        )
        t.set_rows(
            {
                "redemption_id": hex_ids(np.arange(n), 0x4ED, "rd_", 16),
                "user_id": self.uid(red["user"]),
                "promo_code": np.asarray(PROMO_CODES, dtype=object)[red["code"]],
                "redeemed_at": fmt_utc(red["t"]),
                "bonus_amount": minor_texts(red["amount"], red["cur"]),
                "currency": np.asarray(ref.CURRENCY_CODES, dtype=object)[red["cur"]],
            },
            self.batch_of(red["t"]),
            red["t"],
        )
        return t

    # ------------------------------------------------------------------ support and risk
    def tickets(self) -> Table:
        tk = self.out.tickets
        order = np.argsort(tk["t"], kind="stable")
        order = order[tk["t"][order] < self.ctx.t_end]
        n = order.size
        ticket_id = np.asarray([f"TCK-{100001 + i * 3 + (i % 3)}" for i in range(n)], dtype=object)
        user, created = tk["user"][order], tk["t"][order]
        resolved = tk["resolved"][order]
        solved = resolved < self.ctx.t_end
        ca, cr = self.batch_of(created), self.batch_of(np.where(solved, resolved, created))
        # open version when created; solved version when resolved (one row if the same hour)
        open_rows = np.nonzero(~solved | (cr > ca))[0]
        solved_rows = np.nonzero(solved)[0]
        rows = np.concatenate([open_rows, solved_rows])
        is_solved = np.concatenate(
            [np.zeros(open_rows.size, bool), np.ones(solved_rows.size, bool)]
        )
        res = tk["resolution"][order][rows]
        csat = tk["csat"][order][rows]
        drift = self.drift_batch(0.55, 0.8)
        channel = np.asarray(["email", "chat", "chat", "phone", "in_app"], dtype=object)[
            self.rng.integers(0, 5, rows.size)
        ]
        t = Table(
            "support/tickets",
            "csv",
            [
                "ticket_id",
                "user_id",
                "created_at",
                "category",
                "status",
                "resolved_at",
                "resolution",
                "csat",
            ],
            key=["ticket_id"],
            ts_col="created_at",
            drift=[("contact_channel", drift)],
        )
        t.set_rows(
            {
                "ticket_id": ticket_id[rows],
                "user_id": self.uid(user[rows]),
                "created_at": np.asarray(fmt_utc(created), dtype=object)[rows],
                "category": np.asarray(ref.TICKET_CATEGORIES, dtype=object)[
                    tk["category"][order][rows]
                ],
                "status": np.where(is_solved, "solved", "open").astype(object),
                "resolved_at": np.where(
                    is_solved,
                    np.asarray(fmt_utc(np.where(solved, resolved, created)), dtype=object)[rows],
                    None,
                ),
                "resolution": np.where(is_solved, res, None),
                "csat": [
                    c if (s and c > 0) else None
                    for c, s in zip(csat.tolist(), is_solved.tolist(), strict=True)
                ],
                "contact_channel": channel,
            },
            np.where(is_solved, cr[rows], ca[rows]),
            np.where(is_solved, resolved[rows], created[rows]),
        )
        self.stats["tickets_reopened_versions"] = int(solved_rows.size)
        return t

    def decisions(self) -> Table:
        d = self.out.dec
        n = d["t"].size
        subject = np.empty(n, dtype=object)
        cp = d["checkpoint"]
        for c, ids in ((0, None), (1, None), (2, self.attempt_id), (3, self.payout_id)):
            sel = np.nonzero(cp == c)[0]
            if ids is None:  # the scored event, by the same id scheme as app_events
                subject[sel] = hex_ids(d["subject"][sel], 0xE7E7, "ev_", 16)
            else:
                subject[sel] = ids[d["subject"][sel]]
        keep = d["t"] < self.ctx.t_end
        idx = np.nonzero(keep)[0]
        t = Table(
            "risk/decisions",
            "jsonl",
            [
                "decision_id",
                "user_id",
                "checkpoint",
                "subject_id",
                "decided_at",
                "score",
                "action",
                "rules_hit",
            ],
            key=["decision_id"],
            kinds={"score": "int", "rules_hit": "raw"},
            ts_col="decided_at",
        )
        t.set_rows(
            {
                "decision_id": hex_ids(idx, 0xDEC, "dec_", 16),
                "user_id": self.uid(d["user"][idx]),
                "checkpoint": np.asarray(ref.CHECKPOINTS, dtype=object)[cp[idx]],
                "subject_id": subject[idx],
                "decided_at": fmt_utc(d["t"][idx]),
                "score": d["score"][idx].tolist(),
                "action": np.asarray(ACTIONS, dtype=object)[d["action"][idx]],
                "rules_hit": np.asarray(d["rules"], dtype=object)[idx],
            },
            self.batch_of(d["t"][idx]),
            d["t"][idx],
        )
        return t

    def cases(self) -> Table:
        cs = self.out.cases
        order = np.argsort(cs["t"], kind="stable")
        order = order[cs["t"][order] < self.ctx.t_end]
        n = order.size
        case_id = np.asarray([f"CASE-{200001 + i}" for i in range(n)], dtype=object)
        opened, closed = cs["t"][order], cs["closed"][order]
        is_closed = (closed >= 0) & (closed < self.ctx.t_end)
        bo = self.batch_of(opened)
        bc = self.batch_of(np.where(is_closed, closed, opened))
        open_rows = np.nonzero(~is_closed | (bc > bo))[0]
        closed_rows = np.nonzero(is_closed)[0]
        rows = np.concatenate([open_rows, closed_rows])
        final = np.concatenate([np.zeros(open_rows.size, bool), np.ones(closed_rows.size, bool)])
        t = Table(
            "risk/case_outcomes",
            "csv",
            ["case_id", "user_id", "opened_at", "closed_at", "source", "outcome", "typology"],
            key=["case_id"],
            ts_col="opened_at",
        )
        t.set_rows(
            {
                "case_id": case_id[rows],
                "user_id": self.uid(cs["user"][order][rows]),
                "opened_at": np.asarray(fmt_utc(opened), dtype=object)[rows],
                "closed_at": np.where(
                    final,
                    np.asarray(fmt_utc(np.where(is_closed, closed, opened)), dtype=object)[rows],
                    None,
                ),
                "source": cs["source"][order][rows],
                "outcome": np.where(final, cs["outcome"][order][rows], None),
                "typology": np.where(final, cs["typology"][order][rows], None),
            },
            np.where(final, bc[rows], bo[rows]),
            np.where(final, closed[rows], opened[rows]),
        )
        return t
