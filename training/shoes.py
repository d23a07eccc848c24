"""Shoe wear (docs/API.md, Shoes): how far a pair has left and when to warn. Pure: no Django.

An equipment rule rather than training science, so it lives with the domain (the API and the
dashboard both read it, and ``training`` may not import ``analytics``). Running shoes are usually
retired at 500-800 km (300-500 miles). A shoe is "near retirement" once it has run 90 % of its
retirement distance or has 50 km or less left, whichever comes first: 50 km is a week or two of
training, time to buy the next pair before the old one is done.
"""

from __future__ import annotations

from typing import Final, Literal

NEAR_FRACTION: Final = 0.9
NEAR_REMAINING_M: Final = 50_000.0

Wear = Literal["ok", "near_retirement", "past_retirement"]
WEAR_CHOICES: Final[tuple[Wear, ...]] = ("ok", "near_retirement", "past_retirement")


def remaining_m(distance_m: float, retirement_distance_m: float) -> float:
    """Metres a shoe has left before its retirement distance; 0 once it is reached."""
    return max(retirement_distance_m - distance_m, 0.0)


def wear(distance_m: float, retirement_distance_m: float) -> Wear:
    """``past_retirement`` at or beyond the retirement distance; ``near_retirement`` from 90 %
    of it or within 50 km of it (whichever is reached first); ``ok`` before."""
    if distance_m >= retirement_distance_m:
        return "past_retirement"
    if (
        distance_m >= NEAR_FRACTION * retirement_distance_m
        or retirement_distance_m - distance_m <= NEAR_REMAINING_M
    ):
        return "near_retirement"
    return "ok"
