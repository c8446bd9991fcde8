"""Champion and challenger, replayed over the scans so that a rebuild reaches the decisions a live
system would have reached, in the same order, from the same data.

At every daily scan R:
- a retraining is due on the weekly retraining day, or when the champion's scores drift (PSI of
  today's scores against its reference distribution at or above `psi_warn`, at most every
  `min_days_between_retrains` days);
- the challenger is trained on the point-in-time rows of the scans R - 7k days whose label windows
  have closed by R: the latest such week validates, the weeks before train (the last of them
  calibrates);
- it replaces the champion only if it beats it on that validation week (PR-AUC higher by more than
  `promotion_min_gain`); the decision and both models' metrics are recorded.
The champion of scan R scores scan R. A saved model of the same version (same training data,
features, hyperparameters, seed and library versions) is reused instead of refitted.
"""

import bisect
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from risk_model import metrics, prediction_cache, registry
from risk_model.features import FEATURES
from risk_model.training import (
    CALIBRATION,
    HYPERPARAMETERS,
    MAX_FIT_NEGATIVES,
    TrainedModel,
    check_no_leakage,
    fingerprint,
    library_versions,
    row_uniforms,
    train,
)


@dataclass(frozen=True)
class Settings:
    seed: int = 7
    label_window_days: int = 28
    max_train_weeks: int = 8
    min_train_weeks: int = 2  # fit on at least one week, calibrate on the next
    min_positives: int = 10
    alert_budget: float = 0.01
    psi_warn: float = 0.25
    min_days_between_retrains: int = 3
    reason_floor: float = (
        0.05  # new-high scores at or above it get reason codes (and the latest scan)
    )


@dataclass
class Rows:
    """Labelled point-in-time rows, in a fixed order (scan, then user)."""

    user_id: np.ndarray
    scan_at: np.ndarray  # datetime64[us]
    x: np.ndarray
    y: np.ndarray
    label_window_closes_at: np.ndarray
    label_known_at: np.ndarray
    features_known_through: np.ndarray

    def __len__(self) -> int:
        return len(self.user_id)

    def take(self, mask: np.ndarray) -> "Rows":
        return Rows(*(getattr(self, name)[mask] for name in self.__dataclass_fields__))

    def sorted(self) -> "Rows":
        order = np.lexsort((self.user_id.astype(str), self.scan_at))
        return Rows(*(getattr(self, name)[order] for name in self.__dataclass_fields__))


def should_promote(
    challenger: dict, champion: dict | None, min_gain: float = 0.0
) -> tuple[bool, str]:
    """The promotion rule: the challenger must beat the champion's PR-AUC on the same, latest
    validation week by more than `min_gain`. Without a champion, a challenger with a defined PR-AUC
    becomes the first champion."""
    challenger_pr = challenger.get("pr_auc")
    if challenger_pr is None or np.isnan(challenger_pr):
        return False, "challenger PR-AUC undefined on the validation week"
    if champion is None:
        return True, "first champion"
    champion_pr = champion.get("pr_auc")
    if champion_pr is None or np.isnan(champion_pr):
        return True, "champion PR-AUC undefined on the validation week"
    if challenger_pr > champion_pr + min_gain:
        return True, f"PR-AUC {challenger_pr:.4f} beats champion {champion_pr:.4f}"
    return False, f"PR-AUC {challenger_pr:.4f} does not beat champion {champion_pr:.4f}"


@dataclass
class Lifecycle:
    entries: list[dict] = field(default_factory=list)  # one per challenger, with its decision
    timeline: list[tuple[datetime, str]] = field(default_factory=list)  # (champion from, version)
    models: dict[str, TrainedModel] = field(default_factory=dict)
    drift: list[dict] = field(default_factory=list)  # champion PSI per scan

    def champion_at(self, scan: datetime) -> str | None:
        current = None
        for start, version in self.timeline:
            if start <= scan:
                current = version
        return current


