"""The production settings refuse to start without a SECRET_KEY (docs/DEPLOYMENT.md, Configuration),
except for the few management commands that neither serve nor sign anything."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    env["DEBUG"] = "false"
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "args",
    [
        ("manage.py", "check"),
        ("manage.py", "migrate", "--plan"),
        ("-c", "import tracker.wsgi"),
    ],
)
def test_serving_without_a_secret_key_is_refused_with_a_clear_message(args):
    result = _run(*args)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_migration_check_runs_without_a_secret_key():
    result = _run("manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
