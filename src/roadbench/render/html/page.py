"""The page every HTML report shares: one self-contained file, inline CSS, no script needed.

Plain string building with ``html.escape``: a report is a handful of tables and inline SVG
figures, which a template engine would not make shorter. Every piece of text that came from a
run (a plugin design's name, SQL, a database URL, a file name) goes through ``esc`` or one of
the helpers below, which escape what they are given; only strings these modules built
themselves are passed on as markup (``Markup``).

The page opens offline (no CDN, no font, no server) and reads on a phone: tables scroll
inside their own box, figures scale with the width, the body never scrolls sideways.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from roadbench import __version__


class Markup(str):
    """HTML built by these modules: passed on as it is, never escaped again."""


def esc(text: object) -> Markup:
    """Text as HTML: ``<``, ``>``, ``&`` and both quotes escaped (safe in attributes too)."""
    if isinstance(text, Markup):
        return text
    return Markup(html.escape("" if text is None else str(text), quote=True))


def join(parts: Iterable[object]) -> Markup:
    """Pieces of markup as one (each piece escaped unless it is ``Markup``)."""
    return Markup("".join(esc(p) for p in parts))


def tag(name: str, content: object = "", /, **attributes: object) -> Markup:
    """``<name attr="...">content</name>``; ``class_`` gives ``class``, ``data_x`` gives
    ``data-x``; a None or False attribute is left out, True is written bare."""
    return Markup(f"<{name}{attrs(**attributes)}>{esc(content)}</{name}>")


def attrs(**attributes: object) -> str:
    written = []
    for key, value in attributes.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        written.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    return "".join(written)


def data_number(value: float | int | None) -> str | None:
    """A figure as a ``data-value`` attribute: what the JSON holds, written so a test reads
    it back exactly (repr of a float round-trips); None when there is no figure."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return repr(value)


def anchor(*parts: object) -> str:
    """An id for a section from its parts: letters, digits and dashes only (stable, unique
    as long as its parts are)."""
    text = "-".join(str(p) for p in parts).lower()
    kept = "".join(c if c.isascii() and c.isalnum() else "-" for c in text)
    return "-".join(p for p in kept.split("-") if p) or "section"


@dataclass
class Section:
    """One part of the page, with an id to link to (``#id``) and a line in the contents."""

    id: str
    title: str
    body: str  # markup
    # Shown in the contents at the top; sections of a case may leave themselves out.
    listed: bool = True


class Cell:
    """A table cell with attributes (``class_``, ``data_value``...); right-aligned when
    ``numeric``."""

    def __init__(self, content: object, numeric: bool = False, **attributes: object) -> None:
        self.content = content
        self.numeric = numeric
        self.attributes = attributes


def table(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    caption: object = "",
    **attributes: object,
) -> Markup:
    """A table in a box that scrolls sideways on a narrow screen (the page itself never does).
    A cell is text, ``Markup`` or a ``Cell`` (right-aligned when numeric, with attributes)."""
    head = join(tag("th", h, scope="col") for h in header)
    body = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            if isinstance(cell, Cell):
                given = str(cell.attributes.get("class_", ""))
                classes = " ".join(c for c in ("num" if cell.numeric else "", given) if c)
                extra = {k: v for k, v in cell.attributes.items() if k != "class_"}
                cells.append(tag("td", cell.content, class_=classes or None, **extra))
            elif index == 0:
                cells.append(tag("th", cell, scope="row"))
            else:
                cells.append(tag("td", cell))
        body.append(tag("tr", join(cells)))
    caption_html = tag("caption", caption) if caption else ""
    inner = Markup(f"{caption_html}<thead><tr>{head}</tr></thead><tbody>{join(body)}</tbody>")
    return tag("div", tag("table", inner, **attributes), class_="scroll")


def definitions(pairs: Iterable[tuple[object, object]]) -> Markup:
    """A list of name: value pairs (the environment, a case's figures)."""
    return tag("dl", join(join((tag("dt", k), tag("dd", v))) for k, v in pairs))


def details(summary: object, body: object, open_: bool = False, **attributes: object) -> Markup:
    """A collapsible part: the summary always shown, the body on a click."""
    return tag("details", join((tag("summary", summary), body)), open=open_, **attributes)


def link(target_id: str, text: object) -> Markup:
    return tag("a", text, href=f"#{target_id}")


def note(text: object, kind: str = "note") -> Markup:
    """A line set apart: kind ``note``, ``warn`` (instability) or ``bad`` (N+1, a failure)."""
    return tag("p", text, class_=f"callout {kind}")


def code_block(text: object) -> Markup:
    return tag("pre", tag("code", text))


