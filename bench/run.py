"""`make bench`: the real server under gunicorn on PostgreSQL, driven by wrk from a separate
process, against a no-framework ceiling. Writes bench/results.json and prints a table.

Two floors run beside them (bench/floor_urls.py): the same app and settings answering an empty
page with no work of its own, once anonymous and once with the project's token authentication and
throttle. They show how much of the ceiling the stack itself leaves to any endpoint.

Environment: DATABASE_URL (default the local server, database tracker_bench), BENCH_DURATION_S
(per endpoint, default 10), BENCH_CONNECTIONS (default 16), BENCH_RUNS (default 1,000,000),
BENCH_RUNNERS (default 1,000), BENCH_SMALL_RUNS (the scale check's small data set, 10,000).

Throughput rows use BENCH_CONNECTIONS concurrent connections, so their latencies include queueing
behind the other connections on this 2-core machine. The analytics summary's latency target and
the scale check are therefore measured separately with one connection (``latency`` in
results.json): the time one request takes, at 1,000,000 and at 10,000 runs in all, computed
each time (servers with KEEP_LIST_PAGES off), and once more as the kept answer the main server
gives while nothing the summary shows has changed.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PY = str(VENV_BIN / "python")
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/tracker_bench"
FLOOR_SETTINGS = "bench.floor_settings"
APP_PORT, CEILING_PORT, SMALL_PORT, FLOOR_PORT, HEAVY_PORT = 8765, 8766, 8767, 8768, 8769
# The two kept lists and the two kept plan answers once more, on a server that keeps none of
# them in the cache (KEEP_LIST_PAGES off): what every GET of them cost before sections 34 and 35
# of docs/PERFORMANCE.md, and what the first GET after a write costs still. The bench asks for
# one page or answer again and again, which the main server answers from what it kept.
PAGE_READ_PORT = 8770
PAGE_READ_ROWS = frozenset(
    {
        "list runs (50), page read",
        "list plan workouts, page read",
        "plan progress, computed",
        "plan analytics, computed",
        "analytics summary, computed",
    }
)
PAGE_READ_ENV = {"KEEP_LIST_PAGES": "false"}
# The summary's data-size check (issue 16): one runner with this many runs in a database of its
# own, against the main data set's runner with 5,000.
HEAVY_RUNNER_RUNS = int(os.environ.get("BENCH_HEAVY_RUNNER_RUNS", "50000"))
# Issue 16's targets, as shares of the ceiling (rows not named have none).
SHARE_TARGETS = {
    "floor: token": 0.60,
    "list runs (50)": 0.40,
    "list runs (50), 304": 0.60,
    "retrieve run": 0.35,
    "plan progress": 0.40,
    "list plan workouts": 0.35,
    "create run": 0.25,
    "plan analytics": 0.35,
}
SUMMARY_P50_TARGET_MS = 8.0
HEAVY_RATIO_TARGET = 1.5
DURATION_S = int(os.environ.get("BENCH_DURATION_S", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SCALE_ROUNDS = 4
SCALE_ROUND_S = max(2, DURATION_S // 2)
# Stands for "the ETag the server answers for this path now" in an endpoint's If-None-Match: the
# conditional-GET row measures the 304 a client with an up-to-date copy gets.
CURRENT_ETAG = "<current ETag>"
# What "create run" posts, as the bench's writer (bench/load_data.py drops its runs before each
# run): every run on one day, so a write's cost must not follow the day's number of runs.
RUN_BODY = json.dumps(
    {"started_at": "2026-01-05T07:30:00Z", "distance_m": 8000, "duration_s": 2400, "notes": "bench"}
)


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def run_checked(args: list[str], env: dict[str, str]) -> str:
    """Run a helper script; on failure show its stderr (the traceback) and stop."""
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-8000:])
        raise SystemExit(f"{' '.join(args[1:3])} failed with exit code {done.returncode}")
    return done.stdout


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or "bench-only-" + "k" * 50,
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Throttles stay on (their headers are part of what is measured) but never bite.
        RATE_LIMIT_READ="100000000/minute",
        RATE_LIMIT_WRITE="100000000/minute",
        LOG_DIR=str(Path(tempfile.gettempdir()) / "tracker-bench-logs"),
    )
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    return env


def ensure_database(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    code = (
        "import psycopg,sys\n"
        f"c=psycopg.connect({admin_url!r}, autocommit=True)\n"
        f"if not c.execute('select 1 from pg_database where datname=%s',({name!r},)).fetchone():\n"
        f"    c.execute('create database \"{name}\"')\n"
    )
    subprocess.run([PY, "-c", code], check=True)


def prepare(database_url: str, runs: int, runners: int, main_runs: int) -> dict:
    env = server_env(database_url)
    ensure_database(database_url)
    run_checked([PY, "manage.py", "migrate", "--no-input", "-v0"], env)
    log(f"loading {runs:,} runs for {runners:,} runners into {database_url.rsplit('/', 1)[1]}")
    started = time.monotonic()
    out = run_checked(
        [
            PY,
            "bench/load_data.py",
            "--runs",
            str(runs),
            "--runners",
            str(runners),
            "--main-runner-runs",
            str(main_runs),
        ],
        env,
    )
    log(f"data ready in {time.monotonic() - started:.0f} s")
    return json.loads(out.strip().splitlines()[-1])


def gunicorn(app: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    args = [str(VENV_BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{port}"]
    if (ROOT / "gunicorn.conf.py").exists():
        args += ["--config", str(ROOT / "gunicorn.conf.py")]
    else:
        args += ["--workers", str(os.cpu_count() or 2), "--log-level", "warning"]
    env = {**env, "PORT": str(port)}
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def current_etag(port: int, path: str, headers: dict[str, str]) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.headers["ETag"]


def resolve_etag(port: int, path: str, headers: dict[str, str]) -> dict[str, str]:
    if headers.get("If-None-Match") != CURRENT_ETAG:
        return headers
    plain = {name: value for name, value in headers.items() if name != "If-None-Match"}
    return {**headers, "If-None-Match": current_etag(port, path, plain)}


def wait_until_up(port: int, path: str, headers: dict[str, str], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server on port {port} did not answer {path} in {timeout_s} s")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> dict:
    def latency(label: str) -> float | None:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        return round(float(match.group(1)) * UNIT_MS[match.group(2)], 2) if match else None

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*", output)
    return {
        "requests_per_s": float(rps.group(1)) if rps else 0.0,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(0) if socket_errors else "",
    }


def combine_rounds(rounds: list[dict]) -> dict:
    """One row from several wrk rounds: medians of their p50s, p99s and rates."""

    def median(key: str) -> float | None:
        values = [r[key] for r in rounds if r[key] is not None]
        return round(statistics.median(values), 2) if values else None

    return {
        "requests_per_s": median("requests_per_s"),
        "p50_ms": median("p50_ms"),
        "p99_ms": median("p99_ms"),
        "non_2xx": sum(r["non_2xx"] for r in rounds),
        "rounds_p50_ms": [r["p50_ms"] for r in rounds],
    }


def wrk(
    url: str,
    headers: dict[str, str],
    body: str | None = None,
    connections: int = CONNECTIONS,
    duration_s: int = DURATION_S,
) -> dict:
    threads = min(2, connections)
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--latency"]
    args += ["--timeout", "10s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory() as scratch:
        if body is not None:
            script = Path(scratch) / "post.lua"
            script.write_text(
                f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
            )
            args += ["-s", str(script)]
        output = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    return parse_wrk(output)


def combine_ceiling(rounds: list[dict]) -> dict:
    """The ceiling's rounds as one row: mean throughput, the first round's latencies, and each
    round's throughput kept beside them."""
    return {
        **rounds[0],
        "requests_per_s": round(statistics.fmean(r["requests_per_s"] for r in rounds), 1),
        "rounds_requests_per_s": [r["requests_per_s"] for r in rounds],
    }


