"""gunicorn.conf.py and the container files (docs/DEPLOYMENT.md): the values production relies
on."""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
from pathlib import Path
from unittest import mock

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def load_gunicorn_conf(**env: str) -> dict:
    with mock.patch.dict(os.environ, env, clear=False):
        names = ("PORT", "WEB_CONCURRENCY", "REQUEST_TIMEOUT", "MAX_REQUESTS")
        for name in (*names, "PROMETHEUS_MULTIPROC_DIR"):
            if name not in env:
                os.environ.pop(name, None)
        return runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))


def test_gunicorn_binds_port_from_env_and_uses_request_timeout():
    conf = load_gunicorn_conf(PORT="8137", REQUEST_TIMEOUT="45")
    assert conf["bind"] == "0.0.0.0:8137"
    assert conf["timeout"] == 45
    assert conf["accesslog"] is None  # the request log replaces it
    assert conf["graceful_timeout"] == 30


def test_gunicorn_defaults_port_8000_and_workers_from_cpus():
    conf = load_gunicorn_conf(WEB_CONCURRENCY="")  # blank, as a .env line may leave it
    assert conf["bind"] == "0.0.0.0:8000"
    cpus = len(os.sched_getaffinity(0))
    assert conf["workers"] == min(2 * cpus + 1, 12)
    assert load_gunicorn_conf(WEB_CONCURRENCY="3")["workers"] == 3


def test_gunicorn_replaces_workers_rarely_with_jitter_and_env_override():
    # Each replacement re-imports Django (about 1.2 s of CPU): every 1,000 requests cost about a
    # tenth of the throughput under load (docs/PERFORMANCE.md, section 24).
    conf = load_gunicorn_conf()
    assert conf["max_requests"] == 20_000
    assert conf["max_requests_jitter"] == 2_000
    custom = load_gunicorn_conf(MAX_REQUESTS="5000")
    assert (custom["max_requests"], custom["max_requests_jitter"]) == (5_000, 500)


def test_dockerfile_runs_as_non_root_with_a_python_healthcheck_and_migrates_first():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "\nUSER app" in dockerfile
    assert "collectstatic" in dockerfile
    healthcheck = next(line for line in dockerfile.splitlines() if "CMD python -c" in line)
    assert "urllib.request" in healthcheck and "curl" not in healthcheck
    assert "migrate --no-input && exec gunicorn" in dockerfile


@pytest.mark.skipif(not shutil.which("podman-compose"), reason="podman-compose not installed")
def test_compose_file_parses_with_gated_app_start_on_the_host_network():
    result = subprocess.run(
        ["podman-compose", "-f", "docker-compose.yml", "config"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SECRET_KEY": "x" * 50},
    )
    assert result.returncode == 0, result.stderr
    import yaml

    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert {name: s["network_mode"] for name, s in services.items()} == {
        "app": "host",
        "db": "host",
        "redis": "host",
        "worker": "host",
    }
    # The import worker runs next to the app, on the same database and archive volume.
    assert services["worker"]["command"] == ["python", "manage.py", "import_worker"]
    assert services["worker"]["depends_on"] == {"app": {"condition": "service_healthy"}}
    assert "imports:/app/var/imports" in services["worker"]["volumes"]
    assert "imports:/app/var/imports" in services["app"]["volumes"]
    assert services["app"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert services["app"]["environment"]["REDIS_URL"].startswith("redis://")
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert "pgdata" in config["volumes"]
