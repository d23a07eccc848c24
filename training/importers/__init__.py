"""Activity-file importers (docs/API.md, Activity files): GPX, TCX and FIT recognised by content.

``parse_activity(content)`` returns an ``ActivityData``; every problem is an
``ActivityFileError`` whose message names it. The rules shared by all formats (distance, moving
time, elevation smoothing, time zone) are documented in ``base.py``.
"""

from __future__ import annotations

from training.importers.base import ActivityData, ActivityFileError
from training.importers.detect import detect_format, xml_body
from training.importers.fit import parse_fit
from training.importers.gpx import parse_gpx
from training.importers.payload import FileTooLarge, read_capped, unpack
from training.importers.tcx import parse_tcx


def parse_activity(content: bytes) -> ActivityData:
    """Recognise ``content`` (already unpacked) and read the run it records."""
    source = detect_format(content)
    if source == "fit":
        return parse_fit(content)
    if source == "tcx":
        return parse_tcx(xml_body(content))
    return parse_gpx(xml_body(content))


__all__ = [
    "ActivityData",
    "ActivityFileError",
    "FileTooLarge",
    "detect_format",
    "parse_activity",
    "read_capped",
    "unpack",
]
