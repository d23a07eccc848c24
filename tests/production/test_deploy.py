"""``manage.py check --deploy`` is clean with production defaults (docs/DEPLOYMENT.md,
Configuration), and the app refuses to start without a SECRET_KEY when DEBUG is off."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def _production_env(**overrides: str) -> dict[str, str]:
    # A clean environment: only what a production host sets, so the defaults are what is tested.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(BASE_DIR)),
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),  # 67 characters
        "LOG_DIR": str(BASE_DIR / "logs"),
    }
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_defaults():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_a_short_secret_key():
    # The check really runs: a weak key is reported (so the clean result above means something).
    env = _production_env(SECRET_KEY="too-short")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_without_secret_key_and_debug_off_the_app_refuses_to_start():
    env = _production_env()
    del env["SECRET_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
