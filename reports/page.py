"""The page every report is: a headline, key findings with recommendations, sections of tiles,
charts and tables, definitions of every metric shown, and the data cutoff and freshness.

One self-contained HTML file: styles inline, charts as inline SVG, no script, no font or image
from anywhere. It reads on a phone: one column, tiles and charts wrap, and table rows become small cards.
"""

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports import fmt
from reports.source import Freshness, batch_end

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Finding:
    """A key finding in plain language with what to do about it. `weight` ranks findings (roughly
    the money or share of users involved); `key` names the rule that produced it."""

    key: str
    headline: str
    detail: str
    recommendation: str
    weight: float = 0.0


def top_findings(candidates, limit: int = 5) -> list[Finding]:
    """The findings that hold, most important first, at most `limit`."""
    found = [finding for finding in candidates if finding is not None]
    return sorted(found, key=lambda finding: -finding.weight)[:limit]


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    metric: str  # stable name, written as data-metric (tests compare it with the marts)
    raw: object = None  # the unformatted value, written as data-value
    change: str | None = None  # e.g. "+12% vs previous 7 days"
    tone: str = "neutral"  # good, bad or neutral: the colour of the change
    hint: str | None = None


@dataclass(frozen=True)
class Cell:
    text: str
    raw: object = None
    metric: str | None = None
    numeric: bool = False
    href: str | None = None

    @property
    def long(self) -> bool:
        """Sentences rather than values: on a phone they go under their column name."""
        return len(self.text) > 40


def num(text: str, raw=None, metric: str | None = None) -> Cell:
    return Cell(text, raw, metric, numeric=True)


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list]  # of Cell or str
    caption: str | None = None
    kind: str = "table"

    def cells(self) -> list[list[Cell]]:
        return [[c if isinstance(c, Cell) else Cell(str(c)) for c in row] for row in self.rows]


@dataclass(frozen=True)
class Chart:
    title: str
    svg: Markup
    caption: str  # how to read it, in a sentence
    wide: bool = False
    kind: str = "chart"


@dataclass(frozen=True)
class Tiles:
    kpis: list[Kpi]
    kind: str = "tiles"


@dataclass(frozen=True)
class Text:
    text: str
    tone: str = "plain"  # plain, note (a caveat) or missing (a figure the marts do not have)
    kind: str = "text"


@dataclass(frozen=True)
class Events:
    items: list[tuple[str, str]]  # (when, what), oldest first
    caption: str = ""
    kind: str = "events"


@dataclass(frozen=True)
class Links:
    items: list[tuple[str, str, str]]  # (label, relative href, note)
    kind: str = "links"


@dataclass
class Section:
    id: str
    title: str
    lead: str = ""
    blocks: list = field(default_factory=list)

    def add(self, *blocks) -> "Section":
        self.blocks.extend(block for block in blocks if block is not None)
        return self


@dataclass
class Page:
    kind: str  # risk_brief, acquisition, operations, investigation
    title: str
    subtitle: str
    headline: str  # the one sentence a reader must not miss
    freshness: Freshness
    generated_at: datetime
    tiles: list[Kpi] = field(default_factory=list)
    findings: list[Finding] | None = field(default_factory=list)  # None: no findings section
    sections: list[Section] = field(default_factory=list)
    definitions: dict[str, str] = field(default_factory=dict)
    about: list[str] = field(default_factory=list)  # attribution model, windows, caveats
    missing: list[str] = field(default_factory=list)  # figures the marts do not have yet
    sources: list[str] = field(default_factory=list)  # landed tables the report depends on
    marts: list[str] = field(default_factory=list)  # marts the report reads
    nav: list[tuple[str, str]] = field(default_factory=list)  # (label, relative href)


# Links between the reports, from a page in REPORTS_DIR (packs add "../").
REPORT_LINKS = [
    ("Risk brief", "risk_brief.html"),
    ("Investigation packs", "investigations/index.html"),
    ("Acquisition", "acquisition.html"),
    ("Operations", "operations.html"),
]


def nav(current: str, prefix: str = "") -> list[tuple[str, str]]:
    """Links to the other reports (all files sit together in REPORTS_DIR)."""
    return [(label, prefix + href) for label, href in REPORT_LINKS if href != current]


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["moment"] = fmt.moment
    return environment


def render(page: Page) -> str:
    environment = _environment()
    css = Markup((TEMPLATES / "report.css").read_text())
    source_rows = []
    cutoff = page.freshness.data_cutoff
    for source in page.freshness.sources:
        if page.sources and source.source_table not in page.sources:
            continue
        known_until = batch_end(source.latest_batch)
        lag = (cutoff - known_until).total_seconds() / 3600 if cutoff else 0
        source_rows.append((source.source_table, fmt.short_moment(known_until), lag))
    return environment.get_template("report.html.j2").render(
        page=page, css=css, source_rows=source_rows, fmt=fmt
    )


def write(page: Page, path: Path) -> Path:
    """Render and write atomically: a reader opens the previous complete file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(render(page))
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path
