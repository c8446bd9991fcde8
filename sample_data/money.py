"""Money helpers: USD amounts to a currency's minor units, and decimal text."""

from __future__ import annotations

import numpy as np

from sample_data import reference as ref

EXP = np.asarray(ref.CUR_EXP, dtype=np.int64)
PER_USD = np.asarray(ref.CUR_PER_USD, dtype=float)
NICE_STEP = np.asarray([ref.CUR_NICE_STEP.get(c, 1.0) for c in ref.CURRENCY_CODES])


def usd_to_minor(usd: np.ndarray, cur: np.ndarray, nice: bool = False) -> np.ndarray:
    """A USD amount in the currency ``cur`` (index), in minor units; ``nice`` rounds to a step."""
    usd = np.asarray(usd, dtype=float)
    cur = np.asarray(cur, dtype=np.int64)
    major = usd * PER_USD[cur]
    if nice:
        step = NICE_STEP[cur]
        major = np.maximum(step, np.round(major / step) * step)
    minor = np.round(major * 10.0 ** EXP[cur]).astype(np.int64)
    return np.maximum(minor, 1)


def minor_text(minor: int, exp: int) -> str:
    """Integer minor units -> decimal text in major units (``1234, 2 -> '12.34'``)."""
    sign = "-" if minor < 0 else ""
    q, r = divmod(abs(int(minor)), 10**exp)
    return f"{sign}{q}.{r:0{exp}d}" if exp else f"{sign}{q}"


def minor_texts(minor: np.ndarray, cur: np.ndarray) -> list[str]:
    exps = EXP[np.asarray(cur, dtype=np.int64)].tolist()
    return [minor_text(m, e) for m, e in zip(np.asarray(minor).tolist(), exps, strict=True)]


def to_scaled4(minor: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """Minor units -> integer with four decimals (the scale of decimal(18,4))."""
    return np.asarray(minor, dtype=np.int64) * 10 ** (4 - EXP[np.asarray(cur, dtype=np.int64)])