def against(result: dict, ceiling: dict) -> dict:
    """A wrk result with its throughput as a ratio to the ceiling's."""
    return {
        **result,
        "ratio_to_ceiling": round(result["requests_per_s"] / ceiling["requests_per_s"], 3),
    }


def measured_rows(results: dict) -> list[tuple[str, dict]]:
    """The table's rows after the ceiling: the floors, then the endpoints."""
    floors = [(f"floor: {name}", row) for name, row in results.get("floors", {}).items()]
    return floors + list(results["endpoints"].items())


def query_counts(
    database_url: str,
    ids: dict,
    endpoints: list[tuple[str, str, str | None]],
    settings_module: str = "tracker.settings",
    extra_env: dict[str, str] | None = None,
):
    env = {**server_env(database_url), "DJANGO_SETTINGS_MODULE": settings_module}
    env.update(extra_env or {})
    env["BENCH_ENDPOINTS"] = json.dumps(endpoints)
    env["BENCH_IDS"] = json.dumps(ids)
    out = run_checked([PY, "bench/query_counts.py"], env)
    return json.loads(out.strip().splitlines()[-1])


def endpoint_port(name: str) -> int:
    """The server a row is measured on: the main one, but for the page-read rows."""
    return PAGE_READ_PORT if name in PAGE_READ_ROWS else APP_PORT


