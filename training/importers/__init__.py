"""Activity-file importers: GPX, TCX and FIT recognised by content (docs/API.md, "Importing
activity files").

``parse_activity(content)`` returns an ``ImportedFile``: every run the file records (one per
running leg of a multisport or multisession file) and warnings naming what was skipped; every
refusal is an ``ActivityFileError`` whose message names the problem. The rules shared by all
formats (sport, distance, times, elevation smoothing, time zone) are documented in ``base.py``.
"""

from __future__ import annotations

from training.importers.base import ActivityData, ActivityFileError, ImportedFile, NotARunError
from training.importers.detect import detect_format, xml_body
from training.importers.fit import parse_fit
from training.importers.gpx import parse_gpx
from training.importers.payload import FileTooLarge, read_capped, unpack
from training.importers.tcx import parse_tcx


def parse_activity(content: bytes) -> ImportedFile:
    """Recognise ``content`` (already unpacked) and read the runs it records."""
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
    "ImportedFile",
    "NotARunError",
    "detect_format",
    "parse_activity",
    "read_capped",
    "unpack",
]
