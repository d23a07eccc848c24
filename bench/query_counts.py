"""Count the SQL queries one request to each benchmarked endpoint makes (in-process, with the
same settings and database as the benchmark). Prints one JSON line: {endpoint: count}."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django

django.setup()

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def main() -> None:
    ids = json.loads(os.environ["BENCH_IDS"])
    endpoints = json.loads(os.environ["BENCH_ENDPOINTS"])
    client = Client(SERVER_NAME="127.0.0.1")
    counts = {}
    for name, method, path, body, *conditional in endpoints:
        token = ids["writer_token"] if method == "POST" else ids["token"]
        headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
        # The first request of a process pays one-off costs (content types, pool warm-up).
        first = client.generic(method, path, body or "", content_type="application/json", **headers)
        if conditional and conditional[0]:  # If-None-Match with the current ETag (a 304)
            headers["HTTP_IF_NONE_MATCH"] = first["ETag"]
        with CaptureQueriesContext(connection) as queries:
            response = client.generic(
                method, path, body or "", content_type="application/json", **headers
            )
        counts[name] = (
            len(queries) if response.status_code < 400 else f"HTTP {response.status_code}"
        )
        if conditional and conditional[0] and response.status_code != 304:
            counts[name] = f"HTTP {response.status_code}, not 304"
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