STYLE = """
:root{--fg:#1d2330;--muted:#5b6475;--line:#d8dce4;--bg:#fff;--soft:#f4f6f9;--tie:#fff3c4;
--win:#dff3e4;--warn:#fff0d6;--bad:#fde2e1;--accent:#2a5db0;
--c0:#2a5db0;--c1:#d0602a;--c2:#2e8b57;--c3:#9b3fb5;--c4:#b8860b;--c5:#1b9aaa;--c6:#c0392b;
--c7:#5d6d7e;--c8:#7a9a01;--c9:#e84393}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg);overflow-wrap:anywhere}
header.top,main,footer{max-width:1200px;margin:0 auto;padding:0 16px}
header.top{padding-top:16px;border-bottom:1px solid var(--line)}
h1{font-size:1.5rem;margin:.2em 0}h2{font-size:1.25rem;margin:1.6em 0 .4em}
h3{font-size:1.05rem;margin:1.2em 0 .3em}
.subtitle{color:var(--muted);margin:0 0 .6em}
nav.toc ol{margin:.3em 0 .8em;padding-left:1.3em;columns:2 16em}
section{scroll-margin-top:8px}
a{color:var(--accent)}
.scroll{overflow-x:auto;max-width:100%;margin:.5em 0;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.9rem;font-variant-numeric:tabular-nums;
overflow-wrap:break-word}
table.statements td:nth-child(3){min-width:16em;overflow-wrap:anywhere}
caption{text-align:left;color:var(--muted);padding:.2em 0}
th,td{border-bottom:1px solid var(--line);padding:.3em .55em;text-align:left;vertical-align:top}
thead th{background:var(--soft);position:sticky;top:0;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}td.nowrap{white-space:nowrap}
td .ratio{font-weight:600}td .ci,td .figures{color:var(--muted);font-size:.8rem}
td .figures{display:block}td svg.interval{display:inline-block;margin-left:auto}
td a{color:inherit;text-decoration:none}td a:hover .ratio{text-decoration:underline}
table.sticky tbody th{position:sticky;left:0;background:var(--bg);z-index:1}
td.tie{background:var(--tie)}td.win{background:var(--win)}td.warn{background:var(--warn)}
tr.bad td,tr.bad th{background:var(--bad)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.5em 0}
dt{color:var(--muted)}dd{margin:0}
pre{background:var(--soft);padding:.6em;overflow-x:auto;font-size:.82rem;white-space:pre-wrap}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
details{margin:.4em 0}summary{cursor:pointer}
.callout{padding:.35em .6em;border-left:4px solid var(--line);background:var(--soft)}
.callout.warn{border-color:#d99a00;background:var(--warn)}
.callout.bad{border-color:#c0392b;background:var(--bad)}
.badge{display:inline-block;padding:0 .4em;border-radius:3px;font-size:.8rem;background:var(--soft);
border:1px solid var(--line);white-space:nowrap}
.badge.bad{background:var(--bad);border-color:#e5a3a0}.badge.warn{background:var(--warn)}
.badge.tie{background:var(--tie);white-space:normal}
.legend{color:var(--muted);font-size:.85rem}
.legend .key{display:inline-block;width:.8em;height:.8em;vertical-align:middle;
margin:0 .25em 0 .6em}
svg{max-width:100%;height:auto;display:block}
svg text{font:11px system-ui,sans-serif;fill:var(--muted)}
svg .axis{stroke:var(--line)}svg .ref{stroke:#888;stroke-dasharray:3 3}
.figure{margin:.5em 0;max-width:760px}
.cases{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,340px),1fr));gap:12px}
.case{border:1px solid var(--line);border-radius:6px;padding:.2em .8em .6em;min-width:0}
.case.wide{grid-column:1/-1}
iframe.profile{width:100%;height:70vh;border:1px solid var(--line)}
footer{color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);margin-top:2em;
padding-top:.6em;padding-bottom:2em}
@media (max-width:600px){body{font-size:14px}th,td{padding:.25em .35em}nav.toc ol{columns:1}}
@media print{.scroll{overflow:visible}details{display:block}}
"""


# Nothing may load from elsewhere (a test's console error, and a promise kept offline): styles,
# scripts, images and fonts only from the page itself; frames only from srcdoc.
OFFLINE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline' data:; script-src 'unsafe-inline'; "
    "img-src data:; font-src data:; frame-src 'self'"
)


def page(
    title: str,
    sections: Sequence[Section],
    subtitle: object = "",
    kind: str = "",
) -> str:
    """The whole document: title, contents (links to the listed sections), the sections,
    and a footer naming roadbench's version. ``kind`` goes on ``<body data-kind>``, for
    scripts and tests that tell a run's page from a history's."""
    listed = [s for s in sections if s.listed]
    toc = (
        tag("nav", tag("ol", join(tag("li", link(s.id, s.title)) for s in listed)), class_="toc")
        if len(listed) > 1
        else ""
    )
    body = join(
        tag("section", join((tag("h2", s.title), Markup(s.body))), id=s.id) for s in sections
    )
    header = tag(
        "header",
        join((tag("h1", title), tag("p", subtitle, class_="subtitle") if subtitle else "", toc)),
        class_="top",
    )
    footer = tag(
        "footer",
        join(
            (
                f"Made by roadbench {__version__}. One file: it opens offline, "
                "nothing is loaded from elsewhere. ",
                link("top", "Top"),
            )
        ),
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en" id="top"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{OFFLINE_POLICY}">'
        f'<meta name="generator" content="roadbench {esc(__version__)}">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>"
        f"<body{attrs(data_kind=kind or None)}>{header}<main>{body}</main>{footer}</body></html>\n"
    )


def write_page(path: Path, text: str) -> None:
    """Write the page atomically (roadbench's one way of writing a user's file)."""
    from roadbench.reports.output import write_text

    write_text(path, text)


def legend(names: Mapping[str, int]) -> Markup:
    """Which colour is which series: name -> its index in the palette (``series_color``)."""
    return tag(
        "p",
        join(
            join((tag("span", "", class_="key", style=f"background:{series_color(i)}"), name))
            for name, i in names.items()
        ),
        class_="legend",
    )


def series_color(index: int) -> str:
    return f"var(--c{index % 10})"
