"""Instructions per request, counted by valgrind's callgrind: a repeatable cost measure.

`make bench` reports requests per second, which on this shared 2-core VM moves by ±25 % from one
run to the next, so a change worth 5 % cannot be seen in it. Callgrind counts the CPU
instructions the server process executes instead; the count repeats to about 0.1 % whatever else
the machine is doing. It covers the Python side only (the app, Django, DRF, psycopg, redis-py),
not PostgreSQL's or Redis's own work, so a query saved shows here only by its client-side cost.

Each path is served in-process through Django's WSGI handler with the production settings (the
whole middleware stack, the request log, the throttle), warmed up, then run twice under
callgrind, for 10 and for 50 requests; the difference over 40 requests cancels start-up and
warm-up. Paths answering anything but 200 stop the run. Counts include Python's cyclic garbage
collector, which runs every few hundred allocations; two runs of the 50-run list gave 27.20 M and
27.32 M, so differences under about 1 % are not to be trusted.

Usage (after `make bench` has loaded the data): `.venv/bin/python bench/instructions.py PATH…`;
``--floor`` serves the bench's floor views too (bench/floor_urls.py). Needs Debian's valgrind.
A PATH of ``"POST /api/v1/runs"`` posts the bench's "create run" body (``bench.run.RUN_BODY``) as
the bench's writer, whose runs bench/load_data.py drops before each `make bench`; one of
``"304 /api/v1/runs?limit=50"`` sends the ETag a first GET answered in ``If-None-Match``.

``--gc`` measures instead, without valgrind, what a request leaves to Python's cyclic garbage
collector: the objects it frees per request (a count that repeats exactly) and its pauses in ms
per request (a time, so noisy). Tracing those objects is memory-bound work that instruction
counts understate.
"""

from __future__ import annotations

import gc
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHORT_RUN, LONG_RUN, WARM_UP = 10, 50, 50
GC_RUN = 500


def serve(path: str, count: int, token: str, gc_report: bool = False) -> None:
    """Child process: answer ``path`` ``count`` times after a warm-up, in-process."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from bench.run import RUN_BODY

    app = WSGIHandler()
    # "POST /api/v1/runs" posts the bench's "create run" body (bench.run.RUN_BODY) each time.
    # "304 /api/v1/runs?limit=50" sends a GET with the ETag a first GET answered, in
    # If-None-Match, each time (the bench's 304 row).
    method, _, target = path.rpartition(" ")
    method = method or "GET"
    conditional = method == "304"
    method = "GET" if conditional else method
    body = RUN_BODY.encode() if method == "POST" else b""
    route, _, query = target.partition("?")
    statuses = []
    tags: list[str] = []
    pauses_s: list[float] = []
    pause_started = [0.0]

    def start_response(status: str, headers: list) -> None:
        statuses.append(status)
        tags.extend(value for name, value in headers if name == "ETag")

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            pause_started[0] = time.perf_counter()
        else:
            pauses_s.append(time.perf_counter() - pause_started[0])

    for number in range(WARM_UP + count):
        if conditional and number == 1:
            statuses.clear()  # the first GET answered 200 with the tag the others send
        if gc_report and number == WARM_UP:
            gc.collect()
            freed_before = sum(generation["collected"] for generation in gc.get_stats())
            gc.callbacks.append(on_gc)
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": route,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Token {token}",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
        }
        if conditional and tags:
            environ["HTTP_IF_NONE_MATCH"] = tags[0]
        b"".join(app(environ, start_response))
    expected = ("304",) if conditional else ("200", "201")
    if any(not status.startswith(expected) for status in statuses):
        raise SystemExit(f"{path} answered {sorted(set(statuses))}, not {' or '.join(expected)}")
    if gc_report:
        gc.callbacks.remove(on_gc)
        gc.collect()  # what the last requests left behind counts too
        freed = sum(generation["collected"] for generation in gc.get_stats()) - freed_before
        print(
            f"{freed / count:8.1f} objects freed by the cyclic collector per request, "
            f"{1000 * sum(pauses_s) / count:.3f} ms of its pauses per request  {path}"
        )


def instructions(path: str, count: int, env: dict[str, str]) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={scratch}/callgrind.out",
                sys.executable,
                __file__,
                "--child",
                path,
                str(count),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
    collected = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or collected is None:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"callgrind run of {path} failed")
    return int(collected.group(1))


def main(args: list[str]) -> None:
    gc_report = "--gc" in args
    if not gc_report and shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: install Debian's package (apt-get install valgrind)")
    floor = "--floor" in args
    paths = [arg for arg in args if arg not in ("--floor", "--gc")] or ["/api/v1/runs?limit=50"]
    from bench.run import DEFAULT_DB, FLOOR_SETTINGS, server_env

    env = server_env(os.environ.get("DATABASE_URL") or DEFAULT_DB)
    if floor:
        env["DJANGO_SETTINGS_MODULE"] = FLOOR_SETTINGS
    env["PYTHONPATH"] = str(ROOT)
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    from bench.load_data import WRITER_USERNAME

    # Writes go to the bench's writer, whose runs bench/load_data.py drops before each bench.
    writer = any(path.startswith("POST ") for path in paths)
    username = WRITER_USERNAME if writer else "bench"
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise SystemExit("no bench data: run `make bench` first")
    token_row, token = AuthToken.objects.create(user)
    try:
        env["BENCH_TOKEN"] = token
        for path in paths:
            if gc_report:
                command = [sys.executable, __file__, "--child-gc", path, str(GC_RUN)]
                done = subprocess.run(command, env=env, capture_output=True, text=True)
                if done.returncode != 0:
                    sys.stderr.write(done.stderr[-4000:])
                    raise SystemExit(f"in-process run of {path} failed")
                print(done.stdout.strip(), flush=True)
                continue
            short = instructions(path, SHORT_RUN, env)
            long = instructions(path, LONG_RUN, env)
            per_request = (long - short) / (LONG_RUN - SHORT_RUN)
            print(f"{per_request / 1e6:8.2f} M instructions per request  {path}", flush=True)
    finally:
        token_row.delete()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        serve(sys.argv[2], int(sys.argv[3]), os.environ["BENCH_TOKEN"])
    elif sys.argv[1:2] == ["--child-gc"]:
        serve(sys.argv[2], int(sys.argv[3]), os.environ["BENCH_TOKEN"], gc_report=True)
    else:
        main(sys.argv[1:])
