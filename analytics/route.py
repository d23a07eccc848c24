"""Pure geometry of a run's route map: the stored positions projected onto a drawing box, thinned
to what a screen can show, and the points where each whole km (or mile) of the splits falls.

No Django: ``dashboard/charts.py`` turns a ``RouteMap`` into SVG. The projection is
equirectangular with the east-west axis scaled by the cosine of the route's middle latitude, so
over the few kilometres of a run a metre north and a metre east are drawn the same length (the
error across a 20 km wide route is far below a pixel). Tracks that cross the antimeridian are
unwrapped so they are not drawn across the whole world.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analytics.science import interpolate

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius

Position = tuple[float, float]  # (latitude, longitude) in degrees
XY = tuple[float, float]  # drawing units, y growing downwards (north is up)


@dataclass(frozen=True)
class RouteMarker:
    """The point where split ``number`` ends (1 = the end of the first km or mile)."""

    number: int
    distance_m: float
    x: float
    y: float


@dataclass(frozen=True)
class RouteMap:
    """What the route map draws, in drawing units of a ``width`` x ``height`` box."""

    width: float
    height: float
    points: tuple[XY, ...]  # the line, start to finish
    start: XY
    finish: XY
    markers: tuple[RouteMarker, ...]
    span_east_m: float  # the route's extent, for the text alternative
    span_north_m: float


@dataclass(frozen=True)
class Projection:
    """Degrees to drawing units; build it with ``fit_projection``."""

    lat0_deg: float
    lon0_deg: float
    cos_lat: float
    scale: float  # drawing units per metre
    offset_x: float
    offset_y: float

    def local_m(self, lat: float, lon: float) -> XY:
        """(east, north) metres from the reference point."""
        east = math.radians(_unwrap(lon, self.lon0_deg) - self.lon0_deg) * self.cos_lat
        north = math.radians(lat - self.lat0_deg)
        return east * EARTH_RADIUS_M, north * EARTH_RADIUS_M

    def __call__(self, lat: float, lon: float) -> XY:
        east, north = self.local_m(lat, lon)
        return self.offset_x + east * self.scale, self.offset_y - north * self.scale


def _unwrap(lon: float, reference: float) -> float:
    """``lon`` moved by whole turns to within 180° of ``reference``."""
    while lon - reference > 180:
        lon -= 360
    while lon - reference < -180:
        lon += 360
    return lon


def _valid(lat: Any, lon: Any) -> bool:
    return (
        isinstance(lat, int | float)
        and isinstance(lon, int | float)
        and -90 <= lat <= 90
        and -180 <= lon <= 180
    )


def track_positions(samples: dict[str, Any]) -> list[Position]:
    """The track's (latitude, longitude) pairs in order, skipping samples without a position."""
    lats = samples.get("lat") or []
    lons = samples.get("lon") or []
    return [
        (float(lat), float(lon)) for lat, lon in zip(lats, lons, strict=False) if _valid(lat, lon)
    ]


def fit_projection(
    positions: Sequence[Position], *, width: float, height: float, padding: float
) -> Projection:
    """The projection that fits ``positions`` inside the box with ``padding`` on every side,
    centred, keeping a metre the same length both ways. A single point lands in the middle."""
    lat0 = (min(p[0] for p in positions) + max(p[0] for p in positions)) / 2
    lon_ref = positions[0][1]
    lons = [_unwrap(p[1], lon_ref) for p in positions]
    lon0 = (min(lons) + max(lons)) / 2
    draft = Projection(lat0, lon0, math.cos(math.radians(lat0)), 1.0, 0.0, 0.0)
    local = [draft.local_m(lat, lon) for lat, lon in positions]
    min_e, max_e = min(e for e, _ in local), max(e for e, _ in local)
    min_n, max_n = min(n for _, n in local), max(n for _, n in local)
    span_e, span_n = max_e - min_e, max_n - min_n
    room_w, room_h = width - 2 * padding, height - 2 * padding
    # A route running exactly north-south (or east-west) has no extent on the other axis.
    scales = [room / span for room, span in ((room_w, span_e), (room_h, span_n)) if span > 0]
    scale = min(scales) if scales else 1.0
    return Projection(
        lat0_deg=lat0,
        lon0_deg=lon0,
        cos_lat=draft.cos_lat,
        scale=scale,
        offset_x=width / 2 - (min_e + max_e) / 2 * scale,
        offset_y=height / 2 + (min_n + max_n) / 2 * scale,
    )


def thin(points: Sequence[XY], *, min_step: float) -> list[XY]:
    """``points`` without those closer than ``min_step`` to the last one kept; the first and
    last are always kept, so the line still starts and ends where the run did."""
    if len(points) <= 2:
        return list(points)
    kept = [points[0]]
    for x, y in points[1:-1]:
        last_x, last_y = kept[-1]
        if math.hypot(x - last_x, y - last_y) >= min_step:
            kept.append((x, y))
    kept.append(points[-1])
    return kept


def split_positions(
    samples: dict[str, Any], *, split_m: float
) -> list[tuple[int, float, Position]]:
    """(split number, distance, position) at every whole ``split_m`` before the finish, the
    position interpolated along the cumulative distance between the samples either side (the
    same boundaries as ``analytics.science.track_splits``)."""
    dists: list[float] = []
    lats: list[float] = []
    lons: list[float] = []
    raw = zip(
        samples.get("dist_m") or [],
        samples.get("lat") or [],
        samples.get("lon") or [],
        strict=False,
    )
    for d, lat, lon in raw:
        if not isinstance(d, int | float) or not _valid(lat, lon) or (dists and d < dists[-1]):
            continue
        dists.append(float(d))
        lats.append(float(lat))
        lons.append(_unwrap(float(lon), lons[0]) if lons else float(lon))
    if len(dists) < 2 or split_m <= 0:
        return []
    found = []
    number = 1
    while number * split_m < dists[-1]:
        at = number * split_m
        found.append((number, at, (interpolate(dists, lats, at), interpolate(dists, lons, at))))
        number += 1
    return found


def route_map(
    samples: dict[str, Any],
    *,
    split_m: float,
    width: float = 480,
    min_height: float = 200,
    max_height: float = 420,
    padding: float = 18,
    min_step: float = 1.0,
) -> RouteMap | None:
    """The route of a track's positions in a box ``width`` wide and as tall as the route's shape
    needs (between ``min_height`` and ``max_height``), with a marker at each whole ``split_m``;
    ``None`` when the track has fewer than two positions or they never move."""
    positions = track_positions(samples)
    if len(positions) < 2:
        return None
    draft = fit_projection(positions, width=1, height=1, padding=0)
    local = [draft.local_m(lat, lon) for lat, lon in positions]
    span_e = max(e for e, _ in local) - min(e for e, _ in local)
    span_n = max(n for _, n in local) - min(n for _, n in local)
    if span_e == 0 and span_n == 0:
        return None
    inner_w = width - 2 * padding
    wanted = inner_w * span_n / span_e + 2 * padding if span_e > 0 else max_height
    height = min(max(wanted, min_height), max_height)
    project = fit_projection(positions, width=width, height=height, padding=padding)
    points = thin([project(lat, lon) for lat, lon in positions], min_step=min_step)
    markers = tuple(
        RouteMarker(number, distance_m, *project(lat, lon))
        for number, distance_m, (lat, lon) in split_positions(samples, split_m=split_m)
    )
    return RouteMap(
        width=width,
        height=height,
        points=tuple(points),
        start=points[0],
        finish=points[-1],
        markers=markers,
        span_east_m=span_e,
        span_north_m=span_n,
    )
