"""Recognise an activity file by its content, never by its name or the client's content type.

- FIT: a binary header of 12 or 14 bytes whose bytes 8-11 are the ASCII signature ``.FIT``.
- GPX / TCX: XML whose root element is ``gpx`` or ``TrainingCenterDatabase``.
"""

from __future__ import annotations

from training.importers.base import ActivityFileError, SourceFormat
from training.importers.safexml import root_name

FIT_SIGNATURE = b".FIT"
FIT_HEADER_SIZES = (12, 14)
XML_ROOTS: dict[str, SourceFormat] = {"gpx": "gpx", "TrainingCenterDatabase": "tcx"}
UTF8_BOM = b"\xef\xbb\xbf"

# Magic numbers of compressed containers, so a compressed upload is named as such rather than
# reported as "unrecognised". (gzip is unpacked earlier, with a size cap; see payload.py.)
ARCHIVE_SIGNATURES = {
    b"PK\x03\x04": "ZIP",
    b"PK\x05\x06": "ZIP",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"7z\xbc\xaf\x27\x1c": "7-Zip",
    b"\x28\xb5\x2f\xfd": "Zstandard",
    b"Rar!": "RAR",
}


def xml_body(content: bytes) -> bytes:
    """``content`` without a UTF-8 byte-order mark and leading blank lines, which some exporters
    write before the XML declaration (where XML itself forbids them)."""
    text = content[len(UTF8_BOM) :] if content.startswith(UTF8_BOM) else content
    return text.lstrip()


def is_fit(content: bytes) -> bool:
    return len(content) >= 12 and content[0] in FIT_HEADER_SIZES and content[8:12] == FIT_SIGNATURE


def detect_format(content: bytes) -> SourceFormat:
    """Return ``"gpx"``, ``"tcx"`` or ``"fit"``; raise ``ActivityFileError`` naming what the
    content is instead."""
    if not content.strip():
        raise ActivityFileError("The file is empty.")
    if is_fit(content):
        return "fit"
    for signature, name in ARCHIVE_SIGNATURES.items():
        if content.startswith(signature):
            raise ActivityFileError(
                f"{name} archives are not accepted; upload the GPX, TCX or FIT file itself "
                "(a .gz-compressed file is fine)."
            )
    text = xml_body(content)
    if text[:1] == b"<":
        root = root_name(text)
        if root in XML_ROOTS:
            return XML_ROOTS[root]
        raise ActivityFileError(
            f"The XML root element is <{root}>, not <gpx> or <TrainingCenterDatabase>; "
            "only GPX, TCX and FIT activity files can be imported."
        )
    raise ActivityFileError(
        "Unrecognised file type: expected a GPX, TCX or FIT activity file "
        "(recognised by content, not by file name)."
    )