def training_scans(moment: datetime, settings: Settings) -> list[datetime]:
    """Scans R - 7k days whose label windows have closed by R, oldest first."""
    first_closed = -(-settings.label_window_days // 7)
    weeks = settings.max_train_weeks + 1
    return [
        moment - timedelta(days=7 * k)
        for k in range(first_closed + weeks - 1, first_closed - 1, -1)
    ]


@dataclass
class ChallengerPlan:
    """What the retraining at `moment` trains and validates on, and the version that gives."""

    moment: datetime
    version: str
    key: str  # fingerprint of the training data, features, hyperparameters, seed and libraries
    train_rows: Rows | None  # released once the fit is done
    week_codes: np.ndarray
    uniforms: np.ndarray
    validation_rows: Rows


def plan_challenger(moment: datetime, rows: Rows, settings: Settings) -> ChallengerPlan | None:
    """The challenger of moment R from its weeks of rows; None when the data cannot support one."""
    rows = rows.take(rows.label_window_closes_at <= np.datetime64(moment, "us")).sorted()
    weeks = np.unique(rows.scan_at)
    if weeks.size < settings.min_train_weeks + 1:
        return None
    validation_week = weeks[-1]
    train_rows = rows.take(rows.scan_at < validation_week)
    validation_rows = rows.take(rows.scan_at == validation_week)
    fit_weeks = np.unique(train_rows.scan_at)
    for part in (
        train_rows.take(train_rows.scan_at < fit_weeks[-1]),
        train_rows.take(train_rows.scan_at == fit_weeks[-1]),
    ):
        if part.y.sum() < 1 or part.y.all():
            return None
    if train_rows.y.sum() < settings.min_positives or validation_rows.y.sum() < 1:
        return None
    check_no_leakage(
        rows.scan_at,
        rows.features_known_through,
        rows.label_window_closes_at,
        rows.label_known_at,
        moment,
    )
    week_codes = np.searchsorted(fit_weeks, train_rows.scan_at)
    uniforms = row_uniforms(train_rows.user_id, train_rows.scan_at)
    extra = {
        "features": FEATURES,
        "hyperparameters": HYPERPARAMETERS,
        "calibration": CALIBRATION,
        "max_fit_negatives": MAX_FIT_NEGATIVES,
        "seed": settings.seed,
        "libraries": library_versions(),
    }
    key = fingerprint(train_rows.x, train_rows.y.astype(np.int8), week_codes, uniforms, extra=extra)
    return ChallengerPlan(
        moment=moment,
        version=f"rm-{moment:%Y%m%d}-{key[:8]}",
        key=key,
        train_rows=train_rows,
        week_codes=week_codes,
        uniforms=uniforms,
        validation_rows=validation_rows,
    )


def fit_challenger(plan: ChallengerPlan, settings: Settings, model_dir: Path, trigger: str) -> None:
    """Train the planned challenger and save it under its version. Reads nothing from the
    warehouse, so it may run on a thread of its own; the fit is on one thread either way."""
    train_rows = plan.train_rows
    fit_weeks = np.unique(train_rows.scan_at)
    model = train(
        train_rows.x, train_rows.y, plan.week_codes, FEATURES, settings.seed, plan.uniforms
    )
    validation_scores = model.predict(plan.validation_rows.x)
    model.metadata = {
        **model.metadata,
        "version": plan.version,
        "fingerprint": plan.key,
        "trained_at": plan.moment.isoformat(),
        "trigger": trigger,
        "train_from_scan": str(fit_weeks[0]),
        "train_to_scan": str(fit_weeks[-1]),
        "calibration_scan": str(fit_weeks[-1]),
        "validation_scan": str(plan.validation_rows.scan_at[0]),
        "label_window_days": settings.label_window_days,
        "train_rows": len(train_rows),
        "train_positives": int(train_rows.y.sum()),
        "features": list(FEATURES),
        "hyperparameters": HYPERPARAMETERS,
        "calibration": CALIBRATION,
        "seed": settings.seed,
        "libraries": library_versions(),
        "reference_row": [float(v) for v in model.reference],
        "validation": metrics.evaluate(
            plan.validation_rows.y, validation_scores, settings.alert_budget
        ),
        "psi_edges": metrics.reference_bins(validation_scores),
    }
    model.metadata["psi_shares"] = metrics.bin_shares(
        validation_scores, model.metadata["psi_edges"]
    ).tolist()
    registry.save(model_dir, plan.version, model)
    plan.train_rows = plan.week_codes = plan.uniforms = None  # weeks of rows: free them now


def challenger_for(
    moment: datetime,
    rows: Rows,
    settings: Settings,
    model_dir: Path,
    trigger: str,
) -> tuple[TrainedModel, Rows] | None:
    """Train (or reload) the challenger of moment R; None when the data cannot support one."""
    plan = plan_challenger(moment, rows, settings)
    if plan is None:
        return None
    if not registry.has(model_dir, plan.version, plan.key):
        fit_challenger(plan, settings, model_dir, trigger)
    return registry.load(model_dir, plan.version, plan.key), plan.validation_rows  # as saved


class WeeklyFits:
    """Fits each weekly challenger on a second thread while the replay walks the days before it.

    The weekly retraining moments are known in advance and a challenger depends only on its
    moment's weeks of rows, not on the decisions before it, so the fit need not wait for the
    replay to arrive: its rows are read (on the replay's thread, the only one that uses the
    warehouse connection) right after the previous weekly decision, and the fit runs beside the
    drift checks of the days in between. The saved model is the one the replay would have trained
    (same rows, one fit thread). A fit whose model is already saved is not planned at all: the
    version each moment's rows give is remembered by their fingerprint."""

    def __init__(self, weekly_scans, rows_for, settings, model_dir, training_fingerprint):
        self.moments = sorted(weekly_scans)
        self.rows_for, self.settings, self.model_dir = rows_for, settings, Path(model_dir)
        self.training_fingerprint = training_fingerprint
        self.started: set[datetime] = set()
        self.pending: dict[datetime, tuple[ChallengerPlan | None, Future | None]] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="challenger-fit")

    def start_next(self, scan: datetime) -> None:
        """Start the fit of the first weekly moment at or after `scan`, unless started before."""
        index = bisect.bisect_left(self.moments, scan)
        if index == len(self.moments) or self.moments[index] in self.started:
            return
        moment = self.moments[index]
        self.started.add(moment)
        weeks = training_scans(moment, self.settings)
        rows_key = self.training_fingerprint(weeks)
        key = f"challenger:{moment.isoformat()}:{rows_key}:{self.settings!r}" if rows_key else None
        folder = prediction_cache.retrainings_folder(self.model_dir)
        known = prediction_cache.remembered_in(folder, key, lambda: self._plan(moment, weeks))
        if moment in self.pending or known is None:
            return
        if not registry.has(self.model_dir, known["version"], known["fingerprint"]):
            self._plan(moment, weeks)  # remembered, but the model file is gone

    def _plan(self, moment: datetime, weeks: list[datetime]) -> dict | None:
        self.wait()  # one fit's weeks of rows in memory at a time
        plan = plan_challenger(moment, self.rows_for(weeks), self.settings)
        future = None
        if plan is not None and not registry.has(self.model_dir, plan.version, plan.key):
            future = self.executor.submit(
                fit_challenger, plan, self.settings, self.model_dir, "weekly"
            )
        self.pending[moment] = (plan, future)
        return None if plan is None else {"version": plan.version, "fingerprint": plan.key}

    def challenger(self, moment: datetime, trigger: str, weeks: list[datetime]):
        """challenger_for(moment, ...): the planned fit's result when there is one."""
        if moment not in self.pending:
            self.wait()
            return challenger_for(
                moment, self.rows_for(weeks), self.settings, self.model_dir, trigger
            )
        plan, future = self.pending.pop(moment)
        if future is not None:
            future.result()  # a failed fit fails the replay here
        if plan is None:
            return None
        return registry.load(self.model_dir, plan.version, plan.key), plan.validation_rows

    def forget(self, moment: datetime) -> None:
        """The moment is decided (or its decision read back): its planned rows are not needed."""
        plan, future = self.pending.pop(moment, (None, None))
        if future is not None:
            future.result()

    def wait(self) -> None:
        for _, future in self.pending.values():
            if future is not None:
                future.result()

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def drift_of(model: TrainedModel, score: np.ndarray) -> float:
    return metrics.psi(model.metadata["psi_shares"], score, model.metadata["psi_edges"])


