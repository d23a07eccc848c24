"""The route map's geometry (analytics/route.py): projection, fit, thinning and split markers.

Hand-worked values: one degree of arc on the IUGG mean sphere (R = 6,371,008.8 m) is
R*π/180 = 111,195.08 m, so 100 m along the equator is 100 / 111,195.08 = 0.00089932°.
"""

from __future__ import annotations

import math

import pytest

from analytics import route

METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180  # 111,195.08 m


def _equator_track(distances_m):
    """Samples due east along the equator, one per distance, at 4:00 /km."""
    return {
        "t_s": [d * 0.24 for d in distances_m],
        "dist_m": list(distances_m),
        "lat": [0.0] * len(distances_m),
        "lon": [d / METRES_PER_DEGREE for d in distances_m],
    }


def test_a_square_of_degrees_at_the_equator_is_drawn_square_and_north_up():
    positions = [(0.0, 0.0), (0.0, 0.01), (0.01, 0.01)]
    project = route.fit_projection(positions, width=100, height=100, padding=0)
    # cos(0.005°) differs from 1 by 4e-9, so the square fills the box both ways.
    assert project(0.0, 0.0) == pytest.approx((0.0, 100.0), abs=1e-3)
    assert project(0.0, 0.01) == pytest.approx((100.0, 100.0), abs=1e-3)
    assert project(0.01, 0.01) == pytest.approx((100.0, 0.0), abs=1e-3)  # north is up


def test_longitude_is_scaled_by_the_cosine_of_latitude():
    # At 60° N a degree of longitude is half as long as one of latitude: 0.02° east by 0.01°
    # north is (almost) a square. The middle latitude is 60.005°, cos = 0.5 - sin60*0.005*π/180
    # = 0.5 - 0.0000756 = 0.4999244, so east/north = 2 x 0.4999244 = 0.99985 (2.0 unscaled).
    positions = [(60.0, 0.0), (60.0, 0.02), (60.01, 0.02)]
    project = route.fit_projection(positions, width=100, height=100, padding=0)
    (x0, y0), (x1, _), (_, y2) = (project(lat, lon) for lat, lon in positions)
    assert (x1 - x0) / (y0 - y2) == pytest.approx(0.99985, abs=1e-5)
    # The taller side fills the box; the narrower one is centred.
    assert y0 - y2 == pytest.approx(100.0)
    assert (x0 + x1) / 2 == pytest.approx(50.0)


def test_padding_keeps_the_route_off_the_edges():
    project = route.fit_projection([(0.0, 0.0), (0.0, 0.01)], width=200, height=100, padding=10)
    # East-west only: 180 units for the width, drawn on the middle line.
    assert project(0.0, 0.0) == pytest.approx((10.0, 50.0), abs=1e-6)
    assert project(0.0, 0.01) == pytest.approx((190.0, 50.0), abs=1e-6)


def test_a_run_across_the_antimeridian_is_not_drawn_around_the_world():
    samples = {"lat": [10.0, 10.0], "lon": [179.999, -179.999], "dist_m": [0, 219]}
    shape = route.route_map(samples, split_m=1000)
    # 0.002° of longitude at 10° N: 0.002 x 111,195 x cos 10° = 219.0 m, not 40,000 km.
    assert shape.span_east_m == pytest.approx(219.0, abs=0.5)


def test_markers_fall_at_each_whole_km_interpolated_between_samples():
    # Samples at 0, 700, 1300 and 2500 m: no sample at 1 km or 2 km, so the markers must come
    # from interpolation along the distance. Drawing box 480 wide with 18 of padding: the
    # 2,500 m of the route span 444 units, so km 1 is at 18 + 444*1000/2500 = 195.6 and km 2 at
    # 18 + 444*2000/2500 = 373.2; a route with no north-south extent is drawn 200 high (the
    # minimum), on the middle line y = 100.
    shape = route.route_map(_equator_track([0, 700, 1300, 2500]), split_m=1000)
    assert [m.number for m in shape.markers] == [1, 2]
    assert [m.distance_m for m in shape.markers] == [1000, 2000]
    assert [round(m.x, 1) for m in shape.markers] == [195.6, 373.2]
    assert all(m.y == pytest.approx(100.0) for m in shape.markers)
    assert (shape.width, shape.height) == (480, 200)
    assert shape.start == pytest.approx((18.0, 100.0))
    assert shape.finish == pytest.approx((462.0, 100.0))


def test_no_marker_on_the_finish_and_markers_per_mile():
    exact = route.route_map(_equator_track(range(0, 3001, 100)), split_m=1000)
    assert [m.number for m in exact.markers] == [1, 2]  # the 3 km point is the finish
    miles = route.route_map(_equator_track(range(0, 2501, 100)), split_m=1609.344)
    assert [m.distance_m for m in miles.markers] == [1609.344]
    # 18 + 444 x 1609.344 / 2500 = 303.8
    assert miles.markers[0].x == pytest.approx(303.8, abs=0.05)


def test_samples_without_a_position_are_skipped():
    samples = _equator_track([0, 500, 1000, 1500])
    samples["lat"][1] = None
    samples["lon"][2] = None
    positions = route.track_positions(samples)
    assert len(positions) == 2
    shape = route.route_map(samples, split_m=1000)
    # The marker at 1 km is interpolated between the samples at 0 m and 1,500 m.
    assert [round(m.x, 1) for m in shape.markers] == [18 + 296.0]  # 444 x 1000/1500


@pytest.mark.parametrize(
    "samples",
    [
        {},
        {"lat": [None, None], "lon": [None, None], "dist_m": [0, 10]},
        {"lat": [51.5], "lon": [-0.1], "dist_m": [0]},
        {"lat": [51.5, 51.5], "lon": [-0.1, -0.1], "dist_m": [0, 0]},  # never moved
        {"lat": [95.0, 96.0], "lon": [0.0, 0.0]},  # not a latitude
    ],
)
def test_no_map_without_two_distinct_positions(samples):
    assert route.route_map(samples, split_m=1000) is None


def test_a_tall_route_is_drawn_taller_up_to_the_maximum():
    north = {"lat": [0.0, 0.05], "lon": [0.0, 0.0], "dist_m": [0, 5560]}
    assert route.route_map(north, split_m=1000).height == 420
    # 2 km east by 1 km north: 444 x 1/2 + 36 = 258 units high.
    d = 1000 / METRES_PER_DEGREE
    wide = {"lat": [0.0, 0.0, d], "lon": [0.0, 2 * d, 2 * d]}
    assert route.route_map(wide, split_m=1000).height == pytest.approx(258.0, abs=0.01)


def test_thinning_drops_points_closer_than_the_step_but_keeps_both_ends():
    points = [(0.0, 0.0), (0.3, 0.0), (0.6, 0.0), (1.2, 0.0), (1.3, 0.0)]
    assert route.thin(points, min_step=1.0) == [(0.0, 0.0), (1.2, 0.0), (1.3, 0.0)]
    assert route.thin(points[:2], min_step=1.0) == points[:2]


def test_a_dense_track_is_thinned_to_what_the_box_can_show():
    # 10,001 samples a metre apart over 10 km drawn 444 units long: 0.0444 units apart, so a
    # point is kept every 23 samples (1.02 units ≥ 1): indices 0, 23, …, 9,982 (435 points) plus
    # the finish = 436, not 10,001.
    shape = route.route_map(_equator_track(range(10_001)), split_m=1000)
    assert len(shape.points) == 436
    assert len(shape.markers) == 9
