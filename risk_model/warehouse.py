"""The bridge between the dbt Python models and this package: reading dbt relations into arrays,
the settings from the models' config, and the tables the models return."""

import json
import queue
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from risk_model.features import FEATURES, STORED_FEATURES
from risk_model.lifecycle import Rows, Settings


def settings_from(config) -> Settings:
    """Settings from a dbt model's config (each key falls back to the default)."""
    defaults = Settings()
    values = {}
    for name in Settings.__dataclass_fields__:
        raw = config.get(name)
        if raw is None or raw == "":
            continue
        values[name] = type(getattr(defaults, name))(raw)
    return Settings(**values)


def model_dir_from(config) -> Path:
    """RISK_MODEL_DIR, or the `models` folder beside the warehouse file (data/models by default),
    so that a throw-away warehouse gets throw-away model files."""
    configured = config.get("model_dir")
    if configured:
        return Path(configured).resolve()
    warehouse = config.get("warehouse_path") or "data/warehouse.duckdb"
    return (Path(warehouse).resolve().parent / "models").resolve()


def to_datetime(value) -> datetime:
    return np.datetime64(value, "us").astype(datetime)


def sql_timestamps(scans) -> str:
    return ", ".join(f"timestamp '{to_datetime(s):%Y-%m-%d %H:%M:%S}'" for s in scans)


