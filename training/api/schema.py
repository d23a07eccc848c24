"""OpenAPI tweaks for the API v1 routes."""

from __future__ import annotations

from typing import Any


def paths_without_trailing_slash(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular writes the router's optional slash (``/?``) as ``/``; document the paths as
    SPEC §7 writes them, without it (both forms are served)."""
    result["paths"] = {
        (path.rstrip("/") if path.startswith("/api/v1/") else path): item
        for path, item in result.get("paths", {}).items()
    }
    return result
