"""The production settings refuse to start without a SECRET_KEY (docs/DEPLOYMENT.md,
Configuration), except for the few management commands that neither serve nor sign anything; and
the module sets each key once, in sections of a fixed order."""

import ast
import os
import re
import subprocess
import sys
from collections import Counter
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


# --- Each key set once, sections in order ---------------------------------------------------------

SETTINGS_SOURCE = (ROOT / "tracker" / "settings.py").read_text()


def _target_names(target: ast.expr) -> list[str]:
    """``X`` for ``X = ...``; ``X[k]`` (and deeper) for an item of an uppercase setting."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Subscript):
        inner = target
        while isinstance(inner, ast.Subscript):
            inner = inner.value  # type: ignore[assignment]
        if isinstance(inner, ast.Name) and inner.id.isupper():
            return [ast.unparse(target)]
    return []


def _assignments(statements: list[ast.stmt]) -> Counter:
    """How often each name or setting item is assigned; the branches of an ``if`` are
    alternatives, so a name set once in each counts once."""
    counts: Counter = Counter()
    for statement in statements:
        if isinstance(statement, ast.If):
            body, orelse = _assignments(statement.body), _assignments(statement.orelse)
            counts.update(body | orelse)  # the larger count of the two branches
        elif isinstance(statement, ast.Assign):
            counts.update(name for t in statement.targets for name in _target_names(t))
        elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
            counts.update(_target_names(statement.target))
    return counts


def test_every_setting_is_assigned_once():
    counts = _assignments(ast.parse(SETTINGS_SOURCE).body)
    assert [name for name, count in counts.items() if count > 1] == []
    # Items of a setting are written inside its literal, never patched in afterwards.
    assert [name for name in counts if "[" in name and name.split("[")[0].isupper()] == []


def test_rest_framework_keys_are_each_written_once():
    [literal] = [
        node.value
        for node in ast.walk(ast.parse(SETTINGS_SOURCE))
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "REST_FRAMEWORK" for t in node.targets)
    ]
    keys = [key.value for key in literal.keys]  # type: ignore[union-attr]
    assert len(keys) == len(set(keys))
    assert "DEFAULT_THROTTLE_RATES" in keys and "DEFAULT_RENDERER_CLASSES" in keys


def test_sections_come_in_their_fixed_order():
    numbers = [int(n) for n in re.findall(r"^# --- (\d+)\. ", SETTINGS_SOURCE, re.MULTILINE)]
    assert numbers == list(range(1, 11))
