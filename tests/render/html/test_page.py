"""The HTML skeleton: text from a run is escaped wherever it lands; figures keep their values."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from roadbench.render.html import page as html_page
from roadbench.render.html import svg

HOSTILE = "<script>alert(\"x\")</script> & 'q' <img src=x onerror=alert(1)>"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def _parsed(text: str) -> _Elements:
    parser = _Elements()
    parser.feed(text)
    return parser


def test_text_is_escaped_in_content_attributes_and_the_title():
    body = html_page.join(
        (
            html_page.table(
                ["design", "value"], [[HOSTILE, html_page.Cell(HOSTILE, data_name=HOSTILE)]]
            ),
            html_page.definitions([(HOSTILE, HOSTILE)]),
            html_page.details(HOSTILE, html_page.code_block(HOSTILE)),
            svg.line_chart(
                [svg.Line(HOSTILE, [svg.Point(1, 1.0), svg.Point(10, 2.0)])],
                svg.Axis(HOSTILE, log=True),
                svg.Axis(HOSTILE),
                markers=[svg.Marker(5, HOSTILE)],
            ),
        )
    )
    text = html_page.page(HOSTILE, [html_page.Section("a", HOSTILE, body)], subtitle=HOSTILE)
    parsed = _parsed(text)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not any(name.startswith("on") for name, _ in parsed.attributes)
    # Every place the text went shows it whole, as text: title, h1, subtitle, h2, th, td, dt,
    # dd, summary, code, two axis labels, the marker and the two points' hover titles.
    assert "".join(parsed.text).count(HOSTILE) == 15
    assert ("data-name", HOSTILE) in parsed.attributes
    assert ("data-series", HOSTILE) in parsed.attributes


def test_sections_are_linked_from_the_contents():
    sections = [html_page.Section("one", "One", ""), html_page.Section("two", "Two", "")]
    text = html_page.page("t", sections)
    assert re.findall(r'href="#(\w+)"', text)[:2] == ["one", "two"]
    assert 'id="one"' in text and 'id="two"' in text


def test_anchor_ids_are_plain():
    assert html_page.anchor("option 3", "create (few)", "<x>") == "option-3-create-few-x"


def test_a_strip_plot_keeps_every_value_and_marks_the_outlier():
    values = [0.010, 0.011, 0.0105, 0.050, 0.0102]
    text = svg.strip_plot(values, median=0.0105)
    drawn = _parsed(text)
    assert [float(v) for k, v in drawn.attributes if k == "data-value"] == values
    assert ("data-median", repr(0.0105)) in drawn.attributes
    assert text.count("data-outlier") == 1 and "round 4: 50 ms (outlier)" in text


def test_a_log_axis_has_readable_ticks():
    chart = svg.line_chart(
        [svg.Line("a", [svg.Point(100, 0.001), svg.Point(10_000, 0.1)])],
        svg.Axis("rows", log=True),
        svg.Axis("time", log=True, unit_scale=1e3),
    )
    labels = re.findall(r'text-anchor="(?:middle|end)">([^<]+)</text>', chart)
    assert {"100", "1,000", "10,000"} <= set(labels)  # rows
    assert {"1", "10", "100"} <= set(labels)  # milliseconds
