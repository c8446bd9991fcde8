"""Small vectorised helpers: time formatting, time zones, identifiers, sampling."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

HOUR = 3600
DAY = 86400
MASK64 = (1 << 64) - 1


def fmt_utc(ts: np.ndarray) -> list[str]:
    """Epoch seconds -> ``YYYY-MM-DDTHH:MM:SSZ``."""
    ts = np.asarray(ts, dtype=np.int64)
    if ts.size == 0:
        return []
    text = np.datetime_as_string(ts.astype("datetime64[s]"), unit="s")
    return np.char.add(text, "Z").tolist()


def fmt_date(day: np.ndarray) -> list[str]:
    """Days since 1970 -> ``YYYY-MM-DD``."""
    day = np.asarray(day, dtype=np.int64)
    if day.size == 0:
        return []
    return np.datetime_as_string(day.astype("datetime64[D]"), unit="D").tolist()


def offset_text(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(int(seconds))
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def fmt_offset_ts(ts: np.ndarray, offset: np.ndarray) -> list[str]:
    """Epoch seconds plus a UTC offset in seconds -> ISO-8601 local time with that offset."""
    ts = np.asarray(ts, dtype=np.int64)
    if ts.size == 0:
        return []
    offset = np.asarray(offset, dtype=np.int64)
    local = np.datetime_as_string((ts + offset).astype("datetime64[s]"), unit="s")
    uniq, inv = np.unique(offset, return_inverse=True)
    suffix = np.array([offset_text(o) for o in uniq.tolist()])
    return np.char.add(local, suffix[inv]).tolist()


def batch_name(t0: int, hour_index: int) -> str:
    return datetime.fromtimestamp(t0 + hour_index * HOUR, UTC).strftime("%Y-%m-%dT%H")


def fmt_ip(ip: np.ndarray) -> list[str]:
    return [
        f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"
        for v in np.asarray(ip, dtype=np.int64).tolist()
    ]


def scramble(index: np.ndarray, salt: int) -> np.ndarray:
    """A bijection of uint64: distinct inputs give distinct, random-looking outputs."""
    x = np.asarray(index, dtype=np.uint64) + np.uint64(salt & MASK64)
    with np.errstate(over="ignore"):
        x = x * np.uint64(0x9E3779B97F4A7C15)
        x ^= x >> np.uint64(31)
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(29)
    return x


def hex_ids(index: np.ndarray, salt: int, prefix: str = "", width: int = 16) -> list[str]:
    """Unique hex identifiers for distinct integer indices (width 16 or 32)."""
    a = scramble(index, salt).tolist()
    if width == 32:
        b = scramble(index, salt ^ 0x5DEECE66D).tolist()
        return [f"{prefix}{x:016x}{y:016x}" for x, y in zip(a, b, strict=True)]
    return [f"{prefix}{x:016x}"[: len(prefix) + width] for x in a]


def uuid_ids(index: np.ndarray, salt: int) -> list[str]:
    a = scramble(index, salt).tolist()
    b = scramble(index, salt ^ 0x2545F4914F6CDD1D).tolist()
    return [
        f"{x >> 32:08x}-{(x >> 16) & 0xFFFF:04x}-4{x & 0xFFF:03x}-"
        f"{0x8000 | ((y >> 48) & 0x3FFF):04x}-{y & 0xFFFFFFFFFFFF:012x}"
        for x, y in zip(a, b, strict=True)
    ]


_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def base36_codes(index: np.ndarray, salt: int, width: int = 5) -> list[str]:
    """Unique base-36 codes of ``width`` characters (bijective on [0, 36**width))."""
    m = 36**width
    a = 241355  # coprime with 36**k
    vals = ((np.asarray(index, dtype=np.int64) * a + salt) % m).tolist()
    out = []
    for v in vals:
        chars = []
        for _ in range(width):
            v, r = divmod(v, 36)
            chars.append(_B36[r])
        out.append("".join(chars))
    return out


class TzTable:
    """UTC offset (seconds) of each time zone for every hour of a range."""

    def __init__(self, names: list[str], t_lo: int, t_hi: int):
        self.names = list(names)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.base = t_lo - t_lo % HOUR
        n_hours = (t_hi - self.base) // HOUR + 2
        table = np.zeros((len(self.names), n_hours), dtype=np.int64)
        days = np.arange(0, n_hours, 24)
        for i, name in enumerate(self.names):
            zone = ZoneInfo(name)
            # Sample once a day and refine the (rare) days where the offset changes.
            daily = np.array([_offset(zone, self.base + h * HOUR) for h in days.tolist()])
            table[i, :] = np.repeat(daily, 24)[:n_hours]
            for j in np.nonzero(np.diff(daily))[0].tolist():
                for h in range(days[j], min(days[j] + 25, n_hours)):
                    table[i, h] = _offset(zone, self.base + h * HOUR)
                for h in range(days[j] + 25, min(days[j + 1] + 24, n_hours)):
                    table[i, h] = daily[j + 1]
        self.table = table

    def offset(self, tz: np.ndarray, ts: np.ndarray) -> np.ndarray:
        h = (np.asarray(ts, dtype=np.int64) - self.base) // HOUR
        h = np.clip(h, 0, self.table.shape[1] - 1)
        return self.table[np.asarray(tz, dtype=np.int64), h]

    def local_day(self, tz: np.ndarray, ts: np.ndarray) -> np.ndarray:
        ts = np.asarray(ts, dtype=np.int64)
        return (ts + self.offset(tz, ts)) // DAY


def _offset(zone: ZoneInfo, ts: int) -> int:
    return int(datetime.fromtimestamp(ts, zone).utcoffset().total_seconds())


def weekday(day: np.ndarray) -> np.ndarray:
    """Monday = 0 for days since 1970 (a Thursday)."""
    return (np.asarray(day, dtype=np.int64) + 3) % 7


def sample_activity_times(
    rng: np.random.Generator,
    lo: np.ndarray,
    hi: np.ndarray,
    tz: np.ndarray,
    tzt: TzTable,
    diurnal: np.ndarray,
    weekend: float,
) -> np.ndarray:
    """One time per item in [lo, hi), weighted by local hour of day and weekends."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.maximum(np.asarray(hi, dtype=np.int64), lo + 1)
    out = np.empty(lo.size, dtype=np.int64)
    pending = np.arange(lo.size)
    wmax = float(diurnal.max()) * max(weekend, 1.0)
    for _ in range(60):
        if pending.size == 0:
            break
        cand = lo[pending] + (rng.random(pending.size) * (hi[pending] - lo[pending])).astype(
            np.int64
        )
        local = cand + tzt.offset(tz[pending], cand)
        w = diurnal[(local % DAY) // HOUR]
        w = np.where(weekday(local // DAY) >= 5, w * weekend, w)
        ok = rng.random(pending.size) * wmax < w
        out[pending[ok]] = cand[ok]
        pending = pending[~ok]
    if pending.size:
        out[pending] = lo[pending]
    return out


def split_counts(counts: np.ndarray) -> np.ndarray:
    """Owner index repeated by count: [2, 0, 1] -> [0, 0, 2]."""
    return np.repeat(np.arange(len(counts)), counts)