def free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: install Debian's package with `apt-get install -y wrk`")
    for port in (APP_PORT, CEILING_PORT, SMALL_PORT, FLOOR_PORT, HEAVY_PORT, PAGE_READ_PORT):
        if not free(port):
            raise SystemExit(f"port {port} is busy; stop what listens there")
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    small_url = database_url.rsplit("/", 1)[0] + "/" + database_url.rsplit("/", 1)[1] + "_small"
    runs = int(os.environ.get("BENCH_RUNS", "1000000"))
    runners = int(os.environ.get("BENCH_RUNNERS", "1000"))
    small_runs = int(os.environ.get("BENCH_SMALL_RUNS", "10000"))
    started = time.monotonic()
    load_before = os.getloadavg()
    # Production settings serve hashed static files from a manifest (any HTML error page needs it).
    run_checked([PY, "manage.py", "collectstatic", "--no-input", "-v0"], server_env(database_url))
    ids = prepare(database_url, runs, runners, 5_000)
    small_ids = prepare(small_url, small_runs, 10, 5_000)
    heavy_url = database_url + "_heavy_runner"
    heavy_ids = prepare(heavy_url, HEAVY_RUNNER_RUNS + 1_000, 10, HEAVY_RUNNER_RUNS)

    auth = {"Authorization": f"Token {ids['token']}"}
    writer = {"Authorization": f"Token {ids['writer_token']}"}
    endpoints = [
        ("list runs (50)", "GET", "/api/v1/runs?limit=50", None, auth),
        ("list runs (50), page read", "GET", "/api/v1/runs?limit=50", None, auth),
        (
            "list runs (50), 304",
            "GET",
            "/api/v1/runs?limit=50",
            None,
            {**auth, "If-None-Match": CURRENT_ETAG},
        ),
        ("retrieve run", "GET", f"/api/v1/runs/{ids['run_id']}", None, auth),
        ("plan progress", "GET", f"/api/v1/plans/{ids['plan_id']}/progress", None, auth),
        (
            "plan progress, computed",
            "GET",
            f"/api/v1/plans/{ids['plan_id']}/progress",
            None,
            auth,
        ),
        (
            "list plan workouts",
            "GET",
            f"/api/v1/plans/{ids['plan_id']}/workouts?limit=50",
            None,
            auth,
        ),
        (
            "list plan workouts, page read",
            "GET",
            f"/api/v1/plans/{ids['plan_id']}/workouts?limit=50",
            None,
            auth,
        ),
        ("create run", "POST", "/api/v1/runs", RUN_BODY, writer),
        ("analytics summary", "GET", "/api/v1/analytics/summary", None, auth),
        ("analytics summary, computed", "GET", "/api/v1/analytics/summary", None, auth),
        ("plan analytics", "GET", f"/api/v1/analytics/plan/{ids['plan_id']}", None, auth),
        (
            "plan analytics, computed",
            "GET",
            f"/api/v1/analytics/plan/{ids['plan_id']}",
            None,
            auth,
        ),
        ("health", "GET", "/health", None, {}),
    ]

    env = server_env(database_url)
    app = gunicorn("tracker.wsgi:application", APP_PORT, env)
    ceiling = gunicorn(
        "bench.ceiling:app", CEILING_PORT, {**env, "BENCH_RUNNER_ID": str(ids["runner_id"])}
    )
    # The summary's scale checks compare computed answers: the small and heavy data sets' servers
    # keep none, and the main data set's side is read from the page-read server.
    small = gunicorn(
        "tracker.wsgi:application", SMALL_PORT, {**server_env(small_url), **PAGE_READ_ENV}
    )
    page_read = gunicorn("tracker.wsgi:application", PAGE_READ_PORT, {**env, **PAGE_READ_ENV})
    heavy = gunicorn(
        "tracker.wsgi:application", HEAVY_PORT, {**server_env(heavy_url), **PAGE_READ_ENV}
    )
    heavy_auth = {"Authorization": f"Token {heavy_ids['token']}"}
    # The floors: the same app and settings plus two views that do no work (bench/floor_urls.py).
    floor = gunicorn(
        "tracker.wsgi:application", FLOOR_PORT, {**env, "DJANGO_SETTINGS_MODULE": FLOOR_SETTINGS}
    )
    floors = [
        ("anonymous", "/api/v1/floor/anonymous", {}),
        ("token", "/api/v1/floor/token", auth),
    ]
    results: dict = {"endpoints": {}, "floors": {}}
    try:
        wait_until_up(APP_PORT, "/api/v1/runs?limit=1", auth)
        wait_until_up(CEILING_PORT, "/", {})
        wait_until_up(
            SMALL_PORT, "/api/v1/runs?limit=1", {"Authorization": f"Token {small_ids['token']}"}
        )
        wait_until_up(FLOOR_PORT, "/api/v1/floor/token", auth)
        wait_until_up(HEAVY_PORT, "/api/v1/runs?limit=1", heavy_auth)
        wait_until_up(PAGE_READ_PORT, "/api/v1/runs?limit=1", auth)
        endpoints = [
            (name, method, path, body, resolve_etag(APP_PORT, path, headers))
            for name, method, path, body, headers in endpoints
        ]
        # Warm every worker's connections and caches before measuring (8 connections reach all
        # of gunicorn.conf.py's workers), the ceiling's and the small data set's too.
        small_auth = {"Authorization": f"Token {small_ids['token']}"}
        warm_ups = [
            (endpoint_port(name), path, headers)
            for name, m, path, _, headers in endpoints
            if m == "GET"
        ]
        warm_ups += [(CEILING_PORT, "/", {}), (SMALL_PORT, "/api/v1/analytics/summary", small_auth)]
        warm_ups += [(FLOOR_PORT, path, headers) for _, path, headers in floors]
        warm_ups += [(HEAVY_PORT, "/api/v1/analytics/summary", heavy_auth)]
        for port, path, headers in warm_ups:
            wrk_args = f"http://127.0.0.1:{port}{path}"
            header_args = [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]
            subprocess.run(
                [
                    "wrk",
                    "-t1",
                    "-c8",
                    "-d3s",
                    *header_args,
                    wrk_args,
                ],
                capture_output=True,
                check=False,
            )
        # Latency first: the throughput rows end with "create run", whose thousands of inserts
        # leave PostgreSQL's autovacuum busy on the runs table for a while afterwards, which
        # made the lone-request figures depend on when autovacuum happened to run.
        log(
            f"latency, one connection: summary at {ids['total_runs']:,} and at "
            f"{small_ids['total_runs']:,} runs, {SCALE_ROUNDS} alternating rounds"
        )
        summary_path = "/api/v1/analytics/summary"
        # Alternating short rounds, so a change in the machine's load (other processes) during
        # the check weighs on both data sets alike; each p50 is the median of its rounds.
        large_rounds, small_rounds = [], []
        for _ in range(SCALE_ROUNDS):
            large_rounds.append(
                wrk(
                    f"http://127.0.0.1:{PAGE_READ_PORT}{summary_path}",
                    auth,
                    connections=1,
                    duration_s=SCALE_ROUND_S,
                )
            )
            small_rounds.append(
                wrk(
                    f"http://127.0.0.1:{SMALL_PORT}{summary_path}",
                    {"Authorization": f"Token {small_ids['token']}"},
                    connections=1,
                    duration_s=SCALE_ROUND_S,
                )
            )
        large_summary = combine_rounds(large_rounds)
        small_summary = combine_rounds(small_rounds)
        # The one runner with HEAVY_RUNNER_RUNS runs against the main runner's 5,000 (issue 16),
        # again in alternating rounds.
        log(f"latency, one connection: summary for a runner with {HEAVY_RUNNER_RUNS:,} runs")
        main_rounds, heavy_rounds = [], []
        for _ in range(SCALE_ROUNDS):
            main_rounds.append(
                wrk(
                    f"http://127.0.0.1:{PAGE_READ_PORT}{summary_path}",
                    auth,
                    connections=1,
                    duration_s=SCALE_ROUND_S,
                )
            )
            heavy_rounds.append(
                wrk(
                    f"http://127.0.0.1:{HEAVY_PORT}{summary_path}",
                    heavy_auth,
                    connections=1,
                    duration_s=SCALE_ROUND_S,
                )
            )
        main_runner_summary = combine_rounds(main_rounds)
        heavy_runner_summary = combine_rounds(heavy_rounds)
        # The same runner's summary read again while nothing it shows has changed: the main
        # server answers it from the cache (docs/PERFORMANCE.md, section 35).
        kept_summary = wrk(
            f"http://127.0.0.1:{APP_PORT}{summary_path}",
            auth,
            connections=1,
            duration_s=SCALE_ROUND_S,
        )
        list_latency = wrk(f"http://127.0.0.1:{APP_PORT}/api/v1/runs?limit=50", auth, connections=1)
        # The ceiling is measured before the rows and again after them, and each row is set
        # against the mean of the two: one 10 s measurement caught in a slow moment of this
        # shared VM had once read below the health row (1,184 against 1,560 req/s), inflating
        # every share of that run.
        log(f"ceiling: {DURATION_S} s, {CONNECTIONS} connections (1 of 2)")
        ceiling_rounds = [wrk(f"http://127.0.0.1:{CEILING_PORT}/", {})]
        floor_results, endpoint_results = {}, {}
        for name, path, headers in floors:
            log(f"floor, {name}: GET {path}")
            floor_results[name] = wrk(f"http://127.0.0.1:{FLOOR_PORT}{path}", headers)
        for name, method, path, body, headers in endpoints:
            log(f"{name}: {method} {path}")
            endpoint_results[name] = (
                method,
                path,
                wrk(f"http://127.0.0.1:{endpoint_port(name)}{path}", headers, body),
            )
        log(f"ceiling: {DURATION_S} s, {CONNECTIONS} connections (2 of 2)")
        ceiling_rounds.append(wrk(f"http://127.0.0.1:{CEILING_PORT}/", {}))
        ceiling_result = combine_ceiling(ceiling_rounds)
        results["ceiling"] = ceiling_result
        for name, path, _ in floors:
            results["floors"][name] = {"path": path, **against(floor_results[name], ceiling_result)}
        for name, (method, path, result) in endpoint_results.items():
            results["endpoints"][name] = {
                "method": method,
                "path": path,
                **against(result, ceiling_result),
            }
    finally:
        for process in (app, ceiling, small, floor, heavy, page_read):
            stop(process)

    # The query counter runs its own requests (another host name, so another list ETag): it is
    # told which rows are conditional and takes the current ETag itself.
    counts = query_counts(
        database_url,
        ids,
        [
            (name, method, path, body, "If-None-Match" in headers)
            for name, method, path, body, headers in endpoints
            if name not in PAGE_READ_ROWS
        ],
    )
    counts.update(
        query_counts(
            database_url,
            ids,
            [
                (name, method, path, body, False)
                for name, method, path, body, _ in endpoints
                if name in PAGE_READ_ROWS
            ],
            extra_env=PAGE_READ_ENV,
        )
    )
    for name, count in counts.items():
        results["endpoints"][name]["queries"] = count
    floor_counts = query_counts(
        database_url, ids, [(name, "GET", path, None) for name, path, _ in floors], FLOOR_SETTINGS
    )
    for name, count in floor_counts.items():
        results["floors"][name]["queries"] = count
    results["latency"] = {
        "summary_large": large_summary,
        "summary_small": small_summary,
        "list_runs_large": list_latency,
        "summary_main_runner": main_runner_summary,
        "summary_heavy_runner": heavy_runner_summary,
        "summary_kept": kept_summary,
    }
    main_p50, heavy_p50 = main_runner_summary["p50_ms"], heavy_runner_summary["p50_ms"]
    results["runner_scale"] = {
        "main_runner_runs": 5_000,
        "heavy_runner_runs": HEAVY_RUNNER_RUNS,
        "summary_p50_ms_main_runner": main_p50,
        "summary_p50_ms_heavy_runner": heavy_p50,
        "summary_p50_ms_kept": kept_summary["p50_ms"],
        "ratio_heavy_to_main": round(heavy_p50 / main_p50, 3) if heavy_p50 and main_p50 else None,
    }
    big_p50, small_p50 = large_summary["p50_ms"], small_summary["p50_ms"]
    results["scale"] = {
        "summary_p50_ms_small": small_p50,
        "summary_p50_ms_large": big_p50,
        "small_total_runs": small_ids["total_runs"],
        "large_total_runs": ids["total_runs"],
        "ratio_large_to_small": round(big_p50 / small_p50, 3) if big_p50 and small_p50 else None,
    }
    results["targets"] = {
        "list_runs_ratio_to_ceiling": results["endpoints"]["list runs (50)"]["ratio_to_ceiling"],
        "list_runs_ratio_target": 0.4,
        # No endpoint can pass the floor that does nothing but authenticate and throttle.
        "token_floor_ratio_to_ceiling": results["floors"]["token"]["ratio_to_ceiling"],
        "summary_p50_ms_one_connection": big_p50,
        "summary_p50_ms_target": SUMMARY_P50_TARGET_MS,
        "scale_ratio_target": 1.2,
        "heavy_runner_ratio_target": HEAVY_RATIO_TARGET,
        "share_targets": SHARE_TARGETS,
    }
    results["machine"] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duration_s": DURATION_S,
        "connections": CONNECTIONS,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "bench_wall_s": round(time.monotonic() - started),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)


