"""Server-side SVG charts and track splits."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from analytics import route, science
from dashboard import charts
from dashboard import presenters as web


def test_bar_chart_draws_one_bar_per_week_with_heights_in_proportion():
    svg = charts.bar_chart(
        [charts.Bar("1 Jan", 10, "w1"), charts.Bar("8 Jan", 20, "w2", highlight=True)],
        title="Weekly distance",
        unit="km",
    )
    assert svg.count("<rect") == 2
    assert 'data-value="10.0"' in svg and 'data-value="20.0"' in svg
    assert "bar bar-current" in svg
    # Axis 0..20: the 20 km bar is the full plot height (200 - 12 - 24 = 164), 10 km half.
    assert 'height="164.0"' in svg and 'height="82.0"' in svg


def test_chart_text_is_escaped():
    svg = charts.bar_chart([charts.Bar("<b>", 1, '"><script>x</script>')], title="<t>", unit="&")
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&amp;" in svg


def test_empty_bar_chart_still_renders():
    svg = charts.bar_chart([], title="Nothing", unit="km")
    assert svg.startswith("<svg") and "<rect" not in svg


def test_nice_axis_uses_round_steps():
    axis = charts.nice_axis(0, 37)
    assert axis.ticks == [0, 10, 20, 30, 40]
    assert charts.nice_axis(-12, 48).ticks[0] == -20


def test_line_chart_breaks_lines_at_missing_values():
    svg = charts.line_chart(
        [charts.Series("CTL", "ctl", [1, 2, None, 4, 5])], x_labels=[(0, "a")], title="Load"
    )
    assert svg.count("<polyline") == 2


def test_weekly_chart_from_summary_items_in_miles():
    today = date(2026, 11, 27)  # a Friday; its week starts Monday 23 Nov
    weeks = [
        SimpleNamespace(
            week_start=date(2026, 11, 23) - timedelta(weeks=11 - i),
            distance_m=16_093.44 if i == 11 else 0,
            duration_s=4800,
            runs=2,
        )
        for i in range(12)
    ]
    svg = web.weekly_distance_chart(weeks, units="mi", today=today)
    assert svg.count("<rect") == 12
    assert 'data-value="10.0"' in svg  # 16 093.44 m is exactly 10 mi
    assert "Week of 23 Nov: 10.00 mi, 2 runs, 1:20:00" in svg
    assert ">10 mi<" in svg  # the unit rides on the top tick


def _steady_track(metres: int, s_per_km: float, step_m: float = 10.0):
    n = int(metres / step_m) + 1
    return {
        "t_s": [i * step_m * s_per_km / 1000 for i in range(n)],
        "dist_m": [i * step_m for i in range(n)],
        "ele_m": [50.0] * n,
        "hr_bpm": [None] * n,
        "lat": [None] * n,
        "lon": [None] * n,
    }


def test_splits_per_km_and_a_short_last_split():
    splits = science.track_splits(_steady_track(5500, 300), split_m=1000)
    assert [round(s.duration_s) for s in splits] == [300] * 5 + [150]
    assert splits[-1].distance_m == pytest.approx(500)
    assert all(s.pace_s_per_km == pytest.approx(300) for s in splits)
    assert splits[0].avg_hr_bpm is None
    assert splits[0].elevation_change_m == pytest.approx(0)


def test_splits_per_mile():
    # 2 miles at 300 s/km: each mile takes 1.609344 km * 300 s = 482.8 s.
    splits = science.track_splits(_steady_track(3220, 300), split_m=1609.344)
    assert splits[0].duration_s == pytest.approx(482.8, abs=0.1)
    assert len(splits) == 2


def test_a_track_without_distances_has_no_splits_or_chart():
    samples = {"t_s": [0, 1, 2], "dist_m": [None, None, None]}
    assert science.track_splits(samples, split_m=1000) == []
    assert web.track_profile_chart(samples, units="km") is None


def test_profile_chart_labels_pace_in_the_runners_unit():
    svg = web.track_profile_chart(_steady_track(5000, 300), units="mi")
    assert "<polyline" in svg and "chart-profile" in svg
    assert ">mi<" in svg


def test_route_map_svg_is_labelled_and_escaped():
    shape = route.RouteMap(
        width=480,
        height=200,
        points=((18.0, 100.0), (240.0, 100.0), (462.0, 100.0)),
        start=(18.0, 100.0),
        finish=(462.0, 100.0),
        markers=(route.RouteMarker(1, 1000.0, 195.6, 100.0),),
        span_east_m=2500.0,
        span_north_m=0.0,
    )
    svg = charts.route_map(shape, title="<Route>", description="a & b", marker_label="km")
    assert svg.startswith('<svg class="chart chart-route" viewBox="0 0 480.0 200.0" role="img"')
    assert '<title id="route-map-title">&lt;Route&gt;</title>' in svg
    assert '<desc id="route-map-desc">a &amp; b</desc>' in svg
    assert 'points="18.0,100.0 240.0,100.0 462.0,100.0"' in svg
    assert '<circle class="route-start" cx="18.0" cy="100.0"' in svg
    # The finish square is centred on the last point: 462 - 6 = 456, 100 - 6 = 94.
    assert '<rect class="route-finish" x="456.0" y="94.0"' in svg
    assert '<circle cx="195.6" cy="100.0" r="7"/>' in svg and "<title>km 1</title>" in svg
