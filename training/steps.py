"""Structured workout steps (docs/API.md, Structured workout steps): validation and derived totals.

Pure functions with no ORM import so the model, the API and the admin share one definition.
A step is ``{"kind", "repeat", "distance_m" | "duration_s", "target_pace_min_s_per_km"?,
"target_pace_max_s_per_km"?, "pace_zone"?}``: a step may name one of Daniels' zones instead of
typed paces, resolved to each runner's own paces when shown (``resolve_pace_zones``). A repeat
block is ``{"kind": "repeat", "repeat": N, "steps":
[step, ...]}``: its steps in turn, N times (5 x [1 km at 4:00 + 2 min jog]), which a flat list of
steps each with its own ``repeat`` cannot say. Blocks hold plain steps, never other blocks.

The keys a step may carry are ``STEP_KEYS``; a new optional key is added there and copied
through by ``_validate_step``'s last lines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

STEP_KINDS = ("warmup", "work", "recovery", "cooldown")
BLOCK_KIND = "repeat"
BLOCK_KEYS = {"kind", "repeat", "steps"}
MAX_STEPS = 100  # steps in all, those inside blocks included
MAX_REPEAT = 50
STEP_KEYS = {
    "kind",
    "repeat",
    "distance_m",
    "duration_s",
    "target_pace_min_s_per_km",
    "target_pace_max_s_per_km",
    "pace_zone",
}
# Daniels' training zones, easiest first: the names of analytics.science.PACE_ZONES (a test keeps
# the two equal; this pure module cannot import its sibling).
PACE_ZONE_NAMES = ("easy", "marathon", "threshold", "interval", "repetition")


class StepsError(ValueError):
    """Raised with a message naming the offending step (1-based) and field."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def validate_steps(steps: Any) -> list[dict[str, Any]]:
    """Check ``steps`` and return a normalised copy (``repeat`` defaulted to 1, in blocks too).

    Raises ``StepsError`` naming the first problem found ("Step 2", or "Step 2.1" for the first
    step of the block that is step 2).
    """
    if steps is None:
        return []
    if not isinstance(steps, list):
        raise StepsError("steps must be a list of step objects.")
    normalised: list[dict[str, Any]] = []
    count = 0
    for index, step in enumerate(steps, start=1):
        where = f"Step {index}"
        if isinstance(step, dict) and step.get("kind") == BLOCK_KIND:
            block = _validate_block(step, where)
            count += len(block["steps"])
            normalised.append(block)
        else:
            count += 1
            normalised.append(_validate_step(step, where))
        if count > MAX_STEPS:
            raise StepsError(f"A workout has at most {MAX_STEPS} steps.")
    return normalised


def _validate_repeat(step: dict[str, Any], where: str) -> int:
    repeat = step.get("repeat", 1)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or not 1 <= repeat <= MAX_REPEAT:
        raise StepsError(f"{where}: repeat must be a whole number from 1 to {MAX_REPEAT}.")
    return repeat


def _validate_block(block: dict[str, Any], where: str) -> dict[str, Any]:
    unknown = set(block) - BLOCK_KEYS
    if unknown:
        raise StepsError(f"{where} has unknown field(s): {', '.join(sorted(unknown))}.")
    repeat = _validate_repeat(block, where)
    inner = block.get("steps")
    if not isinstance(inner, list) or not inner:
        raise StepsError(f"{where}: a repeat block needs a non-empty list of steps.")
    clean_steps = []
    for index, step in enumerate(inner, start=1):
        inner_where = f"Step {where.removeprefix('Step ')}.{index}"
        if isinstance(step, dict) and step.get("kind") == BLOCK_KIND:
            raise StepsError(f"{inner_where}: repeat blocks cannot be nested.")
        clean_steps.append(_validate_step(step, inner_where))
    return {"kind": BLOCK_KIND, "repeat": repeat, "steps": clean_steps}