def target_mark(name: str, row: dict) -> str:
    """``0.40 ok`` / ``0.40 MISS`` for the rows with an issue-16 target, blank for the others."""
    target = SHARE_TARGETS.get(name)
    if target is None:
        return ""
    return f"{target:.2f} {'ok' if row['ratio_to_ceiling'] >= target else 'MISS'}"


def runner_scale_lines(results: dict) -> list[str]:
    """The summary for one runner with 5,000 and with HEAVY_RUNNER_RUNS runs (issue 16)."""
    runner_scale = results.get("runner_scale")
    if not runner_scale:
        return []
    kept_p50 = runner_scale.get("summary_p50_ms_kept")
    return [
        f"Analytics summary for one runner, one connection, computed: p50 "
        f"**{runner_scale['summary_p50_ms_main_runner']} ms** with "
        f"{runner_scale['main_runner_runs']:,} runs (target ≤ {SUMMARY_P50_TARGET_MS:g} ms), "
        f"**{runner_scale['summary_p50_ms_heavy_runner']} ms** with "
        f"{runner_scale['heavy_runner_runs']:,} runs: ratio "
        f"**{runner_scale['ratio_heavy_to_main']}** (target ≤ {HEAVY_RATIO_TARGET:g})"
        + (
            f"; read again unchanged (the kept answer): p50 **{kept_p50} ms**."
            if kept_p50 is not None
            else "."
        )
    ]


