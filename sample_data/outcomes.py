"""The consequences of activity: the online risk engine's decisions and their effects, support
tickets, investigators' cases, chargebacks and the users' change history (CDC versions)."""

from __future__ import annotations

import json

import numpy as np

from sample_data import reference as ref
from sample_data.activity import Sim
from sample_data.population import (
    ROLE_ATO,
    ROLE_BENIGN,
    ROLE_BF,
    ROLE_COL,
    ROLE_CT,
    ROLE_MULE,
    make_phone,
)
from sample_data.util import DAY, HOUR

CP_SIGNUP, CP_LOGIN, CP_PAYMENT, CP_PAYOUT = range(4)
ACTIONS = ["allow", "challenge", "review", "block"]
TYPOLOGY_RULES = {
    ROLE_BF: [
        "device_shared",
        "subnet_velocity",
        "referral_chain",
        "disposable_email",
        "ip_velocity",
        "bonus_then_payout",
        "shared_payout_account",
        "email_pattern",
    ],
    ROLE_CT: [
        "card_velocity",
        "bin_velocity",
        "small_amount_burst",
        "cvc_failures",
        "many_cards_per_user",
        "card_country_mismatch",
    ],
    ROLE_ATO: [
        "new_device",
        "new_country",
        "failed_login_burst",
        "payout_after_password_reset",
        "new_payout_method",
        "impossible_travel",
    ],
    ROLE_COL: ["high_amount", "device_shared", "rapid_cashout"],
    ROLE_MULE: [
        "rapid_cashout",
        "shared_payout_account",
        "card_country_mismatch",
        "high_amount",
        "new_payout_method",
    ],
}


def action_of(score: np.ndarray) -> np.ndarray:
    return np.where(score >= 900, 3, np.where(score >= 800, 2, np.where(score >= 650, 1, 0)))


