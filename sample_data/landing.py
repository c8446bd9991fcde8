"""Delivered records and how they become files: batches, re-deliveries, bad records, schema
drift, CSV / JSONL / Parquet writers.

A :class:`Table` holds every record that will be delivered (duplicates and bad records
included), each with its batch (hour index from the start of the window) and an ordering key
within the file. Values are already text (or ``None`` for null) except for Parquet tables and
JSON numbers.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sample_data import reference as ref
from sample_data.util import batch_name

REASONS = [
    "missing_key",
    "invalid_timestamp",
    "non_positive_amount",
    "unknown_currency",
    "too_few_fields",
    "malformed_json",
]
BAD_TS = [
    "2026-02-30T10:15:00Z",
    "N/A",
    "31/01/2026 10:00",
    "2026-01-05T25:61:00Z",
    "not a timestamp",
    "0000-00-00T00:00:00Z",
    "2026-1-5 7:3",
]
BAD_EPOCH = ["17679I0000000", "NaN", "1.7e12x", "--", "1768O12345678"]
BAD_DATE = ["2026-02-30", "2026-13-01", "05/01/2026", "n/a", "2026-00-10"]


class Lazy:
    """A text column kept as numbers and rendered to text only when read.

    The event stream of a large zone has tens of millions of records; held as Python strings it
    needs tens of GB. ``render`` maps the source arrays (all of one length) to the column's
    values, element by element, so rendering a subset gives exactly the values of rendering
    everything. ``over`` holds the few values set one by one (planted bad records).
    """

    def __init__(self, render, src: dict[str, np.ndarray], over: dict[int, object] | None = None):
        self.render = render
        self.src = src
        self.over = over if over is not None else {}

    def __len__(self) -> int:
        return len(next(iter(self.src.values())))

    @property
    def size(self) -> int:
        return len(self)

    def take(self, idx) -> Lazy:
        if isinstance(idx, slice):
            idx = np.arange(len(self))[idx]
        idx = np.asarray(idx, dtype=np.int64)
        over = {}
        if self.over:
            keys = np.fromiter(self.over.keys(), dtype=np.int64, count=len(self.over))
            for j in np.nonzero(np.isin(idx, keys))[0].tolist():
                over[j] = self.over[int(idx[j])]
        return Lazy(self.render, {k: v[idx] for k, v in self.src.items()}, over)

    def __getitem__(self, key):
        if isinstance(key, int | np.integer):
            key = int(key)
            if key in self.over:
                return self.over[key]
            return self.render({k: v[key : key + 1] for k, v in self.src.items()})[0]
        return self.take(key)

    def __setitem__(self, key, value) -> None:
        self.over[int(key)] = value

    def concat(self, other: Lazy) -> Lazy:
        n = len(self)
        over = dict(self.over)
        over.update({n + j: v for j, v in other.over.items()})
        return Lazy(
            self.render, {k: np.concatenate([v, other.src[k]]) for k, v in self.src.items()}, over
        )

    def tolist(self) -> list:
        out = list(self.render(self.src))
        for i, v in self.over.items():
            out[i] = v
        return out


@dataclass
class Table:
    name: str  # "system/table"
    fmt: str  # csv | jsonl | parquet
    columns: list[str]
    key: list[str]
    hourly: bool = True
    kinds: dict[str, str] = field(default_factory=dict)  # JSON encoding per column
    drift: list[tuple[str, int]] = field(default_factory=list)  # (column, from batch)
    ts_col: str = ""
    ts_kind: str = "ts"  # ts | epoch | date | parquet_ts
    amount_col: str = ""
    amount_kind: str = "int"  # int | dec | parquet
    currency_col: str = ""
    data: dict[str, np.ndarray] = field(default_factory=dict)
    batch: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    order: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    bad: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    cut: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    origin: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    files: list[int] | None = None  # batches with a file (daily feeds); None = every hour

    @property
    def n(self) -> int:
        return int(self.batch.size)

    @property
    def all_columns(self) -> list[str]:
        return self.columns + [c for c, _ in self.drift]

    def set_rows(self, data: dict, batch: np.ndarray, order: np.ndarray) -> None:
        n = int(np.asarray(batch).size)
        self.data = {}
        for c in self.all_columns:
            v = data[c]
            keep_as_is = isinstance(v, Lazy) or (
                isinstance(v, np.ndarray) and v.dtype != object and self.fmt == "parquet"
            )
            if keep_as_is:
                self.data[c] = v
            else:
                arr = np.empty(n, dtype=object)
                arr[:] = list(v) if not isinstance(v, np.ndarray) else v
                self.data[c] = arr
        self.batch = np.asarray(batch, dtype=np.int64)
        self.order = np.asarray(order, dtype=np.int64)
        self.bad = np.full(n, None, dtype=object)
        self.cut = np.zeros(n, dtype=np.int64)
        self.origin = self.batch.copy()  # first delivery: decides which JSON keys a record has

    def copy_rows(self, idx: np.ndarray, batch: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Append copies of rows ``idx`` delivered in ``batch``; returns the new row indices."""
        idx = np.asarray(idx, dtype=np.int64)
        start = self.n
        for c, v in self.data.items():
            self.data[c] = (
                v.concat(v.take(idx)) if isinstance(v, Lazy) else np.concatenate([v, v[idx]])
            )
        self.batch = np.concatenate([self.batch, np.broadcast_to(batch, idx.shape)])
        self.order = np.concatenate([self.order, np.broadcast_to(order, idx.shape)])
        self.bad = np.concatenate([self.bad, np.full(idx.size, None, dtype=object)])
        self.cut = np.concatenate([self.cut, np.zeros(idx.size, dtype=np.int64)])
        self.origin = np.concatenate([self.origin, self.origin[idx]])
        return np.arange(start, self.n)

    def key_text(self, i: int) -> str:
        return "|".join("" if self.data[k][i] is None else str(self.data[k][i]) for k in self.key)


