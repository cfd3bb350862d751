"""Inline SVG figures: drawn from the figures themselves, no library, no script.

Each figure scales with the page (a ``viewBox``, width 100%) and carries its figures as
``data-*`` attributes, so a test (or a curious reader) can read back what was drawn.

- ``strip_plot``: every timed value of a case, round by round: drift and outliers show.
- ``interval_bar``: a ratio and its 95% interval on a shared axis from 1.
- ``ratio_bar``: a ratio to a base and its 95% interval on a log axis centred on 1.
- ``line_chart``: series against x (log or linear axes), with optional interval bands, tick
  labels of one's own (commits, dates) and vertical markers (a step found in a history).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from roadbench.render.html.page import Markup, attrs, data_number, esc, series_color


def _f(value: float) -> str:
    return f"{value:.1f}"


# A change's or ratio's colour by its verdict; any other verdict keeps the figure's own.
VERDICT_COLORS = {"slower": "#c0392b", "faster": "#2e8b57"}


def _bar_figure(
    kind: str, label: str, data: dict[str, str | None], parts: list[str], width: int, height: int
) -> Markup:
    """One bar figure of a table's cell: its marks, and its label as the accessible name and
    the hover title; ``data`` its figures as ``data-*`` attributes."""
    return Markup(
        f'<svg viewBox="0 0 {width} {height}" width="{width}" class="{kind}" role="img"'
        f"{attrs(aria_label=label, **data)}>"
        f"<title>{esc(label)}</title>{''.join(parts)}</svg>"
    )


def strip_plot(
    values: Sequence[float],
    median: float | None = None,
    label: str = "",
    unit_scale: float = 1e3,
    unit: str = "ms",
    width: int = 320,
    height: int = 96,
) -> Markup:
    """Each value as a dot at its round (x) and its size (y, from the least value to the
    largest), the median as a line;
    a value beyond 1.5 IQR of the quartiles is drawn as an outlier (hollow, red)."""
    if not values:
        return Markup("")
    left, right, top, bottom = 42, 8, 8, 18
    plot_w, plot_h = width - left - right, height - top - bottom
    # The axis spans the values (not from 0): a drift of 2% must show as a slope.
    ordered = sorted(values)
    pad = (ordered[-1] - ordered[0]) * 0.1 or ordered[-1] * 0.05 or 1.0
    low, high = max(0.0, ordered[0] - pad), ordered[-1] + pad
    q1, q3 = _quantile(ordered, 0.25), _quantile(ordered, 0.75)
    fence_low, fence_high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    step = plot_w / max(1, len(values) - 1) if len(values) > 1 else 0.0

    def y(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    parts = [
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
        f'y2="{top + plot_h}"/>',
        f'<text x="{left - 4}" y="{_f(y(ordered[-1]) + 4)}" text-anchor="end">'
        f"{esc(_short(ordered[-1] * unit_scale))}</text>",
        f'<text x="{left - 4}" y="{_f(y(ordered[0]) + 4)}" text-anchor="end">'
        f"{esc(_short(ordered[0] * unit_scale))}</text>",
        f'<text x="{left}" y="{height - 3}">round 1</text>',
        f'<text x="{width - right}" y="{height - 3}" text-anchor="end">{len(values)} ({unit})'
        "</text>",
    ]
    if median is not None:
        parts.append(
            f'<line class="ref" x1="{left}" x2="{width - right}" y1="{_f(y(median))}" '
            f'y2="{_f(y(median))}"{attrs(data_median=data_number(median))}/>'
        )
    for index, value in enumerate(values):
        outlier = not fence_low <= value <= fence_high
        x = left + (step * index if len(values) > 1 else plot_w / 2)
        style = 'fill="none" stroke="#c0392b" stroke-width="1.5"' if outlier else 'fill="var(--c0)"'
        parts.append(
            f'<circle cx="{_f(x)}" cy="{_f(y(value))}" r="3" {style}'
            f"{attrs(data_round=index + 1, data_value=data_number(value), data_outlier=outlier)}>"
            f"<title>round {index + 1}: {esc(_short(value * unit_scale))} {unit}"
            f"{' (outlier)' if outlier else ''}</title></circle>"
        )
    return Markup(
        f'<svg viewBox="0 0 {width} {height}" width="{width}" role="img" class="strip"'
        f"{attrs(aria_label=label or 'values round by round')}>{''.join(parts)}</svg>"
    )


def _quantile(ordered: Sequence[float], q: float) -> float:
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _short(value: float) -> str:
    """A number in three significant figures or so: 0.123, 12.3, 1,234."""
    if value == 0:
        return "0"
    if abs(value) >= 100 or (abs(value) >= 1 and value == round(value)):
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def interval_bar(
    ratio: float | None,
    interval: Sequence[float] | None,
    axis_max: float,
    tied: bool = False,
    width: int = 140,
    height: int = 16,
) -> Markup:
    """A ratio (fastest = 1) as a dot on a log axis from 1 to ``axis_max``, its 95% interval
    as a bar; a tie is shaded. Nothing when there is no ratio."""
    if ratio is None:
        return Markup("")
    top = max(axis_max, ratio, *(interval or ()), 1.05)
    span = math.log(top)
    pad = 4

    def x(value: float) -> float:
        return pad + (width - 2 * pad) * math.log(max(value, 1.0)) / span

    parts = [f'<line class="ref" x1="{pad}" x2="{pad}" y1="1" y2="{height - 1}"/>']
    if tied:
        parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="var(--tie)"/>')
    if interval:
        low, high = interval
        parts.append(
            f'<rect x="{_f(x(low))}" y="{height / 2 - 2:.1f}" '
            f'width="{max(1.0, x(high) - x(low)):.1f}" height="4" fill="var(--c0)" '
            'opacity="0.35"/>'
        )
    parts.append(f'<circle cx="{_f(x(ratio))}" cy="{height / 2:.1f}" r="3.5" fill="var(--c0)"/>')
    label = f"{ratio:.2f}" + (f" (95%: {interval[0]:.2f}–{interval[1]:.2f})" if interval else "")
    return _bar_figure("interval", label, {"data_ratio": data_number(ratio)}, parts, width, height)


@dataclass
class Point:
    x: float
    y: float | None
    low: float | None = None  # the interval around y, drawn as a band
    high: float | None = None
    title: str = ""  # shown on hover


@dataclass
class Line:
    name: str
    points: list[Point]
    color: int = 0  # index in the palette (page.series_color)
    dashed: bool = False


@dataclass
class Marker:
    x: float
    label: str


@dataclass
class Axis:
    label: str = ""
    log: bool = False
    # Tick labels of one's own (x -> text: a commit, a date); else ticks are chosen.
    ticks: dict[float, str] = field(default_factory=dict)
    unit_scale: float = 1.0  # tick values are multiplied by this (seconds -> ms: 1e3)


def line_chart(
    lines: Sequence[Line],
    x_axis: Axis,
    y_axis: Axis,
    markers: Sequence[Marker] = (),
    title: str = "",
    width: int = 640,
    height: int = 300,
) -> Markup:
    """Lines through their points, with interval bands, on log or linear axes."""
    points = [p for line in lines for p in line.points if p.y is not None and p.y > 0]
    if not points:
        return Markup("")
    left, right, top, bottom = 58, 28, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [p.x for p in points] + [m.x for m in markers]
    ys = [v for p in points for v in (p.y, p.low, p.high) if v is not None and v > 0]
    x_scale = _Scale(min(xs), max(xs), x_axis.log, left, left + plot_w)
    y_scale = _Scale(min(ys), max(ys), y_axis.log, top + plot_h, top)

    parts = [
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}"/>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"/>',
    ]
    x_ticks = x_axis.ticks or {v: _short(v * x_axis.unit_scale) for v in x_scale.ticks()}
    for value, text in x_ticks.items():
        px = x_scale(value)
        parts.append(
            f'<line class="axis" x1="{_f(px)}" x2="{_f(px)}" y1="{top + plot_h}" '
            f'y2="{top + plot_h + 4}"/><text x="{_f(px)}" y="{top + plot_h + 15}" '
            f'text-anchor="middle">{esc(text)}</text>'
        )
    for value in y_scale.ticks():
        py = y_scale(value)
        text = y_axis.ticks.get(value) or _short(value * y_axis.unit_scale)
        parts.append(
            f'<line class="axis" x1="{left}" x2="{left + plot_w}" y1="{_f(py)}" y2="{_f(py)}" '
            f'opacity="0.5"/><text x="{left - 5}" y="{_f(py + 4)}" text-anchor="end">'
            f"{esc(text)}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" text-anchor="middle">'
        f"{esc(x_axis.label)}</text>"
        f'<text transform="translate(12 {top + plot_h / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">{esc(y_axis.label)}</text>'
    )
    for marker in markers:
        px = x_scale(marker.x)
        parts.append(
            f'<g class="marker"{attrs(data_x=data_number(marker.x))}><line x1="{_f(px)}" '
            f'x2="{_f(px)}" y1="{top}" y2="{top + plot_h}" stroke="#c0392b" '
            f'stroke-dasharray="4 3"/><text x="{_f(px + 3)}" y="{top + 10}" fill="#c0392b">'
            f"{esc(marker.label)}</text></g>"
        )
    for line in lines:
        color = series_color(line.color)
        shown = [p for p in line.points if p.y is not None and p.y > 0]
        band = [p for p in shown if p.low and p.high]
        group = []
        if len(band) > 1:
            upper = " ".join(f"{_f(x_scale(p.x))},{_f(y_scale(p.high or 0))}" for p in band)
            lower = " ".join(
                f"{_f(x_scale(p.x))},{_f(y_scale(p.low or 0))}" for p in reversed(band)
            )
            group.append(f'<polygon points="{upper} {lower}" fill="{color}" opacity="0.15"/>')
        if len(shown) > 1:
            path = " ".join(f"{_f(x_scale(p.x))},{_f(y_scale(p.y or 0))}" for p in shown)
            dash = ' stroke-dasharray="5 4"' if line.dashed else ""
            group.append(
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>'
            )
        for p in shown:
            shown_y = _short((p.y or 0) * y_axis.unit_scale)
            hover = p.title or f"{line.name}: {_short(p.x)}, {shown_y}"
            group.append(
                f'<circle cx="{_f(x_scale(p.x))}" cy="{_f(y_scale(p.y or 0))}" r="3.5" '
                f'fill="{color}"{attrs(data_x=data_number(p.x), data_y=data_number(p.y))}>'
                f"<title>{esc(hover)}</title></circle>"
            )
        parts.append(f'<g class="series"{attrs(data_series=line.name)}>{"".join(group)}</g>')
    return Markup(
        f'<svg viewBox="0 0 {width} {height}" width="{width}" class="chart" role="img"'
        f"{attrs(aria_label=title or None)}>{''.join(parts)}</svg>"
    )


class _Scale:
    """Data to pixels on one axis, log or linear, with ticks a reader can read."""

    def __init__(self, low: float, high: float, log: bool, start: float, end: float) -> None:
        if log:
            low, high = max(low, 1e-12), max(high, 1e-12)
        if high == low:
            low, high = (low / 2, high * 2) if log else (low - 1, high + 1)
        self.low, self.high, self.log, self.start, self.end = low, high, log, start, end

    def _t(self, value: float) -> float:
        return math.log10(max(value, 1e-12)) if self.log else value

    def __call__(self, value: float) -> float:
        span = self._t(self.high) - self._t(self.low)
        return self.start + (self.end - self.start) * (self._t(value) - self._t(self.low)) / span

    def ticks(self) -> list[float]:
        if self.log:
            first, last = math.floor(math.log10(self.low)), math.ceil(math.log10(self.high))
            candidates = (
                [m * 10.0**e for e in range(first, last + 1) for m in (1, 2, 5)]
                if last - first <= 3
                else [10.0**e for e in range(first, last + 1)]
            )
        else:
            raw = (self.high - self.low) / 5
            magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
            step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
            start = math.ceil(self.low / step) * step
            candidates = [start + i * step for i in range(12)]
        tolerance = 1e-9 * max(abs(self.high), 1e-12)
        return [v for v in candidates if self.low - tolerance <= v <= self.high + tolerance]


def change_bar(
    change: float | None,
    noise: float | None,
    axis_max: float,
    verdict: str = "",
    width: int = 160,
    height: int = 16,
) -> Markup:
    """A relative change (+0.23 = 23% slower) as a bar from the middle (no change), the noise
    either side shaded; red when ``verdict`` is "slower", green when "faster"."""
    if change is None:
        return Markup("")
    span = max(axis_max, abs(change), noise or 0.0, 0.01)
    middle = width / 2

    def x(value: float) -> float:
        return middle + (width / 2 - 2) * max(-1.0, min(1.0, value / span))

    color = VERDICT_COLORS.get(verdict, "var(--c7)")
    parts = []
    if noise:
        parts.append(
            f'<rect x="{_f(x(-noise))}" y="0" width="{_f(x(noise) - x(-noise))}" '
            f'height="{height}" fill="var(--soft)" stroke="var(--line)"/>'
        )
    low, high = sorted((x(0.0), x(change)))
    parts.append(
        f'<rect x="{_f(low)}" y="{height / 2 - 3:.1f}" width="{max(1.0, high - low):.1f}" '
        f'height="6" fill="{color}"/>'
    )
    parts.append(f'<line class="ref" x1="{middle}" x2="{middle}" y1="0" y2="{height}"/>')
    label = f"{change:+.1%}" + (f" (noise ±{noise:.1%})" if noise else "")
    return _bar_figure("change", label, {"data_change": data_number(change)}, parts, width, height)


def ratio_bar(
    ratio: float | None,
    interval: Sequence[float] | None,
    axis_max: float,
    verdict: str = "",
    width: int = 160,
    height: int = 16,
) -> Markup:
    """A ratio to a base (1 = the same) as a dot on a log axis centred on 1, from
    1/``axis_max`` to ``axis_max``, its 95% interval as a bar (an interval is seldom
    symmetric); red when ``verdict`` is "slower", green when "faster"."""
    if ratio is None or ratio <= 0:
        return Markup("")
    span = math.log(max(axis_max, ratio, 1 / ratio, *(max(v, 1 / v) for v in interval or ()), 1.01))
    middle = width / 2

    def x(value: float) -> float:
        return middle + (width / 2 - 4) * math.log(value) / span

    color = VERDICT_COLORS.get(verdict, "var(--c0)")
    parts = [f'<line class="ref" x1="{middle}" x2="{middle}" y1="0" y2="{height}"/>']
    if interval:
        low, high = interval
        parts.append(
            f'<rect x="{_f(x(low))}" y="{height / 2 - 2:.1f}" '
            f'width="{max(1.0, x(high) - x(low)):.1f}" height="4" fill="{color}" opacity="0.35"'
            f"{attrs(data_low=data_number(low), data_high=data_number(high))}/>"
        )
    parts.append(f'<circle cx="{_f(x(ratio))}" cy="{height / 2:.1f}" r="3.5" fill="{color}"/>')
    label = f"×{ratio:.3f}" + (f" (95%: {interval[0]:.3f}–{interval[1]:.3f})" if interval else "")
    return _bar_figure("interval", label, {"data_ratio": data_number(ratio)}, parts, width, height)
