"""Server-side SVG charts for the dashboard: numbers in, escaped SVG markup out.

No JavaScript and no inline styles (the content security policy forbids both): colours come from
CSS classes in ``static/css/app.css``. Every chart scales with its container through
``viewBox``; text is escaped with ``format_html``/``escape``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from analytics.route import RouteMap

WIDTH = 480
HEIGHT = 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 36, 8, 12, 24


@dataclass(frozen=True)
class Bar:
    label: str  # x-axis label, e.g. "12 Oct"
    value: float  # in display units
    tooltip: str
    highlight: bool = False


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str  # colour via CSS
    values: Sequence[float | None]


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    ticks: list[float] = field(default_factory=list)


def nice_axis(low: float, high: float, *, max_ticks: int = 4) -> Axis:
    """Round ``low``/``high`` out to a 1-2-5 step so gridlines fall on readable numbers."""
    if high <= low:
        high = low + 1
    raw_step = (high - low) / max_ticks
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    nice_low = math.floor(low / step) * step
    nice_high = math.ceil(high / step) * step
    count = round((nice_high - nice_low) / step)
    return Axis(nice_low, nice_high, [nice_low + i * step for i in range(count + 1)])


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _tick_label(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1 or value == 0 else f"{value:.1f}"


def _svg(inner: list[str], *, title: str, css_class: str, height: int = HEIGHT) -> SafeString:
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        css_class,
        WIDTH,
        height,
        title,
        title,
        mark_safe("".join(inner)),
    )


def _y_grid(axis: Axis, y_of: Callable[[float], float], label: Callable[[float], str]) -> list[str]:
    parts: list[str] = []
    for tick in axis.ticks:
        y = y_of(tick)
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                PAD_LEFT,
                WIDTH - PAD_RIGHT,
                _fmt(y),
                _fmt(y),
                PAD_LEFT - 4,
                _fmt(y + 3.5),
                label(tick),
            )
        )
    return parts


def bar_chart(bars: Sequence[Bar], *, title: str, unit: str) -> SafeString:
    """Vertical bars (weekly distance). Values are already in display units."""
    top = max((bar.value for bar in bars), default=0)
    axis = nice_axis(0, top if top > 0 else 1)
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT

    def y_of(value: float) -> float:
        return PAD_TOP + plot_h * (1 - (value - axis.low) / (axis.high - axis.low))

    # The unit rides on the top tick ("60 km") rather than on a label of its own.
    top_tick = axis.ticks[-1]
    parts = _y_grid(
        axis,
        y_of,
        lambda v: f"{_tick_label(v)} {unit}" if v == top_tick else _tick_label(v),
    )
    slot = plot_w / max(len(bars), 1)
    label_every = 1 if len(bars) <= 8 else 2
    for index, bar in enumerate(bars):
        x = PAD_LEFT + index * slot + slot * 0.15
        y = y_of(bar.value)
        css = "bar bar-current" if bar.highlight else "bar"
        parts.append(
            format_html(
                '<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="2" '
                'data-value="{}"><title>{}</title></rect>',
                css,
                _fmt(x),
                _fmt(y),
                _fmt(slot * 0.7),
                _fmt(max(PAD_TOP + plot_h - y, 0)),
                _fmt(bar.value),
                bar.tooltip,
            )
        )
        if (len(bars) - 1 - index) % label_every == 0:
            parts.append(
                format_html(
                    '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _fmt(x + slot * 0.35),
                    HEIGHT - 8,
                    bar.label,
                )
            )
    return _svg(parts, title=title, css_class="chart-bars")


def _polyline(xs: Sequence[float], ys: Sequence[float | None]) -> list[str]:
    """Points of a line, broken into separate runs wherever a value is missing."""
    runs: list[list[str]] = [[]]
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(f"{_fmt(x)},{_fmt(y)}")
    return [" ".join(points) for points in runs if len(points) > 1]


def line_chart(
    series: Sequence[Series],
    *,
    x_labels: Sequence[tuple[int, str]],
    title: str,
    zero_line: bool = False,
    height: int = HEIGHT,
) -> SafeString:
    """Lines sharing one y-axis (fitness, fatigue, form). ``x_labels`` are (index, text)."""
    values = [v for s in series for v in s.values if v is not None]
    count = max((len(s.values) for s in series), default=0)
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    axis = nice_axis(min(low, 0.0) if zero_line else low, high)
    plot_h = height - PAD_TOP - PAD_BOTTOM
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT

    def x_of(index: int) -> float:
        return PAD_LEFT + plot_w * (index / max(count - 1, 1))

    def y_of(value: float) -> float:
        return PAD_TOP + plot_h * (1 - (value - axis.low) / (axis.high - axis.low))

    parts = _y_grid(axis, y_of, _tick_label)
    if zero_line and axis.low < 0 < axis.high:
        parts.append(
            format_html(
                '<line class="zero" x1="{}" x2="{}" y1="{}" y2="{}"/>',
                PAD_LEFT,
                WIDTH - PAD_RIGHT,
                _fmt(y_of(0)),
                _fmt(y_of(0)),
            )
        )
    for index, text in x_labels:
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                _fmt(x_of(index)),
                height - 8,
                text,
            )
        )
    xs = [x_of(i) for i in range(count)]
    for line in series:
        ys = [None if v is None else y_of(v) for v in line.values]
        for points in _polyline(xs[: len(ys)], ys):
            parts.append(
                format_html(
                    '<polyline class="line {}" points="{}"><title>{}</title></polyline>',
                    line.css_class,
                    points,
                    line.name,
                )
            )
    return _svg(parts, title=title, css_class="chart-lines", height=height)


def profile_chart(
    *,
    distance: Sequence[float],
    pace: Sequence[float | None],
    elevation: Sequence[float | None],
    pace_label: Callable[[float], str],
    distance_unit: str,
    title: str,
) -> SafeString:
    """Pace (line, faster higher) over an elevation area, both against distance in display
    units. ``pace`` is seconds per display unit; ``elevation`` metres."""
    height = 220
    plot_h = height - PAD_TOP - PAD_BOTTOM
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT - 28  # room for the elevation axis on the right
    right = PAD_LEFT + plot_w
    max_d = max(distance[-1] if distance else 0.0, 0.01)

    def x_of(d: float) -> float:
        return PAD_LEFT + plot_w * d / max_d

    parts: list[str] = []
    elevations = [e for e in elevation if e is not None]
    if elevations:
        e_axis = nice_axis(min(elevations), max(elevations) + 1, max_ticks=3)

        def ye(v: float) -> float:
            return PAD_TOP + plot_h * (1 - (v - e_axis.low) / (e_axis.high - e_axis.low))

        ele_points = [
            f"{_fmt(x_of(d))},{_fmt(ye(e))}"
            for d, e in zip(distance, elevation, strict=True)
            if e is not None
        ]
        base = _fmt(PAD_TOP + plot_h)
        area = (
            f"{_fmt(x_of(distance[0]))},{base} " + " ".join(ele_points) + f" {_fmt(right)},{base}"
        )
        parts.append(
            format_html(
                '<polygon class="elevation" points="{}"><title>Elevation</title></polygon>', area
            )
        )
        for tick in e_axis.ticks:
            parts.append(
                format_html(
                    '<text class="tick tick-elevation" x="{}" y="{}">{} m</text>',
                    _fmt(right + 4),
                    _fmt(ye(tick) + 3.5),
                    f"{tick:g}",
                )
            )
    paces = sorted(p for p in pace if p is not None)
    if paces:
        # Clip the slowest 5 % (stops at lights) so they do not flatten the rest of the line.
        low = paces[0]
        high = paces[min(len(paces) - 1, int(len(paces) * 0.95))]
        p_axis = nice_axis(low, max(high, low + 1), max_ticks=4)

        def yp(v: float) -> float:
            clipped = min(max(v, p_axis.low), p_axis.high)
            # Inverted: a faster (smaller) pace is drawn higher.
            return PAD_TOP + plot_h * (clipped - p_axis.low) / (p_axis.high - p_axis.low)

        parts.extend(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tick tick-pace" x="{}" y="{}" text-anchor="end">{}</text>',
                PAD_LEFT,
                _fmt(right),
                _fmt(yp(tick)),
                _fmt(yp(tick)),
                PAD_LEFT - 4,
                _fmt(yp(tick) + 3.5),
                pace_label(tick),
            )
            for tick in p_axis.ticks
        )
        ys = [None if p is None else yp(p) for p in pace]
        for points in _polyline([x_of(d) for d in distance], ys):
            parts.append(
                format_html(
                    '<polyline class="line pace" points="{}"><title>Pace</title></polyline>', points
                )
            )
    d_axis = nice_axis(0, max_d, max_ticks=5)
    for tick in d_axis.ticks:
        if tick <= max_d + 1e-9:
            parts.append(
                format_html(
                    '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _fmt(x_of(tick)),
                    height - 8,
                    f"{tick:g}",
                )
            )
    parts.append(
        format_html(
            '<text class="unit" x="{}" y="{}" text-anchor="end">{}</text>',
            PAD_LEFT - 4,
            height - 8,
            escape(distance_unit),
        )
    )
    return _svg(parts, title=title, css_class="chart-profile", height=height)


def route_map(route: RouteMap, *, title: str, description: str, marker_label: str) -> SafeString:
    """A run's route (``analytics.route.route_map``) as inline SVG: the line, a start dot, a
    finish square and a numbered marker at each split. ``description`` is the text alternative
    read with the title (``<desc>``); ``marker_label`` names a marker's unit ("km 3")."""
    line = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in route.points)
    parts = [format_html('<polyline class="route" points="{}"/>', line)]
    for marker in route.markers:
        parts.append(
            format_html(
                '<g class="route-marker"><title>{} {}</title>'
                '<circle cx="{}" cy="{}" r="7"/>'
                '<text x="{}" y="{}" text-anchor="middle">{}</text></g>',
                marker_label,
                marker.number,
                _fmt(marker.x),
                _fmt(marker.y),
                _fmt(marker.x),
                _fmt(marker.y + 3.2),
                marker.number,
            )
        )
    start_x, start_y = route.start
    finish_x, finish_y = route.finish
    # Finish before start: on a loop the two coincide and the start stays visible on top.
    parts.append(
        format_html(
            '<rect class="route-finish" x="{}" y="{}" width="12" height="12"><title>Finish</title>'
            "</rect>",
            _fmt(finish_x - 6),
            _fmt(finish_y - 6),
        )
    )
    parts.append(
        format_html(
            '<circle class="route-start" cx="{}" cy="{}" r="6"><title>Start</title></circle>',
            _fmt(start_x),
            _fmt(start_y),
        )
    )
    return format_html(
        '<svg class="chart chart-route" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="route-map-title route-map-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="route-map-title">{}</title><desc id="route-map-desc">{}</desc>{}</svg>',
        _fmt(route.width),
        _fmt(route.height),
        title,
        description,
        mark_safe("".join(parts)),
    )