def print_table(results: dict) -> None:
    ceiling = results["ceiling"]
    print()
    print(
        f"{'endpoint':<30}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'queries':>9}"
        f"{'vs ceiling':>12}{'target':>11}{'non-2xx':>9}"
    )
    print(
        f"{'ceiling (raw WSGI)':<30}{ceiling['requests_per_s']:>10.0f}{ceiling['p50_ms']:>9}"
        f"{ceiling['p99_ms']:>9}{1:>9}{1.0:>12.2f}{'':>11}{ceiling['non_2xx']:>9}"
    )
    for name, row in measured_rows(results):
        print(
            f"{name:<30}{row['requests_per_s']:>10.0f}{row['p50_ms']:>9}{row['p99_ms']:>9}"
            f"{row.get('queries', '?'):>9}{row['ratio_to_ceiling']:>12.2f}"
            f"{target_mark(name, row):>11}{row['non_2xx']:>9}"
        )
    scale = results["scale"]
    latency = results["latency"]
    print(
        "\none connection (latency of a lone request): computed summary p50 "
        f"{scale['summary_p50_ms_large']} ms / p99 {latency['summary_large']['p99_ms']} ms at "
        f"{scale['large_total_runs']:,} total runs, {scale['summary_p50_ms_small']} ms at "
        f"{scale['small_total_runs']:,}: ratio {scale['ratio_large_to_small']}; "
        f"list runs p50 {latency['list_runs_large']['p50_ms']} ms"
    )
    for line in runner_scale_lines(results):
        print(line.replace("**", ""))
    rounds = results["ceiling"].get("rounds_requests_per_s", [])
    print(
        "ceiling: the mean of "
        + " and ".join(f"{value:,.0f}" for value in rounds)
        + " req/s, measured before and after the rows"
    )
    machine = results["machine"]
    print(
        f"machine: {machine['cpus']} cores, {machine['platform']}, Python {machine['python']}; "
        f"wrk {machine['connections']} connections x {machine['duration_s']} s per endpoint; "
        "server and load generator share the machine; load average "
        f"{machine['load_average_before'][0]} before, {machine['load_average_after'][0]} after; "
        f"{machine['bench_wall_s']} s in all"
    )


