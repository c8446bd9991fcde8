"""Number and date formatting for readers: one way to write money, counts, shares and times."""

from datetime import date, datetime
from decimal import Decimal

# Acquisition channels as readers know them (one naming for every report).
CHANNEL_NAMES = {
    "paid_search": "Paid search",
    "paid_social": "Paid social",
    "affiliate": "Affiliates",
    "referral": "Referrals",
    "organic": "Organic",
}


def channel(name: str | None) -> str:
    return CHANNEL_NAMES.get(name, name or "unknown")


def _num(value) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else None


def money(value, *, cents: bool | None = None) -> str:
    """$12,345 (cents below $100 unless told: $7.43)."""
    number = _num(value)
    if number is None:
        return "–"
    show_cents = abs(number) < 100 if cents is None else cents
    text = f"${abs(number):,.2f}" if show_cents else f"${abs(number):,.0f}"
    return f"−{text}" if number < 0 else text


def count(value) -> str:
    number = _num(value)
    return "–" if number is None else f"{number:,.0f}"


def pct(value, digits: int = 0) -> str:
    """A share (0.38) as 38%."""
    number = _num(value)
    if number is None:
        return "–"
    text = f"{number * 100:.{digits}f}%"
    # 0.4% must not read as 0%
    if digits == 0 and 0 < abs(number) < 0.005:
        text = f"{number * 100:.1f}%"
    return text


def points(value) -> str:
    """A difference of two shares, in percentage points: +3.2 pts."""
    number = _num(value)
    if number is None:
        return "–"
    return "no change" if abs(number) < 0.0005 else f"{number * 100:+.1f} pts"


def times(value) -> str:
    """A multiple: 3.1×."""
    number = _num(value)
    return "–" if number is None else f"{number:.1f}×"


def change(current, previous) -> float | None:
    """Relative change (0.12 = +12%); None without a previous value."""
    now, before = _num(current), _num(previous)
    if now is None or before is None or before == 0:
        return None
    return now / before - 1


def signed_pct(value) -> str:
    number = _num(value)
    return "–" if number is None else f"{number * 100:+.0f}%"


def hours(value) -> str:
    number = _num(value)
    if number is None:
        return "–"
    return f"{number:.0f} h" if number < 72 else f"{number / 24:.1f} days"


def date_only(value: date | datetime | None) -> str:
    """19 Feb 2026."""
    return "–" if value is None else f"{value.day} {value:%b %Y}"


def short_day(value: date | datetime | None) -> str:
    return "–" if value is None else f"{value.day} {value:%b}"


def short_moment(value: datetime | None) -> str:
    """18 Feb 02:00 (tables: the year and zone are in the page header)."""
    return "–" if value is None else f"{value.day} {value:%b %H:%M}"


def moment(value: datetime | None) -> str:
    return "–" if value is None else f"{value.day} {value:%b %Y, %H:%M} UTC"


def listing(items: list[str], conjunction: str = "and") -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def plural(number, singular: str, plural_form: str | None = None) -> str:
    word = singular if _num(number) == 1 else (plural_form or singular + "s")
    return f"{count(number)} {word}"