# ---------------------------------------------------------------------- delivery quirks
def redeliver(
    table: Table,
    rng: np.random.Generator,
    frac: float,
    last_batch: int,
    max_delay: int = 72,
    min_count: int = 3,
    eligible: np.ndarray | None = None,
    avoid: list | None = None,
) -> int:
    """Exact re-deliveries: the same record again, in the same or a later batch."""
    pool = np.nonzero(table.bad == None)[0] if eligible is None else eligible  # noqa: E711
    if pool.size == 0:
        return 0
    k = min(pool.size, max(min_count, int(round(frac * pool.size))))
    idx = np.sort(rng.choice(pool, k, replace=False))
    same = rng.random(k) < 0.35
    delay = np.where(same, 0, rng.integers(1, max_delay + 1, k))
    batch = np.minimum(table.batch[idx] + delay, last_batch)
    if avoid:  # an outage hour stays empty
        batch = np.where(np.isin(batch, avoid), np.minimum(batch + 1, last_batch), batch)
    later = batch > table.batch[idx]
    # guarantee some later-batch copies where possible
    order = np.where(later, table.order[idx] + delay * 3600, table.order[idx] + 1)
    table.copy_rows(idx, batch, order)
    return k


def outage(table: Table, rng: np.random.Generator, frac_hours: float, last_batch: int) -> list:
    """Some hours deliver nothing; their records come with the next hour's batch."""
    hours = np.unique(table.batch[table.batch < last_batch])
    if hours.size == 0:
        return []
    k = max(1, int(round(frac_hours * last_batch)))
    chosen = np.sort(rng.choice(hours, min(k, hours.size), replace=False))
    for h in chosen.tolist():
        sel = table.batch == h
        table.batch[sel] = h + 1
    return chosen.tolist()


