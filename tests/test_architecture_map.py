"""docs/ARCHITECTURE.md stays a true map of the code (its "How the map stays true" paragraph).

- Every Python module of the six apps has a line in the page's "Module map" section naming its
  full path in backticks (migrations, ``apps.py`` and empty ``__init__.py`` files excepted), so a
  new module cannot arrive without its line.
- Every backticked path on the page that starts with a folder of the repository exists, so a
  deleted or renamed module cannot leave a dead line behind. A line marked ``(merging)`` may name
  modules another branch of the current issue is adding; once all of its paths exist the mark
  must go.
- Every "docs/API.md, Validation rules"-style reference in the code, templates, tests and docs
  names a heading the doc has, so renaming a section cannot strand the comments citing it.

Plain file reads: no Django needed.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "docs" / "ARCHITECTURE.md"
APPS = ("tracker", "accounts", "training", "analytics", "coaching", "dashboard")
# Top-level folders whose paths the map may name; a backticked token starting with one of these
# and a slash is taken as a path in the repository.
PATH_ROOTS = (*APPS, "templates", "tests", "bench", "docs", "static")
MERGING_MARK = "(merging)"
BACKTICKED = re.compile(r"`([^`\s]+)`")


def app_modules() -> list[str]:
    """Every module the map must name, as a path relative to the repository root."""
    modules = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or path.name == "apps.py":
                continue
            if path.name == "__init__.py" and not path.read_text().strip():
                continue
            modules.append(relative.as_posix())
    return modules


def named_paths(text: str) -> list[tuple[str, str]]:
    """``(path, line)`` for every backticked repository path on the page."""
    found = []
    for line in text.splitlines():
        for token in BACKTICKED.findall(line):
            if token.split("/", 1)[0] in PATH_ROOTS and "/" in token:
                found.append((token, line))
    return found


def module_map_section(text: str) -> str:
    """The "## Module map" section: from its heading to the next second-level heading."""
    start = text.index("\n## Module map\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_every_app_module_is_on_the_map() -> None:
    named = {path for path, _line in named_paths(module_map_section(MAP.read_text()))}
    missing = [module for module in app_modules() if module not in named]
    assert not missing, (
        f"Modules missing from the module map of docs/ARCHITECTURE.md (add a line with the path "
        f"in backticks and its job): {missing}"
    )


def test_every_path_on_the_map_exists() -> None:
    text = MAP.read_text()
    dead = [
        path
        for path, line in named_paths(text)
        if MERGING_MARK not in line and not (ROOT / path).exists()
    ]
    assert not dead, f"docs/ARCHITECTURE.md names paths that do not exist: {sorted(set(dead))}"


def test_merging_marks_go_once_their_modules_exist() -> None:
    stale = [
        line.strip()
        for line in MAP.read_text().splitlines()
        if MERGING_MARK in line
        and (paths := [path for path, _ in named_paths(line)])
        and all((ROOT / path).exists() for path in paths)
    ]
    assert not stale, (
        f"These lines of docs/ARCHITECTURE.md are marked {MERGING_MARK} but every path they name "
        f"exists now; drop the mark: {stale}"
    )


def test_the_rule_finds_modules_and_dead_paths() -> None:
    # The checks above are only as good as these two helpers.
    assert "training/services.py" in app_modules()
    assert "training/importers/__init__.py" in app_modules()  # holds parse_activity()
    assert not any(m.endswith("/apps.py") or "/migrations/" in m for m in app_modules())
    line = "| `training/gone.py` | x | `/api/v1/plans` `logs/app.log` `tests/helpers.py` |"
    assert [path for path, _ in named_paths(line)] == ["training/gone.py", "tests/helpers.py"]


# --- references to the docs name sections that exist ----------------------------------------------
DOC_FILES = (
    "README.md",
    "docs/API.md",
    "docs/ARCHITECTURE.md",
    "docs/DEPLOYMENT.md",
    "docs/PRODUCTION.md",
    "docs/PERFORMANCE.md",
)
# "docs/API.md, Validation rules": a doc, a comma, then the heading's first words.
SECTION_REFERENCE = re.compile(r"\b(README\.md|docs/[A-Z]+\.md), ([A-Z][A-Za-z-]*(?: [A-Za-z-]+)*)")
SOURCE_DIRS = (*APPS, "templates", "tests", "bench", "docs")
SOURCE_SUFFIXES = {".py", ".html", ".md", ".yml", ".txt"}
TOP_LEVEL_FILES = ("README.md", "Makefile", "Dockerfile", "docker-compose.yml", "gunicorn.conf.py")


def headings(doc: str) -> list[str]:
    """The doc's headings without the ``#`` marks, a leading number (``1. ``) or backticks."""
    found = []
    for line in (ROOT / doc).read_text().splitlines():
        if line.startswith("#"):
            title = re.sub(r"^#+\s*(\d+\.\s*)?", "", line).replace("`", "")
            found.append(title)
    return found


def source_texts() -> list[tuple[str, str]]:
    paths = [ROOT / name for name in TOP_LEVEL_FILES]
    for folder in SOURCE_DIRS:
        paths += [p for p in (ROOT / folder).rglob("*") if p.suffix in SOURCE_SUFFIXES]
    texts = []
    for path in paths:
        if path.is_file() and "migrations" not in path.parts:
            # A reference may wrap onto the next comment or docstring line.
            text = re.sub(r"\n\s*(?:#\s*)?", " ", path.read_text())
            texts.append((path.relative_to(ROOT).as_posix(), text))
    return texts


def test_references_to_the_docs_name_existing_sections() -> None:
    titles = {doc: headings(doc) for doc in DOC_FILES}
    broken = []
    for name, text in source_texts():
        for doc, words in SECTION_REFERENCE.findall(text):
            if doc not in titles:
                broken.append(f"{name}: {doc} does not exist")
            elif not any(t.startswith(words) or words.startswith(t) for t in titles[doc]):
                broken.append(f"{name}: {doc} has no section {words!r}")
    assert not broken, "Dangling references to docs sections:\n" + "\n".join(sorted(set(broken)))
