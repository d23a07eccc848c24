"""Reading an uploaded file into memory with hard caps, unpacking gzip without a zip bomb."""

from __future__ import annotations

import zlib
from typing import Protocol

from training.importers.base import ActivityFileError

GZIP_MAGIC = b"\x1f\x8b"
READ_CHUNK_BYTES = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class FileTooLarge(ActivityFileError):
    """The upload itself is over the limit (the API answers 413, not 400)."""


def read_capped(fileobj: Readable, *, max_bytes: int) -> bytes:
    """Read ``fileobj`` to its end, refusing (without reading further) past ``max_bytes``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = fileobj.read(READ_CHUNK_BYTES)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise FileTooLarge(f"The file is larger than the {max_bytes} byte upload limit.")
        chunks.append(chunk)
    return b"".join(chunks)


def gunzip_capped(content: bytes, *, max_bytes: int) -> bytes:
    """Unpack gzip ``content`` (one or more members) to at most ``max_bytes``.

    Inflation runs chunk by chunk with ``max_length``, so a bomb (a few KB that inflate to
    gigabytes) is stopped as soon as its output passes the cap; memory stays bounded by it.
    """
    out: list[bytes] = []
    size = 0
    data = content
    try:
        while data:
            inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
            pending = data
            while pending and not inflater.eof:
                chunk = inflater.decompress(pending, READ_CHUNK_BYTES)
                size += len(chunk)
                if size > max_bytes:
                    raise ActivityFileError(
                        f"The compressed file unpacks to more than {max_bytes} bytes; "
                        "refused as a possible zip bomb."
                    )
                out.append(chunk)
                pending = inflater.unconsumed_tail
            if not inflater.eof:
                # Input used up: what zlib still holds is at most its window (32 KiB).
                tail = inflater.flush()
                size += len(tail)
                if size > max_bytes:
                    raise ActivityFileError(
                        f"The compressed file unpacks to more than {max_bytes} bytes; "
                        "refused as a possible zip bomb."
                    )
                out.append(tail)
            if not inflater.eof:
                raise ActivityFileError("The gzip file is truncated.")
            data = inflater.unused_data.lstrip(b"\x00")
            if data and not data.startswith(GZIP_MAGIC):
                break  # trailing garbage after the last member, as gzip(1) tolerates
    except zlib.error as exc:
        raise ActivityFileError(f"The gzip file is corrupt: {exc}.") from exc
    return b"".join(out)


def unpack(content: bytes, *, max_bytes: int) -> bytes:
    """The activity bytes of an upload: gzip is unpacked (capped), anything else as it is."""
    if content.startswith(GZIP_MAGIC):
        return gunzip_capped(content, max_bytes=max_bytes)
    return content
