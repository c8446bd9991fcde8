"""Charts: Vega-Lite specs written with Altair, drawn to SVG by vl-convert at build time and
inlined into the page, so a report opens and draws with no network and no script.

Charts are sized for a phone (about 380 px wide, 12 px text) and may grow a little on a wide
screen. Colours: the Okabe-Ito palette, which colour-blind readers can tell apart.
"""

import re
from datetime import date, datetime
from decimal import Decimal

import altair as alt
import vl_convert
from markupsafe import Markup, escape

from reports import fmt
from reports.page import Chart

WIDTH = 300  # plot area; axes and labels add about 60-80 px
HEIGHT = 190
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GOOD, BAD, NEUTRAL, MUTED = "#009E73", "#D55E00", "#0072B2", "#9aa5b1"
FONT = "-apple-system, BlinkMacSystemFont, Segoe UI, Roboto, Helvetica Neue, Arial, Liberation Sans, DejaVu Sans, sans-serif"
VEGA_LITE_VERSION = "6.4"
# Checking each spec against the Vega-Lite schema costs about a quarter of the build; the tests
# switch it on (a chart that does not validate fails there), scheduled builds leave it off.
VALIDATE = False

# Channels keep their colour in every chart.
CHANNELS = list(fmt.CHANNEL_NAMES.values())
CHANNEL_SCALE = alt.Scale(domain=CHANNELS, range=PALETTE[: len(CHANNELS)])

CONFIG = {
    "font": FONT,
    "background": "white",
    "view": {"stroke": "transparent"},
    "padding": 4,
    "axis": {
        "labelFontSize": 12,
        "titleFontSize": 12,
        "titleFontWeight": "normal",
        "labelColor": "#3d4753",
        "titleColor": "#3d4753",
        "gridColor": "#e6eaef",
        "domainColor": "#9aa5b1",
        "tickColor": "#9aa5b1",
        "labelLimit": 140,
    },
    "legend": {
        "orient": "bottom",
        "direction": "horizontal",
        "labelFontSize": 12,
        "titleFontSize": 12,
        "titleFontWeight": "normal",
        "columns": 3,
        "symbolSize": 80,
        "labelLimit": 160,
    },
    "range": {"category": PALETTE},
    "text": {"fontSize": 12},
    "line": {"strokeWidth": 2.5},
}


def plain(value):
    """A value Vega-Lite can take as inline data: numbers as floats, dates as ISO strings."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def data(rows: list[dict]) -> alt.InlineData:
    return alt.InlineData(values=[{k: plain(v) for k, v in row.items()} for row in rows])


def svg(chart: alt.TopLevelMixin, description: str) -> Markup:
    """The chart as an inline <svg> element (namespaces left to the HTML parser)."""
    spec = chart.to_dict(validate=VALIDATE)
    spec.pop("$schema", None)
    config = spec.get("config", {})  # Altair's defaults (view size), then ours on top
    for key, value in CONFIG.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    spec["config"] = config
    drawn = vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION)
    drawn = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", drawn)
    match = re.search(r'<svg[^>]*\swidth="([\d.]+)"', drawn)
    max_width = f"max-width:{float(match.group(1)) * 1.3:.0f}px" if match else ""
    return Markup(
        drawn.replace(
            "<svg ",
            f'<svg role="img" aria-label="{escape(description)}" style="{max_width}" ',
            1,
        )
    )


def block(chart: alt.TopLevelMixin, title: str, caption: str, wide: bool = False) -> Chart:
    return Chart(title=title, svg=svg(chart, f"{title}. {caption}"), caption=caption, wide=wide)


def utc_x(field: str, title: str | None = None, **axis) -> alt.X:
    """A time axis read as UTC days."""
    return alt.X(
        f"{field}:T",
        title=title,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%d %b", labelAngle=0, tickCount=5, **axis),
    )