def arrays(relation) -> dict:
    table = relation.arrow()
    if hasattr(table, "read_all"):
        table = table.read_all()
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def timestamps(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[us]")


def period_changes(**values: str) -> str:
    """The CTE `changes` over the feature history's `periods`: each period adds its `values` (SQL
    expressions) at valid_from and takes them back at valid_until, so a running sum over the
    changes gives the total of any scan's periods in one pass."""
    opening = ", ".join(f"{expression} as {name}" for name, expression in values.items())
    closing = ", ".join(f"-({expression})" for expression in values.values())
    return f"""changes as (
        select valid_from as changed_at, {opening} from periods
        union all
        select valid_until, {closing} from periods where valid_until is not null
    )"""


@dataclass(frozen=True)
class PointInTime:
    """The rows of chosen scans from int_risk_model__feature_history, which stores each user's
    features and training label as periods (valid_from <= scan < valid_until): a scan's rows are
    the periods containing it, with the account age at the scan and the scan's label window. The
    one place that turns periods into the rows a scan, a training week or a fingerprint reads."""

    history: object  # the feature history relation
    label_window_days: int
    data_cutoff: datetime | None

    @classmethod
    def of(cls, history, scan_relation, settings: Settings) -> "PointInTime":
        cutoff = timestamps(
            arrays(scan_relation.aggregate("max(data_cutoff) as data_cutoff"))["data_cutoff"]
        )[0]
        return cls(
            history, settings.label_window_days, None if np.isnat(cutoff) else to_datetime(cutoff)
        )

    def at(self, scans):
        """Every user's row at each of `scans` (the columns of a labelled training row)."""
        window = f"interval '{self.label_window_days} days'"
        closed = self.closed_windows(scans)
        scan_list = sql_timestamps(scans) if len(scans) else "null"
        closed_list = ", ".join("true" if closed[scan] else "false" for scan in scans) or "null"
        columns = ", ".join(f"periods.{f}" for f in STORED_FEATURES)
        return self.history.query(
            "periods",
            f"""
            select
                periods.user_id,
                scans.scan_at,
                date_diff('hour', periods.created_at, scans.scan_at) / 24.0 as account_age_days,
                {columns},
                periods.features_known_through,
                scans.scan_at + {window} as label_window_closes_at,
                scans.is_label_window_closed,
                periods.label_known_at is not null as is_fraud_label,
                periods.label_known_at
            from periods
            inner join (
                select
                    unnest([{scan_list}]) as scan_at,
                    unnest([{closed_list}]) as is_label_window_closed
            ) as scans
                on periods.valid_from <= scans.scan_at
                and scans.scan_at < coalesce(periods.valid_until, 'infinity'::timestamp)
            """,
        )

    def stored_rows(self, scan, after=None):
        """The stored columns (user, signup, STORED_FEATURES) of the periods containing `scan`,
        only those starting after `after` when given, in user order (SnapshotLoader's reads)."""
        at = sql_timestamps([scan])
        since = f"and valid_from > {sql_timestamps([after])}" if after is not None else ""
        # ordered in the query: DuckDB then also hands the rows over faster than unordered
        return self.history.query(
            "periods",
            f"""
            select user_id, created_at, {", ".join(STORED_FEATURES)}
            from periods
            where valid_from <= {at} and {at} < coalesce(valid_until, 'infinity'::timestamp)
            {since}
            order by user_id
            """,
        )

    def user_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(change points, users from each on): a running count of periods opening and closing,
        for every scan in one pass."""
        counted = arrays(
            self.history.query(
                "periods",
                f"""
                with {period_changes(users="1")}
                select changed_at, sum(sum(users)) over (order by changed_at) as users
                from changes
                group by changed_at
                order by changed_at
                """,
            )
        )
        return timestamps(counted["changed_at"]), np.asarray(counted["users"], dtype=np.int64)

    def closed_windows(self, scans) -> dict:
        """Per scan, whether its label window has closed by the data cutoff."""
        window = np.timedelta64(self.label_window_days, "D")
        return {
            scan: self.data_cutoff is not None
            and np.datetime64(scan, "us") + window <= np.datetime64(self.data_cutoff, "us")
            for scan in scans
        }

    def fingerprints(self, scans, extra: tuple[str, ...] = ()) -> dict:
        """Per scan, the count and sum of the hashes of its rows (user, signup, features, and the
        `extra` columns or expressions of the history): a sum over the periods containing the
        scan, taken as a running sum of periods opening minus periods closing, so it costs one
        pass over the periods rather than one per scan."""
        if not len(scans):
            return {}
        hashed = ["user_id", "created_at", *STORED_FEATURES]
        hashed.extend(extra)
        row_hash = f"hash({', '.join(hashed)})::hugeint"
        scan_list = sql_timestamps(scans)
        columns = arrays(
            self.history.query(
                "periods",
                f"""
                with {period_changes(users="1", hash_sum=row_hash)},

                per_scan as (
                    select changed_at, sum(users) as users, sum(hash_sum) as hash_sum
                    from changes
                    group by changed_at
                )

                select
                    scans.scan_at,
                    coalesce(sum(per_scan.users), 0) as users,
                    coalesce(sum(per_scan.hash_sum), 0)::varchar as hash_sum
                from (select unnest([{scan_list}]) as scan_at) as scans
                left join per_scan on per_scan.changed_at <= scans.scan_at
                group by scans.scan_at
                """,
            )
        )
        return {
            to_datetime(scan): f"{users}:{total}"
            for scan, users, total in zip(
                columns["scan_at"], columns["users"], columns["hash_sum"], strict=True
            )
        }


def rows_loader(point_in_time: PointInTime):
    """A function giving the labelled rows of some scans."""

    def rows_for(scans) -> Rows:
        columns = arrays(point_in_time.at(scans))
        return Rows(
            user_id=np.asarray(columns["user_id"]).astype(str),
            scan_at=timestamps(columns["scan_at"]),
            x=feature_matrix(columns),
            y=np.asarray(columns["is_fraud_label"], dtype=bool),
            label_window_closes_at=timestamps(columns["label_window_closes_at"]),
            label_known_at=timestamps(columns["label_known_at"]),
            features_known_through=timestamps(columns["features_known_through"]),
        )

    return rows_for


def feature_matrix(columns: dict) -> np.ndarray:
    if len(columns["user_id"]) == 0:
        return np.zeros((0, len(FEATURES)))
    return np.column_stack([np.asarray(columns[f], dtype=np.float64) for f in FEATURES])


def account_age_days(created_at: np.ndarray, scan) -> np.ndarray:
    """PointInTime.at's `date_diff('hour', created_at, scan) / 24.0`: whole hour boundaries
    crossed between signup and the scan, in days (the same doubles: an integer over 24.0)."""
    signup = np.asarray(created_at, dtype="datetime64[us]")
    hours = (np.datetime64(scan, "h") - signup.astype("datetime64[h]")).astype(np.int64)
    return np.where(np.isnat(signup), np.nan, hours / 24.0)  # no signup time: null, as in SQL


class SnapshotLoader:
    """(user ids, feature matrix) of one scan, users in id order: PointInTime.at([scan]).

    The registry and the scores read every daily scan in order (the performance every weekly
    one), and from one scan to the next only the users whose period changed get a new row (a
    user's periods tile every scan from the first, tested): so a scan after the one read last is
    that one with the periods starting in between put in and every account age moved on, where
    reading each scan whole took the whole history each time. Any other scan, or a user count
    unlike the history's, is read whole."""

    def __init__(self, point_in_time: PointInTime):
        self.point_in_time = point_in_time
        self.scan = self.users = self.created_at = self.x = None  # the scan held
        # per row of the scan held: its row in the scan held before, if its stored features are
        # the same there (only the account age moved on); -1 for a new or changed user
        self.previous_scan, self.previous_rows = None, None
        self.age_column = FEATURES.index("account_age_days")
        self.stored_columns = [FEATURES.index(f) for f in STORED_FEATURES]
        self.user_counts = None  # (change points, users from each on), for the check

    def __call__(self, scan):
        if scan == self.scan:
            return self.users, self.x
        if self.scan is None or scan < self.scan or not self._advance(scan):
            self._read(scan)
        return self.users, self.x

    def _read(self, scan) -> None:
        self._hold(scan, *self._stored_rows(scan))

    def _stored_rows(self, scan, after=None) -> tuple:
        columns = arrays(self.point_in_time.stored_rows(scan, after))
        users = np.asarray(columns["user_id"]).astype(str)
        x = np.empty((len(users), len(FEATURES)))
        for index, feature in zip(self.stored_columns, STORED_FEATURES, strict=True):
            x[:, index] = columns[feature]
        return users, timestamps(columns["created_at"]), x

    def _hold(self, scan, users, created_at, x, previous_rows=None) -> None:
        x[:, self.age_column] = account_age_days(created_at, scan)
        self.previous_scan = self.scan if previous_rows is not None else None
        self.previous_rows = previous_rows
        self.scan, self.users, self.created_at, self.x = scan, users, created_at, x

    def _users_at(self, scan) -> int:
        if self.user_counts is None:
            self.user_counts = self.point_in_time.user_counts()
        change_points, users = self.user_counts
        # the count holds from the latest change at or before the scan
        index = np.searchsorted(change_points, np.datetime64(scan, "us"), side="right") - 1
        return int(users[index]) if index >= 0 else 0

    def _advance(self, scan) -> bool:
        """Move the held scan on to `scan`; False when that would not give the scan's rows."""
        users, created_at, x = self._stored_rows(scan, after=self.scan)
        position = np.searchsorted(self.users, users)
        known = position < len(self.users)
        known[known] = self.users[position[known]] == users[known]
        new = ~known
        if len(self.users) + int(new.sum()) != self._users_at(scan):
            return False
        # a new array every scan: the caller may still hold the previous one
        merged_x = np.insert(self.x, position[new], x[new], axis=0)
        merged_created = np.insert(self.created_at, position[new], created_at[new])
        merged_users = np.insert(
            self.users.astype(np.result_type(self.users, users)), position[new], users[new]
        )
        # where the held rows now sit: each insertion before a row shifts it down by one
        held_rows = np.arange(len(self.users))
        shifted = held_rows + np.searchsorted(position[new], held_rows, side="right")
        previous_rows = np.full(len(merged_users), -1)
        previous_rows[shifted] = held_rows
        moved = shifted[position[known]]
        merged_x[moved] = x[known]
        merged_created[moved] = created_at[known]
        previous_rows[moved] = -1
        self._hold(scan, merged_users, merged_created, merged_x, previous_rows)
        return True


def snapshot_loader(point_in_time: PointInTime) -> SnapshotLoader:
    """A function giving (user ids, feature matrix) of one scan, users in id order."""
    return SnapshotLoader(point_in_time)


def scan_calendar(scan_relation) -> tuple[list[datetime], set[datetime]]:
    columns = arrays(scan_relation.order("scan_at"))
    scans = [to_datetime(s) for s in columns["scan_at"]]
    weekly = {
        to_datetime(s)
        for s, w in zip(columns["scan_at"], columns["is_weekly_scan"], strict=True)
        if w
    }
    return scans, weekly


def as_json(value) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def table(columns: dict, schema: pa.Schema) -> pa.Table:
    return pa.table(
        {name: pa.array(columns[name], type=schema.field(name).type) for name in schema.names},
        schema=schema,
    )


def stage_batches(reader: pa.RecordBatchReader, path: Path) -> Path:
    """Writes `reader` to the Parquet file `path` and returns it, for the warehouse to read back
    natively. DuckDB must never pull a stream whose Python generator itself queries the
    connection: with two threads such a scan deadlocked on the GIL (the scores at 200k hung with
    no CPU). Here the generator runs on this thread, the only one that touches the connection,
    while a second thread writes the finished batches - Arrow only, no DuckDB - so the next scan
    is scored while the last one is written."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    # At most two scans in Python memory (outside DuckDB's memory limit): the one being written
    # and the one being scored; a scored scan is handed over once the previous one is written.
    finished: queue.Queue = queue.Queue(maxsize=1)
    failures: list[BaseException] = []

    def write() -> None:
        writer = None
        try:
            writer = pq.ParquetWriter(path, reader.schema, compression="zstd")
        except BaseException as error:  # reported by the producing thread
            failures.append(error)
        try:
            while True:
                batch = finished.get()
                try:
                    if batch is None:
                        break
                    if not failures:  # after a failure, only let the producer finish or fail
                        writer.write_batch(batch)
                except BaseException as error:
                    failures.append(error)
                finally:
                    batch = None
                    finished.task_done()
        finally:
            if writer is not None:
                try:
                    writer.close()
                except BaseException as error:
                    failures.append(error)

    writer_thread = threading.Thread(target=write, name=f"stage {path.name}", daemon=True)
    writer_thread.start()
    try:
        for batch in reader:
            finished.join()
            finished.put(batch)
            del batch
    finally:
        finished.put(None)
        writer_thread.join()
    if failures:
        raise failures[0]
    return path
