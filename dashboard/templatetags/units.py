"""Template filters for distances, paces and durations in the runner's units.

Thin bindings over ``training.formatting``; ``units`` comes from the ``runner_units`` context
variable (``dashboard.context_processors.runner``): ``{{ run.distance_m|distance:units }}``.
"""

from __future__ import annotations

from django import template

from training import formatting

register = template.Library()


@register.filter
def distance(distance_m: float | None, units: str = formatting.DEFAULT_UNITS) -> str:
    return formatting.format_distance(distance_m, units)


@register.filter
def distance_number(distance_m: float | None, units: str = formatting.DEFAULT_UNITS) -> str:
    return formatting.format_distance_number(distance_m, units)


@register.filter
def pace(pace_s_per_km: float | None, units: str = formatting.DEFAULT_UNITS) -> str:
    return formatting.format_pace(pace_s_per_km, units)


@register.simple_tag
def pace_range(fast_s_per_km: float | None, slow_s_per_km: float | None, units: str) -> str:
    return formatting.format_pace_range(fast_s_per_km, slow_s_per_km, units)


@register.filter
def duration(seconds: float | None) -> str:
    return formatting.format_duration(seconds)


@register.filter
def unit_label(units: str) -> str:
    return formatting.unit_label(units)


@register.filter
def metres_change(value_m: float | None) -> str:
    return formatting.format_metres_change(value_m)


@register.filter
def step_rows(
    steps: list[dict[str, object]] | None, units: str = formatting.DEFAULT_UNITS
) -> list[str]:
    """A workout's structured steps, one line each (a repeat block on one line), with paces per
    the runner's unit: ``["warmup 2 km", "5 x [work 1 km at 4:00; recovery 2:00]"]``."""
    return [formatting.format_step(step, units) for step in steps or []]