class Outcomes:
    def __init__(self, sim: Sim):
        self.sim, self.pop, self.rng, self.ctx = sim, sim.pop, sim.rng, sim.ctx
        self._decisions()
        self._apply_effects()
        self._support_tickets()
        self._batch_alerts()
        self._chargebacks()
        self.tickets = sim.tickets.build()
        self.cases = sim.cases.build()
        self._user_versions()

    # ------------------------------------------------------------------ decisions
    def _decisions(self) -> None:
        sim, pop, rng = self.sim, self.pop, self.rng
        ev, pay, po = sim.ev, sim.pay, sim.po
        logins = sim.login_scored.build()["event"]
        signup_ev = sim.signup_event
        parts = [
            (
                np.full(pop.n, CP_SIGNUP),
                np.arange(pop.n),
                signup_ev,
                pop.created + rng.integers(1, 4, pop.n),
            ),
            (
                np.full(logins.size, CP_LOGIN),
                ev["user"][logins],
                logins,
                ev["t"][logins] + rng.integers(0, 3, logins.size),
            ),
            (
                np.full(pay["user"].size, CP_PAYMENT),
                pay["user"],
                np.arange(pay["user"].size),
                pay["t"],
            ),
            (
                np.full(po["user"].size, CP_PAYOUT),
                po["user"],
                np.arange(po["user"].size),
                po["t"] + rng.integers(1, 31, po["user"].size),
            ),
        ]
        cp = np.concatenate([p[0] for p in parts])
        user = np.concatenate([p[1] for p in parts]).astype(np.int64)
        subject = np.concatenate([p[2] for p in parts]).astype(np.int64)
        t = np.concatenate([p[3] for p in parts]).astype(np.int64)
        role = pop.role[user]
        fraud_actor = np.isin(role, [ROLE_BF, ROLE_CT, ROLE_COL, ROLE_MULE])
        mu = np.where(fraud_actor, 330.0, 150.0)
        mu = np.where(pop.is_test[user], 110.0, mu)
        score = rng.normal(mu, np.where(fraud_actor, 120, 95))
        forced = np.full(cp.size, -1, dtype=np.int64)
        forced_rules = np.full(cp.size, -1, dtype=np.int64)  # role whose rules explain it
        # locate decisions by (checkpoint, subject)
        offsets = np.cumsum([0] + [p[0].size for p in parts])

        login_pos = {int(e): i for i, e in enumerate(logins.tolist())}

        def at(checkpoint: int, idx) -> np.ndarray:
            idx = np.asarray(idx, dtype=np.int64)
            if checkpoint == CP_LOGIN:  # logins are located by their event index
                idx = np.asarray([login_pos[int(e)] for e in idx.tolist()], dtype=np.int64)
            return offsets[checkpoint] + idx

        def force(d: np.ndarray, lo: int, hi: int, rules_role: int) -> None:
            if d.size:
                forced[d] = rng.integers(lo, hi + 1, d.size)
                forced_rules[d] = rules_role

        caught_users: list[int] = []
        for g in pop.groups:
            m = g.members
            if g.typology == "bonus_farm" and rng.random() < 0.5:
                hit = m[rng.random(m.size) < 0.45]
                force(at(CP_SIGNUP, hit), 800, 999, ROLE_BF)
                if "payouts" in g.info:
                    force(at(CP_PAYOUT, g.info["payouts"][-1:]), 910, 999, ROLE_BF)
                caught_users += hit.tolist()
            elif g.typology == "account_takeover":
                for j, _v in enumerate(g.info.get("payouts", [])):
                    if rng.random() < 0.4:
                        force(at(CP_LOGIN, [g.info["logins"][j]]), 650, 899, ROLE_ATO)
                        force(at(CP_PAYOUT, [g.info["payouts"][j]]), 800, 899, ROLE_ATO)
            elif g.typology == "collusive_trading" and rng.random() < 0.25:
                u = int(m[int(rng.integers(0, m.size))])
                d = np.nonzero((user == u) & (cp >= CP_PAYMENT))[0]
                force(d[:1], 800, 899, ROLE_COL)
            elif g.typology == "mule_cashout" and rng.random() < 0.4:
                buyers = g.info["buyers"]
                bp = np.nonzero(
                    np.isin(pay["user"], buyers[rng.random(buyers.size) < 0.3])
                    & (pay["purpose"] == 1)
                )[0]
                force(at(CP_PAYMENT, bp), 800, 899, ROLE_MULE)
                mp = np.asarray(g.info.get("payouts", []), dtype=np.int64)
                force(at(CP_PAYOUT, mp[-2:]), 900, 999, ROLE_MULE)
                force(
                    at(CP_PAYOUT, mp[:-2][rng.random(max(mp.size - 2, 0)) < 0.2]),
                    800,
                    899,
                    ROLE_MULE,
                )
        # card testers: the velocity rules fire part-way into some bursts
        ct_pay = np.nonzero((pay["risk"] == 2) & (pay["purpose"] == 0))[0]
        for a in np.unique(pay["user"][ct_pay]).tolist():
            if rng.random() >= 0.55:
                continue
            mine = ct_pay[pay["user"][ct_pay] == a]
            cut = int(rng.integers(5, 16))
            force(at(CP_PAYMENT, mine[cut:]), 900, 999, ROLE_CT)
        # false positives on benign users
        benign = np.nonzero((pop.role == ROLE_BENIGN) | (pop.role == ROLE_ATO))[0]
        fp_users = benign[rng.random(benign.size) < 0.012]
        cand = np.nonzero(np.isin(user, fp_users) & (forced < 0))[0]
        if cand.size:
            order = rng.permutation(cand.size)
            cu = user[cand[order]]
            _, first = np.unique(cu, return_index=True)
            d = cand[order][first]
            r = rng.random(d.size)
            lo = np.where(r < 0.6, 650, np.where(r < 0.85, 800, 900))
            forced[d] = lo + rng.integers(0, 100, d.size)
            forced_rules[d] = -2
        score = np.where(forced >= 0, forced, np.clip(np.round(score), 0, 999)).astype(np.int64)
        score = np.where((forced < 0) & (score >= 650), 560 + score % 90, score)
        action = action_of(score)
        # natural challenges for fraud actors (the engine is suspicious, not sure)
        natural = (forced < 0) & fraud_actor & (rng.random(cp.size) < 0.03)
        score[natural] = rng.integers(650, 800, int(natural.sum()))
        action[natural] = 1
        rules = self._rules(cp, score, role, forced_rules)
        self.dec = {
            "checkpoint": cp,
            "user": user,
            "subject": subject,
            "t": t,
            "score": score,
            "action": action,
            "rules": rules,
        }

    def _rules(self, cp, score, role, forced_rules) -> list[str]:
        rng = self.rng
        n = cp.size
        k = np.where(
            score < 300,
            (rng.random(n) < 0.25).astype(np.int64),
            np.where(score < 650, rng.integers(1, 3, n), rng.integers(1, 4, n)),
        )
        pick = rng.random((n, 3))
        out = []
        pools = [ref.RULES[c] for c in ref.CHECKPOINTS]
        for i in range(n):
            ki = int(k[i])
            if ki == 0:
                out.append("[]")
                continue
            fr = int(forced_rules[i])
            pool = TYPOLOGY_RULES[fr] if fr >= 2 else pools[int(cp[i])]
            chosen = []
            for j in range(ki):
                r = pool[int(pick[i, j] * len(pool))]
                if r not in chosen:
                    chosen.append(r)
            out.append(json.dumps(chosen, separators=(",", ":")))
        return out

    # ------------------------------------------------------------------ effects
    def _apply_effects(self) -> None:
        sim, pop, rng, ctx = self.sim, self.pop, self.rng, self.ctx
        d = self.dec
        pay, po = sim.pay, sim.po
        blocked_pay = d["subject"][(d["checkpoint"] == CP_PAYMENT) & (d["action"] == 3)]
        pay["status"][blocked_pay] = 2
        pay["decline"][blocked_pay] = -1
        pay["cb_reason"][blocked_pay] = -1
        po_dec = d["checkpoint"] == CP_PAYOUT
        po["status"][d["subject"][po_dec & (d["action"] == 3)]] = 1
        po["status"][d["subject"][po_dec & (d["action"] == 2)]] = 2
        # restrictions: the first review or block of each user
        strong = np.nonzero(d["action"] >= 2)[0]
        order = strong[np.lexsort((d["t"][strong], d["user"][strong]))]
        _, first = np.unique(d["user"][order], return_index=True)
        for i in order[first].tolist():
            u = int(d["user"][i])
            t = int(d["t"][i])
            review = d["action"][i] == 2
            fraud = pop.role[u] >= 2 and pop.role[u] != ROLE_ATO
            ato_victim = (
                pop.role[u] == ROLE_ATO
                and d["checkpoint"][i] >= CP_LOGIN
                and int(d["score"][i]) >= 800
                and pop.groups[pop.group_index[u]].typology == "account_takeover"
            )
            t_r = t + int(rng.integers(1, 120))
            if t_r >= ctx.t_end:
                continue
            sim.changes.add(user=u, t=t_r, field="status", value="restricted")
            typ = ref.TYPOLOGIES[pop.role[u] - 2] if pop.role[u] >= 2 else None
            case_open = t + int(rng.integers(60, 900))
            if fraud or ato_victim:
                if review:
                    r = rng.random()
                    outcome = "confirmed_fraud" if r < 0.8 else "inconclusive"
                    closed = case_open + int(rng.integers(2 * HOUR, 3 * DAY))
                    self._case(u, case_open, closed, "online_review", outcome, typ)
                    if outcome == "confirmed_fraud" and not ato_victim and closed < ctx.t_end:
                        sim.changes.add(user=u, t=closed + 60, field="status", value="closed")
                    elif ato_victim:
                        sim.changes.add(user=u, t=closed + 60, field="status", value="active")
                if fraud and rng.random() < 0.2:
                    tc = t_r + int(rng.integers(HOUR, DAY))
                    sim.tickets.add(
                        user=u,
                        t=tc,
                        category=0,
                        resolved=tc + int(rng.integers(HOUR, 2 * DAY)),
                        resolution="restriction_upheld",
                        csat=self._csat(low=True),
                    )
                continue
            # a benign user wrongly restricted
            complains = rng.random() < 0.7
            t_lift = -1
            if complains:
                tc = t_r + int(rng.integers(HOUR, DAY))
                tr = tc + int(rng.integers(2 * HOUR, 2 * DAY))
                sim.tickets.add(
                    user=u,
                    t=tc,
                    category=0,
                    resolved=tr,
                    resolution="restriction_lifted",
                    csat=self._csat(),
                )
                t_lift = tr + 30
                if not review:
                    self._case(
                        u, tc + int(rng.integers(60, 1800)), tr, "support", "false_positive", None
                    )
            if review:
                closed = case_open + int(rng.integers(2 * HOUR, 2 * DAY))
                outcome = "false_positive" if rng.random() < 0.85 else "inconclusive"
                self._case(u, case_open, closed, "online_review", outcome, None)
                if outcome == "false_positive":
                    t_lift = min(t_lift, closed + 60) if t_lift > 0 else closed + 60
            if t_lift > 0:
                sim.changes.add(user=u, t=t_lift, field="status", value="active")

    def _case(self, user, opened, closed, source, outcome, typology) -> None:
        ctx = self.ctx
        if opened >= ctx.t_end:
            return
        text = (
            self.sim.analyst_text(typology) if typology and outcome == "confirmed_fraud" else None
        )
        if closed >= ctx.t_end or outcome is None:
            closed, outcome, text = -1, None, None
        self.sim.cases.add(
            user=user, t=opened, closed=closed, source=source, outcome=outcome, typology=text
        )

    def _csat(self, low: bool = False) -> int:
        rng = self.rng
        if rng.random() < 0.6:
            return -1
        p = [0.3, 0.25, 0.2, 0.15, 0.1] if low else [0.07, 0.08, 0.15, 0.3, 0.4]
        return int(rng.choice(5, p=p)) + 1

    # ------------------------------------------------------------------ support
    def _support_tickets(self) -> None:
        sim, pop, rng, ctx = self.sim, self.pop, self.rng, self.ctx
        pay = sim.pay
        benign = (pop.role == ROLE_BENIGN) | (pop.role == ROLE_ATO)
        dec = np.nonzero((pay["status"] == 1) & benign[pay["user"]])[0]
        dec = dec[rng.random(dec.size) < 0.08]
        self._tickets(
            pay["user"][dec], pay["t"][dec] + rng.integers(600, DAY, dec.size), 1, "answered"
        )
        red = sim.red
        r = np.nonzero(benign[red["user"]] & (rng.random(red["user"].size) < 0.015))[0]
        self._tickets(
            red["user"][r], red["t"][r] + rng.integers(HOUR, 3 * DAY, r.size), 3, "answered"
        )
        po = sim.po
        p = np.nonzero(benign[po["user"]] & (rng.random(po["user"].size) < 0.03))[0]
        self._tickets(
            po["user"][p], po["t"][p] + rng.integers(HOUR, 3 * DAY, p.size), 4, "answered"
        )
        who = np.nonzero(benign & (rng.random(pop.n) < 0.015))[0]
        t = pop.created[who] + (rng.random(who.size) * (ctx.t_end - pop.created[who])).astype(
            np.int64
        )
        self._tickets(who, t, 5, "answered")
        # scam complaints about other users (not account takeovers)
        who = np.nonzero((pop.role == ROLE_BENIGN) & (rng.random(pop.n) < 0.002))[0]
        t = pop.created[who] + (rng.random(who.size) * (ctx.t_end - pop.created[who])).astype(
            np.int64
        )
        self._tickets(who, t, 2, "answered")

    def _tickets(self, users, t, category, resolution) -> None:
        rng, ctx = self.rng, self.ctx
        keep = t < ctx.t_end - 60
        users, t = users[keep], t[keep]
        resolved = t + rng.integers(HOUR, 3 * DAY, users.size)
        resolved = np.where(rng.random(users.size) < 0.92, resolved, ctx.t_end + DAY)
        res = np.full(users.size, resolution, dtype=object)
        refund = rng.random(users.size) < 0.15
        res[refund & (category in (1, 3, 4))] = "refunded"
        csat = np.array([self._csat() for _ in range(users.size)], dtype=np.int64)
        self.sim.tickets.add(
            user=users, t=t, category=category, resolved=resolved, resolution=res, csat=csat
        )

    # ------------------------------------------------------------------ batch alerts
    def _batch_alerts(self) -> None:
        """A weekly graph job flags linked accounts: real rings and innocent look-alikes."""
        pop, rng, ctx = self.pop, self.rng, self.ctx
        monday = ctx.t0 + ((7 - (ctx.t0 // DAY + 3) % 7) % 7) * DAY + 2 * HOUR
        lookalike = np.nonzero(
            (pop.household >= 0) | np.isin(pop.dev_primary, pop.generic_devices)
        )[0]
        for run in range(ctx.days // 7 + 1):
            t_run = monday + run * 7 * DAY
            if t_run >= ctx.t_end:
                break
            for g in pop.groups:
                if g.typology == "account_takeover":
                    continue
                m = g.members[pop.created[g.members] < t_run - DAY]
                hit = m[rng.random(m.size) < 0.12]
                for u in hit.tolist():
                    r = rng.random()
                    outcome = (
                        "confirmed_fraud" if r < 0.65 else ("inconclusive" if r < 0.9 else None)
                    )
                    opened = t_run + int(rng.integers(60, 3 * HOUR))
                    self._case(
                        u,
                        opened,
                        opened + int(rng.integers(DAY, 5 * DAY)),
                        "batch_alert",
                        outcome,
                        g.typology,
                    )
            fp = lookalike[
                (pop.created[lookalike] < t_run - DAY) & (rng.random(lookalike.size) < 0.03)
            ]
            for u in fp.tolist():
                opened = t_run + int(rng.integers(60, 3 * HOUR))
                outcome = "false_positive" if rng.random() < 0.85 else "inconclusive"
                self._case(
                    u,
                    opened,
                    opened + int(rng.integers(DAY, 5 * DAY)),
                    "batch_alert",
                    outcome,
                    None,
                )

    # ------------------------------------------------------------------ chargebacks
    def _chargebacks(self) -> None:
        sim, pop, rng, ctx = self.sim, self.pop, self.rng, self.ctx
        pay = sim.pay
        idx = np.nonzero((pay["cb_reason"] >= 0) & (pay["status"] == 0))[0]
        delay = np.clip(pay["cb_delay"][idx], 5.0, 119.5)
        received = pay["t"][idx] + (delay * DAY).astype(np.int64) + rng.integers(60, 3600, idx.size)
        keep = received < ctx.t_end - 60
        idx, received = idx[keep], received[keep]
        reason = pay["cb_reason"][idx].copy()
        benign = reason != 0
        reason[benign] = rng.choice([1, 1, 2, 3], int(benign.sum()))
        amount = pay["amount"][idx].copy()
        partial = rng.random(idx.size) < 0.1
        amount[partial] = np.maximum(amount[partial] // 2, 1)
        order = np.argsort(received, kind="stable")
        self.cb = {
            "attempt": idx[order],
            "t": received[order],
            "reason": reason[order],
            "amount": amount[order],
            "cur": pay["cur"][idx][order],
        }
        # an investigator looks at the first chargeback of each user
        users = pay["user"][self.cb["attempt"]]
        _, first = np.unique(users, return_index=True)
        for i in np.sort(first).tolist():
            u = int(users[i])
            opened = int(self.cb["t"][i]) + int(rng.integers(HOUR, DAY))
            fraud = pop.role[u] >= 2 and pop.role[u] != ROLE_ATO
            r = rng.random()
            if fraud:
                outcome = "confirmed_fraud" if r < 0.7 else ("inconclusive" if r < 0.9 else None)
            else:
                outcome = "false_positive" if r < 0.6 else ("inconclusive" if r < 0.9 else None)
            typ = ref.TYPOLOGIES[pop.role[u] - 2] if fraud else None
            self._case(
                u, opened, opened + int(rng.integers(DAY, 6 * DAY)), "chargeback", outcome, typ
            )

    # ------------------------------------------------------------------ users
    def _user_versions(self) -> None:
        """Every version of every user: the signup row, then one row per change."""
        sim, pop, rng = self.sim, self.pop, self.rng
        ch = sim.changes.build()
        n = pop.n
        u = np.concatenate([np.arange(n), ch["user"]])
        t = np.concatenate([pop.created, ch["t"]])
        keep = t < self.ctx.t_end
        field = np.concatenate([np.full(n, "created", dtype=object), ch["field"]])
        value = np.concatenate([np.full(n, None, dtype=object), ch["value"]])
        u, t, field, value = u[keep], t[keep], field[keep], value[keep]
        order = np.lexsort((np.arange(u.size), t, u))
        status = "active"
        kyc = 0
        phone = None
        rows_user, rows_t, rows_status, rows_kyc, rows_phone = [], [], [], [], []
        prev_u, prev_t = -1, -1
        for i in order.tolist():
            uu = int(u[i])
            f = field[i]
            if uu != prev_u:
                status, kyc, phone, prev_t = "active", 0, pop.phone[uu], -1
            if f == "status":
                if status == "closed" or value[i] == status:
                    prev_u = uu
                    continue
                status = value[i]
            elif f == "kyc_level":
                if int(value[i]) <= kyc:
                    prev_u = uu
                    continue
                kyc = int(value[i])
            elif f == "phone":
                phone = make_phone(
                    int(pop.country[uu]), int(rng.integers(0, 10**9)), int(rng.integers(0, 4))
                )
            tt = max(int(t[i]), prev_t + 1)
            if tt >= self.ctx.t_end:
                prev_u = uu
                continue
            rows_user.append(uu)
            rows_t.append(tt)
            rows_status.append(status)
            rows_kyc.append(kyc)
            rows_phone.append(phone)
            prev_u, prev_t = uu, tt
        self.versions = {
            "user": np.asarray(rows_user, dtype=np.int64),
            "t": np.asarray(rows_t, dtype=np.int64),
            "status": np.asarray(rows_status, dtype=object),
            "kyc": np.asarray(rows_kyc, dtype=np.int64),
            "phone": np.asarray(rows_phone, dtype=object),
        }
