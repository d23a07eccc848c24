"""XML parsing that an uploaded file cannot turn against the server.

GPX and TCX never need a document type declaration, so any DTD is refused outright: that stops
entity-expansion bombs ("billion laughs") and external entities (``file://``, network) before a
single entity is expanded. The parser itself is hardened as well (no entity resolution, no
network, no DTD loading, libxml2's default size limits kept by ``huge_tree=False``), so a DTD
that slipped past would still expand nothing.
"""

from __future__ import annotations

from io import BytesIO

from lxml import etree

from training.importers.base import ActivityFileError


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def local_name(tag: object) -> str:
    """The element name without its namespace (``{ns}gpx`` → ``gpx``)."""
    # String slicing, not etree.QName: this runs for every element of a large track.
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace_of(element: etree._Element) -> str:
    """The ``{uri}`` prefix of ``element``'s tag ("" when it has none), for exact-name lookups,
    which lxml answers much faster than ``{*}`` wildcards."""
    tag = element.tag
    return tag[: tag.index("}") + 1] if isinstance(tag, str) and tag.startswith("{") else ""


def root_name(content: bytes) -> str:
    """The local name of the document's root element, reading only as far as its start tag."""
    try:
        for _event, element in etree.iterparse(
            BytesIO(content),
            events=("start",),
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
        ):
            _refuse_dtd(element, kind="XML")
            return local_name(element.tag)
    except etree.XMLSyntaxError as exc:
        raise ActivityFileError(f"The file is not well-formed XML: {exc.msg}.") from exc
    raise ActivityFileError("The XML file has no root element.")


def parse_xml(content: bytes, *, kind: str) -> etree._Element:
    """Parse ``content`` as a whole document with the hardened parser; refuse any DTD."""
    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as exc:
        if "entity" in str(exc.msg).lower():
            raise ActivityFileError(
                f"The {kind} file uses XML entities, which are refused (possible entity bomb): "
                f"{exc.msg}."
            ) from exc
        raise ActivityFileError(
            f"The {kind} file is not well-formed XML (it may be truncated): {exc.msg}."
        ) from exc
    if root is None:
        raise ActivityFileError(f"The {kind} file is empty.")
    _refuse_dtd(root, kind=kind)
    return root


def _refuse_dtd(element: etree._Element, *, kind: str) -> None:
    docinfo = element.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise ActivityFileError(
            f"The {kind} file declares a DTD (document type); activity files never need one, and "
            "DTD entities are refused because they can expand without bound (an entity bomb) or "
            "read other files."
        )


def parse_number(text: str | None) -> float | None:
    """An XML text node as a float; ``None`` when it is missing, not a number, or NaN (NaN is
    not a measurement)."""
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value else None