def replay(
    scans: list[datetime],
    weekly_scans: set[datetime],
    rows_for: Callable[[list[datetime]], Rows],
    scan_scores: Callable[[TrainedModel, datetime], np.ndarray],
    settings: Settings,
    model_dir: Path,
    log: Callable[[str], None] = lambda message: None,
    scan_fingerprint: Callable[[datetime], str | None] = lambda scan: None,
    training_fingerprint: Callable[[list[datetime]], str | None] = lambda scans: None,
) -> Lifecycle:
    """Walk the daily scans, retraining and deciding as a live system would have; `scan_scores`
    gives a model's scores of a scan (prediction_cache.ScanScores: scans come in order). With
    `scan_fingerprint` (what a scan's snapshot is made of), a champion's drift on a scan it has
    already been measured on is read back instead of scoring the scan again; with
    `training_fingerprint` (what the labelled rows of some scans are made of), a retraining whose
    rows, trigger and champion are unchanged reads back its decision (the challenger's version
    and both models' validation metrics) instead of loading its weeks of rows again."""
    with closing(
        WeeklyFits(weekly_scans, rows_for, settings, model_dir, training_fingerprint)
    ) as fits:
        life = Lifecycle()
        champion: TrainedModel | None = None
        last_retrain: datetime | None = None
        for scan in scans:
            fits.start_next(scan)
            trigger = "weekly" if scan in weekly_scans else None
            psi_today = None
            if champion is not None:
                fingerprint = scan_fingerprint(scan)
                psi_today = prediction_cache.remembered(
                    champion,
                    f"drift:{fingerprint}" if fingerprint is not None else None,
                    lambda champion=champion, scan=scan: drift_of(
                        champion, scan_scores(champion, scan)
                    ),
                )
                life.drift.append(
                    {
                        "scan_at": scan,
                        "model_version": champion.metadata["version"],
                        "psi": psi_today,
                    }
                )
                recent = last_retrain is not None and scan - last_retrain < timedelta(
                    days=settings.min_days_between_retrains
                )
                if trigger is None and psi_today >= settings.psi_warn and not recent:
                    trigger = "drift"
            if trigger is None:
                continue
            weeks = training_scans(scan, settings)
            rows_key = training_fingerprint(weeks)
            champion_version = champion.metadata["version"] if champion is not None else None

            def decide(scan=scan, weeks=weeks, trigger=trigger, champion=champion) -> dict | None:
                built = fits.challenger(scan, trigger, weeks)
                if built is None:
                    return None
                challenger, validation_rows = built

                def evaluate(model):
                    score = prediction_cache.predict(model, validation_rows.x)
                    return metrics.evaluate(validation_rows.y, score, settings.alert_budget)

                return {
                    "version": challenger.metadata["version"],
                    "fingerprint": challenger.metadata["fingerprint"],
                    "challenger": evaluate(challenger),
                    "champion": evaluate(champion) if champion is not None else None,
                }

            key = (
                f"retraining:{scan.isoformat()}:{trigger}:{champion_version}:{rows_key}:{settings!r}"
                if rows_key is not None
                else None
            )
            folder = prediction_cache.retrainings_folder(model_dir)
            decision = prediction_cache.remembered_in(folder, key, decide)
            fits.forget(scan)
            if decision is None:
                continue
            challenger = registry.load(model_dir, decision["version"], decision["fingerprint"])
            if challenger is None:  # the model file is gone: train it again
                decision = decide()
                challenger = registry.load(model_dir, decision["version"], decision["fingerprint"])
            last_retrain = scan
            version = challenger.metadata["version"]
            life.models[version] = challenger
            challenger_metrics, champion_metrics = decision["challenger"], decision["champion"]
            promoted, reason = should_promote(challenger_metrics, champion_metrics)
            life.entries.append(
                {
                    "model_version": version,
                    "decided_at": scan,
                    "trigger": trigger,
                    "champion_psi": psi_today,
                    "previous_champion": champion.metadata["version"]
                    if champion is not None
                    else None,
                    "validation_scan": challenger.metadata["validation_scan"],
                    "challenger": challenger_metrics,
                    "champion": champion_metrics,
                    "promoted": promoted,
                    "decision_reason": reason,
                    "metadata": challenger.metadata,
                }
            )
            log(
                f"{scan:%Y-%m-%d}: challenger {version} ({trigger}) {'promoted' if promoted else 'kept out'}: {reason}"
            )
            if promoted:
                champion = challenger
                life.timeline.append((scan, version))
        return life