def markdown_table(results: dict) -> str:
    """The README's Performance table, from bench/results.json (``bench/run.py --markdown``)."""
    ceiling, machine, scale = results["ceiling"], results["machine"], results["scale"]
    lines = [
        "| endpoint | req/s | p50 ms | p99 ms | queries | vs ceiling | target |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| ceiling (raw WSGI, one query) | {ceiling['requests_per_s']:.0f} | "
        f"{ceiling['p50_ms']} | {ceiling['p99_ms']} | 1 | 1.00 | |",
    ]
    for name, row in measured_rows(results):
        lines.append(
            f"| {name} | {row['requests_per_s']:.0f} | {row['p50_ms']} | {row['p99_ms']} | "
            f"{row.get('queries', '?')} | {row['ratio_to_ceiling']:.2f} | "
            f"{target_mark(name, row)} |"
        )
    latency = results["latency"]
    lines += [
        "",
        f"One connection (a lone request): analytics summary, computed, p50 "
        f"**{scale['summary_p50_ms_large']} ms** (p99 {latency['summary_large']['p99_ms']} ms) at "
        f"{scale['large_total_runs']:,} runs in all, {scale['summary_p50_ms_small']} ms at "
        f"{scale['small_total_runs']:,}: ratio **{scale['ratio_large_to_small']}**; list runs p50 "
        f"{latency['list_runs_large']['p50_ms']} ms.",
        "",
        *runner_scale_lines(results),
        "",
        f"Measured {machine['measured_at']} on {machine['cpus']} cores ({machine['platform']}, "
        f"Python {machine['python']}), server, PostgreSQL, Redis and wrk sharing the machine; "
        f"wrk {machine['connections']} connections x {machine['duration_s']} s per endpoint; "
        f"load average {machine['load_average_before'][0]} before and "
        f"{machine['load_average_after'][0]} after the run; {machine['bench_wall_s']} s in all.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:
        print(markdown_table(json.loads((ROOT / "bench" / "results.json").read_text())))
        sys.exit()
    sys.exit(main())
