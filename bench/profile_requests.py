"""cProfile of in-process requests, the same way bench/instructions.py serves them.

Usage (after `make bench` has loaded the data):
`.venv/bin/python bench/profile_requests.py PATH [COUNT]` (``--floor`` serves the bench's floor
views too). Serves PATH COUNT times (300 by default) after
a warm-up through Django's WSGI handler with the production settings, the bench database and a
fresh token of the ``bench`` runner, and prints the functions by cumulative and by own time.
``"POST /api/v1/runs"`` posts the bench's "create run" body as its writer instead.
Profiler overhead inflates Python-heavy code, so compare shares, and confirm a change with
bench/instructions.py before believing it.
"""

from __future__ import annotations

import cProfile
import io
import logging
import os
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WARM_UP = 30
SHOWN = 60


def main(args: list[str]) -> None:
    floor = "--floor" in args
    positional = [arg for arg in args if arg != "--floor"]
    if not positional:
        raise SystemExit(__doc__)
    path = positional[0]
    count = int(positional[1]) if len(positional) > 1 else 300
    from bench.run import DEFAULT_DB, FLOOR_SETTINGS, server_env

    env = server_env(os.environ.get("DATABASE_URL") or DEFAULT_DB)
    if floor:
        env["DJANGO_SETTINGS_MODULE"] = FLOOR_SETTINGS
    os.environ.update(env)
    import django

    django.setup()
    logging.disable(logging.INFO)  # the request log would drown the report
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    from bench.instructions import serve
    from bench.load_data import WRITER_USERNAME

    # Writes go to the bench's writer, whose runs bench/load_data.py drops before each bench.
    username = WRITER_USERNAME if path.startswith("POST ") else "bench"
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise SystemExit("no bench data: run `make bench` first")
    token_row, token = AuthToken.objects.create(user)
    try:
        serve(path, WARM_UP, token)
        profiler = cProfile.Profile()
        profiler.enable()
        serve(path, count, token)
        profiler.disable()
    finally:
        token_row.delete()
    for order in ("cumulative", "tottime"):
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).sort_stats(order).print_stats(SHOWN)
        print(f"--- {count} requests of {path}, by {order} ---\n{report.getvalue()}")


if __name__ == "__main__":
    main(sys.argv[1:])