def plant_bad(
    table: Table, rng: np.random.Generator, rate: float, min_count: int, reasons: list[str]
) -> None:
    """Corrupted copies of real records (each with exactly one defect), in the same batch."""
    pool = np.nonzero(table.bad == None)[0]  # noqa: E711
    if pool.size == 0:
        return
    k = max(min_count, int(round(rate * pool.size)))
    src = np.sort(rng.choice(pool, k, replace=pool.size < k))
    # every reason at least once, then at random
    rs = (reasons * (k // len(reasons) + 1))[: len(reasons)] + [
        reasons[int(i)] for i in rng.integers(0, len(reasons), max(k - len(reasons), 0))
    ]
    rs = np.asarray(rs[:k], dtype=object)
    rng.shuffle(rs)
    new = table.copy_rows(src, table.batch[src], table.order[src] + rng.integers(-1800, 1800, k))
    for i, reason in zip(new.tolist(), rs.tolist(), strict=True):
        table.bad[i] = reason
        if reason == "missing_key":
            kc = table.key[-1]
            table.data[kc][i] = None if (table.fmt != "csv" and rng.random() < 0.6) else ""
            if table.fmt == "parquet":
                table.data[kc][i] = None
        elif reason == "invalid_timestamp":
            if table.ts_kind == "parquet_ts":
                table.data[table.ts_col][i] = 0  # 1970-01-01: a zero clock, not a real time
            else:
                opts = {"ts": BAD_TS, "epoch": BAD_EPOCH, "date": BAD_DATE}[table.ts_kind]
                table.data[table.ts_col][i] = opts[int(rng.integers(0, len(opts)))]
        elif reason == "non_positive_amount":
            v = table.data[table.amount_col][i]
            zero = rng.random() < 0.3
            if table.amount_kind == "parquet" or table.amount_kind == "int":
                table.data[table.amount_col][i] = 0 if zero else -abs(int(v))
            else:
                text = str(v).strip().lstrip("-")
                table.data[table.amount_col][i] = (
                    "0." + "0" * len(text.split(".")[-1])
                    if zero and "." in text
                    else "0"
                    if zero
                    else "-" + text
                )
        elif reason == "unknown_currency":
            table.data[table.currency_col][i] = ref.BAD_CURRENCIES[
                int(rng.integers(0, len(ref.BAD_CURRENCIES)))
            ]
        elif reason == "too_few_fields":
            # drop the last one or two fields, never a key field
            spare = len(table.columns) - 1 - max(table.columns.index(k) for k in table.key)
            table.cut[i] = max(1, min(int(rng.integers(1, 3)), spare))
        elif reason == "malformed_json":
            table.cut[i] = int(rng.integers(15, 90))  # keep this percentage of the line


def bad_record_rows(table: Table, t0: int) -> list[tuple[str, str, str, str]]:
    out = []
    for i in np.nonzero(table.bad != None)[0].tolist():  # noqa: E711
        reason = table.bad[i]
        key = "" if reason == "missing_key" else table.key_text(i)
        out.append((table.name, batch_name(t0, int(table.batch[i])), key, reason))
    return out


# ---------------------------------------------------------------------- writers
def _sorted(table: Table) -> np.ndarray:
    return np.lexsort((np.arange(table.n), table.order, table.batch))


def _file_batches(table: Table, hours: int) -> list[int]:
    return list(range(hours)) if table.files is None else list(table.files)


def write_table(
    table: Table,
    root: str,
    t0: int,
    hours: int,
    style_rng: np.random.Generator,
) -> dict:
    """Write every file of a table; returns per-table stats (files, empty files, CRLF files)."""
    folder = os.path.join(root, *table.name.split("/"))
    os.makedirs(folder, exist_ok=True)
    files = _file_batches(table, hours)
    order = _sorted(table)
    b = table.batch[order]
    known = np.isin(b, np.asarray(files))
    if not known.all():
        raise AssertionError(f"{table.name}: records in batches without a file")
    lo = np.searchsorted(b, files, "left")
    hi = np.searchsorted(b, files, "right")
    ext = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}[table.fmt]
    stats = {"files": len(files), "empty": 0, "crlf": 0, "zero_byte": 0}
    if table.fmt == "csv":
        writer = _csv_files(table, order, files, lo, hi, style_rng, stats)
    elif table.fmt == "jsonl":
        writer = _jsonl_files(table, order, files, lo, hi, stats)
    else:
        writer = _parquet_files(table, order, files, lo, hi, stats)
    for h, payload in writer:
        path = os.path.join(folder, f"{batch_name(t0, h)}.{ext}")
        if isinstance(payload, bytes):
            with open(path, "wb") as f:
                f.write(payload)
        else:
            pq.write_table(payload, path, compression="snappy")
    return stats


# Files are rendered in groups of about this many records: a large table's text need not fit in
# memory at once, and every record renders the same way whatever group it is in.
CHUNK_ROWS = 200_000


def _file_groups(lo: np.ndarray, hi: np.ndarray, chunk: int = CHUNK_ROWS):
    """Consecutive runs of file positions holding about ``chunk`` records each."""
    group: list[int] = []
    for j in range(len(lo)):
        group.append(j)
        if int(hi[j]) - int(lo[group[0]]) >= chunk:
            yield group
            group = []
    if group:
        yield group


def _csv_files(table, order, files, lo, hi, style_rng, stats):
    crlf = style_rng.random(len(files)) < 0.1
    zero_byte = style_rng.random(len(files)) < 0.3
    for group in _file_groups(lo, hi):
        g0 = int(lo[group[0]])
        rows_of = order[g0 : int(hi[group[-1]])]
        base_cols = [table.data[c][rows_of].tolist() for c in table.columns]
        drift_cols = [(c, table.data[c][rows_of].tolist(), start) for c, start in table.drift]
        cut = table.cut[rows_of]
        for j in group:
            h = files[j]
            a, z = int(lo[j]) - g0, int(hi[j]) - g0
            header = list(table.columns)
            cols = [c[a:z] for c in base_cols]
            for name, values, start in drift_cols:
                if h >= start:
                    header.append(name)
                    cols.append(values[a:z])
            if a == z:
                stats["empty"] += 1
                if zero_byte[j]:
                    stats["zero_byte"] += 1
                    yield h, b""
                    continue
            eol = "\r\n" if crlf[j] else "\n"
            stats["crlf"] += int(crlf[j])
            rows = list(zip(*cols, strict=True)) if cols and a < z else []
            for r in np.nonzero(cut[a:z])[0].tolist():
                rows[r] = rows[r][: len(header) - int(cut[a + r])]
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator=eol)
            w.writerow(header)
            w.writerows(rows)
            yield h, buf.getvalue().encode("utf-8")


