"""`make bench`: the real server under gunicorn on PostgreSQL, driven by wrk from a separate
process, against a no-framework ceiling. Writes bench/results.json and prints a table.

Environment: DATABASE_URL (default the local server, database tracker_bench), BENCH_DURATION_S
(per endpoint, default 10), BENCH_CONNECTIONS (default 16), BENCH_RUNS (default 1,000,000),
BENCH_RUNNERS (default 1,000), BENCH_SMALL_RUNS (the scale check's small data set, 10,000).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import socket
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
APP_PORT, CEILING_PORT, SMALL_PORT = 8765, 8766, 8767
DURATION_S = int(os.environ.get("BENCH_DURATION_S", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


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
    subprocess.run([PY, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    log(f"loading {runs:,} runs for {runners:,} runners into {database_url.rsplit('/', 1)[1]}")
    started = time.monotonic()
    out = subprocess.run(
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
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
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


def wrk(url: str, headers: dict[str, str], body: str | None = None) -> dict:
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION_S}s", "--latency", "--timeout", "10s"]
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


def query_counts(database_url: str, ids: dict, endpoints: list[tuple[str, str, str | None]]):
    env = server_env(database_url)
    env["BENCH_ENDPOINTS"] = json.dumps(endpoints)
    env["BENCH_IDS"] = json.dumps(ids)
    out = subprocess.run(
        [PY, "bench/query_counts.py"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: install Debian's package with `apt-get install -y wrk`")
    for port in (APP_PORT, CEILING_PORT, SMALL_PORT):
        if not free(port):
            raise SystemExit(f"port {port} is busy; stop what listens there")
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    small_url = database_url.rsplit("/", 1)[0] + "/" + database_url.rsplit("/", 1)[1] + "_small"
    runs = int(os.environ.get("BENCH_RUNS", "1000000"))
    runners = int(os.environ.get("BENCH_RUNNERS", "1000"))
    small_runs = int(os.environ.get("BENCH_SMALL_RUNS", "10000"))
    ids = prepare(database_url, runs, runners, 5_000)
    small_ids = prepare(small_url, small_runs, 10, 5_000)

    auth = {"Authorization": f"Token {ids['token']}"}
    writer = {"Authorization": f"Token {ids['writer_token']}"}
    run_body = json.dumps(
        {
            "started_at": "2026-01-05T07:30:00Z",
            "distance_m": 8000,
            "duration_s": 2400,
            "notes": "bench",
        }
    )
    endpoints = [
        ("list runs (50)", "GET", "/api/v1/runs?limit=50", None, auth),
        ("retrieve run", "GET", f"/api/v1/runs/{ids['run_id']}", None, auth),
        (
            "list plan workouts",
            "GET",
            f"/api/v1/plans/{ids['plan_id']}/workouts?limit=50",
            None,
            auth,
        ),
        ("create run", "POST", "/api/v1/runs", run_body, writer),
        ("analytics summary", "GET", "/api/v1/analytics/summary", None, auth),
        ("plan analytics", "GET", f"/api/v1/analytics/plan/{ids['plan_id']}", None, auth),
        ("health", "GET", "/health", None, {}),
    ]

    env = server_env(database_url)
    app = gunicorn("tracker.wsgi:application", APP_PORT, env)
    ceiling = gunicorn(
        "bench.ceiling:app", CEILING_PORT, {**env, "BENCH_RUNNER_ID": str(ids["runner_id"])}
    )
    small = gunicorn("tracker.wsgi:application", SMALL_PORT, server_env(small_url))
    results: dict = {"endpoints": {}}
    try:
        wait_until_up(APP_PORT, "/api/v1/runs?limit=1", auth)
        wait_until_up(CEILING_PORT, "/", {})
        wait_until_up(
            SMALL_PORT, "/api/v1/runs?limit=1", {"Authorization": f"Token {small_ids['token']}"}
        )
        # Warm every worker's connections and caches before measuring.
        for _, method, path, _, headers in endpoints:
            if method == "GET":
                wrk_args = f"http://127.0.0.1:{APP_PORT}{path}"
                header_args = [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]
                subprocess.run(
                    [
                        "wrk",
                        "-t1",
                        "-c4",
                        "-d2s",
                        *header_args,
                        wrk_args,
                    ],
                    capture_output=True,
                    check=False,
                )
        log(f"ceiling: {DURATION_S} s, {CONNECTIONS} connections")
        ceiling_result = wrk(f"http://127.0.0.1:{CEILING_PORT}/", {})
        results["ceiling"] = ceiling_result
        for name, method, path, body, headers in endpoints:
            log(f"{name}: {method} {path}")
            result = wrk(f"http://127.0.0.1:{APP_PORT}{path}", headers, body)
            result["ratio_to_ceiling"] = round(
                result["requests_per_s"] / ceiling_result["requests_per_s"], 3
            )
            results["endpoints"][name] = {"method": method, "path": path, **result}
        log("scale check: summary at the small data set")
        small_summary = wrk(
            f"http://127.0.0.1:{SMALL_PORT}/api/v1/analytics/summary",
            {"Authorization": f"Token {small_ids['token']}"},
        )
    finally:
        for process in (app, ceiling, small):
            stop(process)

    counts = query_counts(
        database_url, ids, [(name, method, path, body) for name, method, path, body, _ in endpoints]
    )
    for name, count in counts.items():
        results["endpoints"][name]["queries"] = count
    big_p50 = results["endpoints"]["analytics summary"]["p50_ms"]
    results["scale"] = {
        "summary_p50_ms_small": small_summary["p50_ms"],
        "summary_p50_ms_large": big_p50,
        "small_total_runs": small_ids["total_runs"],
        "large_total_runs": ids["total_runs"],
        "ratio_large_to_small": round(big_p50 / small_summary["p50_ms"], 3)
        if big_p50 and small_summary["p50_ms"]
        else None,
    }
    results["machine"] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duration_s": DURATION_S,
        "connections": CONNECTIONS,
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)


def print_table(results: dict) -> None:
    ceiling = results["ceiling"]
    print()
    print(
        f"{'endpoint':<22}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'queries':>9}"
        f"{'vs ceiling':>12}{'non-2xx':>9}"
    )
    print(
        f"{'ceiling (raw WSGI)':<22}{ceiling['requests_per_s']:>10.0f}{ceiling['p50_ms']:>9}"
        f"{ceiling['p99_ms']:>9}{1:>9}{1.0:>12.2f}{ceiling['non_2xx']:>9}"
    )
    for name, row in results["endpoints"].items():
        print(
            f"{name:<22}{row['requests_per_s']:>10.0f}{row['p50_ms']:>9}{row['p99_ms']:>9}"
            f"{row.get('queries', '?'):>9}{row['ratio_to_ceiling']:>12.2f}{row['non_2xx']:>9}"
        )
    scale = results["scale"]
    print(
        f"\nsummary p50 at {scale['small_total_runs']:,} total runs: "
        f"{scale['summary_p50_ms_small']} ms; at {scale['large_total_runs']:,}: "
        f"{scale['summary_p50_ms_large']} ms; ratio {scale['ratio_large_to_small']}"
    )
    machine = results["machine"]
    print(
        f"machine: {machine['cpus']} cores, {machine['platform']}, Python {machine['python']}; "
        f"wrk {machine['connections']} connections x {machine['duration_s']} s per endpoint; "
        "server and load generator share the machine"
    )


if __name__ == "__main__":
    sys.exit(main())
