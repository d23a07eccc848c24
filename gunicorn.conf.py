"""gunicorn settings for production (docs/DEPLOYMENT.md). Every value can be overridden by env.

- bind 0.0.0.0:$PORT (8000 by default);
- workers from the CPUs this process may use (2 x CPUs + 1, capped; WEB_CONCURRENCY overrides);
- REQUEST_TIMEOUT kills a stuck worker; graceful shutdown gives in-flight requests
  GRACEFUL_TIMEOUT seconds after SIGTERM (docker stop / compose down);
- no access log: tracker.middleware.RequestIdMiddleware writes one richer line per request
  (with user id and request id) through the app's logging config;
- PROMETHEUS_MULTIPROC_DIR so /metrics sums every worker, not whichever one answers.
"""

import os
import shutil
import tempfile


def _env_int(name: str, default: int) -> int:
    # An empty value (a blank line in .env passed through compose) means "use the default".
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


port = _env_int("PORT", 8000)
bind = f"0.0.0.0:{port}"


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours container CPU sets, unlike cpu_count()
    except AttributeError:
        return os.cpu_count() or 1


workers = _env_int("WEB_CONCURRENCY", min(2 * _cpu_count() + 1, 12))
worker_class = "sync"
timeout = _env_int("REQUEST_TIMEOUT", 30)
graceful_timeout = _env_int("GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
# A worker is replaced after this many requests, a guard against slow leaks. Each replacement
# imports and warms up Django again (about 1.2 s of CPU, tracker/wsgi.py), so at 1,000 a worker
# under load was replaced every few seconds and that cost about a tenth of the served throughput
# (docs/PERFORMANCE.md, section 24). Jitter keeps the workers from all restarting at once.
max_requests = _env_int("MAX_REQUESTS", 20_000)
max_requests_jitter = max_requests // 10
# Heartbeat files in memory, not on a container's overlay disk (which can stall them).
_shm = "/dev/shm"  # noqa: S108 (gunicorn's own advice for containers; only heartbeat files)
worker_tmp_dir = _shm if os.path.isdir(_shm) else None

accesslog = None
errorlog = "-"
loglevel = (os.environ.get("LOG_LEVEL") or "info").lower()
# X-Forwarded-Proto from the load balancer (SECURE_PROXY_SSL_HEADER) is trusted by Django;
# gunicorn itself trusts forwarding headers only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"

# prometheus_client reads this when the workers import it (after this file runs in the master).
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.path.join(
    tempfile.gettempdir(), f"tracker-prometheus-{port}"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server):
    # Files left by a previous run would add old counts to the new ones.
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