def _validate_step(step: Any, where: str) -> dict[str, Any]:
    if not isinstance(step, dict):
        raise StepsError(f"{where} must be an object.")
    unknown = set(step) - STEP_KEYS
    if unknown:
        raise StepsError(f"{where} has unknown field(s): {', '.join(sorted(unknown))}.")
    kind = step.get("kind")
    if kind not in STEP_KINDS:
        raise StepsError(
            f"{where}: kind must be one of {', '.join(STEP_KINDS)} (or {BLOCK_KIND} for a block)."
        )
    repeat = _validate_repeat(step, where)
    distance_m = step.get("distance_m")
    duration_s = step.get("duration_s")
    if (distance_m is None) == (duration_s is None):
        raise StepsError(f"{where}: give exactly one of distance_m or duration_s.")
    if distance_m is not None and (not _is_number(distance_m) or not 0 < distance_m <= 500_000):
        raise StepsError(f"{where}: distance_m must be a number above 0 and at most 500000.")
    if duration_s is not None and (not _is_number(duration_s) or not 0 < duration_s <= 86_400):
        raise StepsError(f"{where}: duration_s must be a number above 0 and at most 86400.")
    pace_min = step.get("target_pace_min_s_per_km")
    pace_max = step.get("target_pace_max_s_per_km")
    if (pace_min is None) != (pace_max is None):
        raise StepsError(f"{where}: give both target pace bounds or neither.")
    if pace_min is not None:
        if not (_is_number(pace_min) and _is_number(pace_max)) or pace_min <= 0:
            raise StepsError(f"{where}: target paces must be positive numbers.")
        if pace_min > pace_max:
            raise StepsError(
                f"{where}: target_pace_min_s_per_km must not exceed target_pace_max_s_per_km."
            )
    pace_zone = step.get("pace_zone")
    if pace_zone is not None:
        if pace_zone not in PACE_ZONE_NAMES:
            raise StepsError(f"{where}: pace_zone must be one of {', '.join(PACE_ZONE_NAMES)}.")
        if pace_min is not None:
            raise StepsError(f"{where}: give a pace_zone or target paces, not both.")
    clean: dict[str, Any] = {"kind": kind, "repeat": repeat}
    if distance_m is not None:
        clean["distance_m"] = distance_m
    if duration_s is not None:
        clean["duration_s"] = duration_s
    if pace_min is not None:
        clean["target_pace_min_s_per_km"] = pace_min
        clean["target_pace_max_s_per_km"] = pace_max
    if pace_zone is not None:
        clean["pace_zone"] = pace_zone
    return clean


def flat_steps(steps: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validated ``steps`` with each block unrolled into its steps, ``repeat`` multiplied by
    the block's: what the session adds up to (a block's order is lost, its totals are not)."""
    flat: list[dict[str, Any]] = []
    for step in steps:
        if step.get("kind") == BLOCK_KIND:
            times = step.get("repeat", 1)
            flat.extend(
                {**inner, "repeat": inner.get("repeat", 1) * times} for inner in step["steps"]
            )
        else:
            flat.append(step)
    return flat


def steps_totals(steps: Sequence[dict[str, Any]]) -> tuple[float | None, int | None]:
    """Return ``(distance_m, duration_s)`` planned by validated steps.

    A distance step with a target pace also implies its duration (at the middle of the pace
    range), and a timed step with a pace its distance. A total is given only when every step
    contributes to it: a partial sum (say, the intervals' metres without the timed warm-up) would
    understate the session, so it is ``None`` instead.
    """
    if not steps:
        return None, None
    steps = flat_steps(steps)
    distance_m: float | None = 0.0
    duration_s: float | None = 0.0
    for step in steps:
        repeat = step.get("repeat", 1)
        pace = None
        if step.get("target_pace_min_s_per_km") is not None:
            pace = (step["target_pace_min_s_per_km"] + step["target_pace_max_s_per_km"]) / 2
        step_distance = step.get("distance_m")
        step_duration = step.get("duration_s")
        if step_distance is None and step_duration is not None and pace is not None:
            step_distance = step_duration / pace * 1000
        if step_duration is None and step_distance is not None and pace is not None:
            step_duration = step_distance / 1000 * pace
        distance_m = (
            None
            if distance_m is None or step_distance is None
            else (distance_m + step_distance * repeat)
        )
        duration_s = (
            None
            if duration_s is None or step_duration is None
            else (duration_s + step_duration * repeat)
        )
    # Extreme (valid) paces can make a derived total overflow to infinity: no total then.
    if distance_m is not None and not math.isfinite(distance_m):
        distance_m = None
    if duration_s is not None and not math.isfinite(duration_s):
        duration_s = None
    return (
        round(distance_m, 1) if distance_m is not None else None,
        round(duration_s) if duration_s is not None else None,
    )


def resolve_pace_zones(
    steps: Sequence[dict[str, Any]], zone_ranges: Mapping[str, tuple[float, float]]
) -> list[dict[str, Any]]:
    """Copies of validated ``steps`` in which each ``pace_zone`` the runner has paces for
    (``zone_ranges``: zone → (fastest, slowest) s/km) also carries them as target paces, so one
    template fits every athlete. A zone without paces stays a bare zone."""
    resolved = []
    for step in steps:
        step = dict(step)
        if step.get("kind") == BLOCK_KIND:
            step["steps"] = resolve_pace_zones(step.get("steps", []), zone_ranges)
            resolved.append(step)
            continue
        zone = step.get("pace_zone")
        if isinstance(zone, str) and zone in zone_ranges:
            fast, slow = zone_ranges[zone]
            step["target_pace_min_s_per_km"], step["target_pace_max_s_per_km"] = fast, slow
        resolved.append(step)
    return resolved