def _json_fragments(table: Table, order: np.ndarray) -> list[list[str]]:
    frags = []
    for j, c in enumerate(table.all_columns):
        kind = table.kinds.get(c, "str")
        prefix = ("{" if j == 0 else ",") + f'"{c}":'
        vals = table.data[c][order].tolist()
        if kind == "str":
            enc = [prefix + ("null" if v is None else f'"{v}"') for v in vals]
        elif kind == "text":
            enc = [prefix + json.dumps(v, ensure_ascii=False) for v in vals]
        elif kind == "int":
            enc = [prefix + ("null" if v is None else str(v)) for v in vals]
        elif kind == "raw":  # pre-rendered JSON; None means the key is absent
            enc = ["" if v is None else prefix + v for v in vals]
        else:
            raise ValueError(kind)
        frags.append(enc)
    return frags


def _jsonl_files(table, order, files, lo, hi, stats):
    n_base = len(table.columns)
    for group in _file_groups(lo, hi):
        g0 = int(lo[group[0]])
        rows_of = order[g0 : int(hi[group[-1]])]
        frags = _json_fragments(table, rows_of)
        b = table.origin[rows_of]
        # drift keys only from their first batch on
        for k, (_c, start) in enumerate(table.drift):
            col = frags[n_base + k]
            for i in np.nonzero(b < start)[0].tolist():
                col[i] = ""
        lines = ["".join(t) + "}" for t in zip(*frags, strict=True)]
        del frags
        cut = table.cut[rows_of]
        for i in np.nonzero(cut)[0].tolist():
            line = lines[i]
            lines[i] = line[: max(8, len(line) * int(cut[i]) // 100)]
        for j in group:
            h = files[j]
            a, z = int(lo[j]) - g0, int(hi[j]) - g0
            if a == z:
                stats["empty"] += 1
                stats["zero_byte"] += 1
                yield h, b""
                continue
            yield h, ("\n".join(lines[a:z]) + "\n").encode("utf-8")


TRADE_SCHEMA = pa.schema(
    [
        ("trade_id", pa.string()),
        ("listing_id", pa.string()),
        ("buyer_id", pa.string()),
        ("seller_id", pa.string()),
        ("executed_at", pa.timestamp("us", tz="UTC")),
        ("price", pa.decimal128(18, 4)),
        ("quantity", pa.int64()),
        ("currency", pa.string()),
        ("fee", pa.decimal128(18, 4)),
    ]
)


def decimal_array(scaled: np.ndarray, dtype: pa.DataType) -> pa.Array:
    """int64 values already multiplied by 10**scale -> decimal128 array (exact)."""
    scaled = np.asarray(scaled, dtype=np.int64)
    words = np.empty((scaled.size, 2), dtype=np.int64)
    words[:, 0] = scaled
    words[:, 1] = np.where(scaled < 0, -1, 0)
    buf = pa.py_buffer(words.tobytes())
    return pa.Array.from_buffers(dtype, scaled.size, [None, buf])


def _parquet_files(table, order, files, lo, hi, stats):
    cols = {c: table.data[c][order] for c in table.columns}
    for j, h in enumerate(files):
        a, z = int(lo[j]), int(hi[j])
        if a == z:
            stats["empty"] += 1
        arrays = []
        for f in TRADE_SCHEMA:
            v = cols[f.name][a:z]
            if pa.types.is_decimal(f.type):
                arrays.append(decimal_array(v.astype(np.int64), f.type))
            elif pa.types.is_timestamp(f.type):
                arrays.append(
                    pa.array(v.astype(np.int64) * 1_000_000, type=pa.int64()).cast(f.type)
                )
            elif pa.types.is_integer(f.type):
                arrays.append(pa.array(v.astype(np.int64), type=f.type))
            else:
                arrays.append(pa.array(v.tolist(), type=f.type))
        yield h, pa.Table.from_arrays(arrays, schema=TRADE_SCHEMA)


def write_truth_csv(path: str, header: list[str], rows: list) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
