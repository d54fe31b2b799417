"""The layout holds: imports flow config <- booking <- sensors <- onexp, booking's modules import one
another without a cycle, and importing any module does nothing (no thread, socket or database).

The import graph is read from the source with ``ast``, every import counted, also those inside a
function: an import put off until a call still ties the two modules together.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "booking", "sensors", "onexp")
# Modules that are not imported as code: Alembic's scripts (run by Alembic), and gunicorn's config
# files, whose import *is* the configuration (gunicorn_hooks sets PROMETHEUS_MULTIPROC_DIR on purpose).
NOT_CODE = ("booking.migrations", "config.gunicorn")
# who may import whom, by top-level package (a package may always import itself)
MAY_IMPORT = {
    "config": set(),
    "booking": {"config"},
    "sensors": {"config", "booking"},
    "onexp": {"config", "booking", "sensors"},
}


def modules(root: Path, packages=PACKAGES) -> dict[str, Path]:
    """Dotted name -> file of every module of ``packages`` under ``root``."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "." in path.stem:  # config/gunicorn.conf.py: a file gunicorn reads, not a module
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            if not name.startswith(NOT_CODE):
                found[name] = path
    return found


def imported_by(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of ``known`` that ``name`` imports, anywhere in its file."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `from . import x` in a.b.c is from a.b
                base = ".".join([*package[: len(package) - node.level + 1], base]).strip(".")
            # `from booking.services import bookings` imports the module booking.services.bookings
            targets.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names)
    resolved = set()
    for target in targets:
        while target not in known and "." in target:  # `import booking.models.x as y` and names in modules
            target = target.rsplit(".", 1)[0]
        if target in known and target != name:
            resolved.add(target)
    return resolved


def import_graph(root: Path = ROOT, packages=PACKAGES) -> dict[str, set[str]]:
    known = modules(root, packages)
    return {name: imported_by(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each group of modules that import one another in a ring (strongly connected, more than one)."""
    order, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(module: str) -> None:  # Tarjan's algorithm
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.get(module, ())):
            if other not in order:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], order[other])
        if low[module] == order[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
                on_stack.discard(group[-1])
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return groups


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_sees_the_imports_it_is_about(graph):
    # what the checks below stand on: lazy and relative imports are read, submodules resolved
    assert "booking.services.bookings" in graph["booking.api.bookings"]
    assert "sensors.ingest" in graph["onexp.cli"]  # imported inside `serve` and `ingest`
    assert "booking.extensions" in graph["booking.services.bookings"]


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_flow_one_way(graph, package):
    """config <- booking <- sensors <- onexp: booking never imports sensors, config imports neither."""
    wrong = sorted(
        f"{module} imports {other}"
        for module, others in graph.items()
        if module.split(".")[0] == package
        for other in others
        if other.split(".")[0] not in MAY_IMPORT[package] | {package}
    )
    assert wrong == []


def test_no_import_cycle(graph):
    assert cycles(graph) == []


def test_a_cycle_would_be_found(tmp_path):
    """The cycle check can fail: two modules of a package that import each other, one lazily."""
    package = tmp_path / "venue"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "bookings.py").write_text("from venue import waitlist\n")
    (package / "waitlist.py").write_text("def offer():\n    from .bookings import book\n")
    (package / "rules.py").write_text("from venue.bookings import book\n")

    assert cycles(import_graph(tmp_path, ("venue",))) == [["venue.bookings", "venue.waitlist"]]


IMPORT_EVERYTHING = """
import importlib, json, os, socket, sqlite3, sys, threading

started, connected = [], []
real_start, real_connect, real_sqlite = threading.Thread.start, socket.socket.connect, sqlite3.connect
threading.Thread.start = lambda self, *a, **k: (started.append(self.name), real_start(self, *a, **k))[1]
socket.socket.connect = lambda self, address: (connected.append(repr(address)), real_connect(self, address))[1]
sqlite3.connect = lambda *a, **k: (connected.append(repr(a)), real_sqlite(*a, **k))[1]
before = set(os.listdir("/proc/self/fd"))
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
opened = sorted(os.readlink(f"/proc/self/fd/{fd}") for fd in set(os.listdir("/proc/self/fd")) - before
                if os.path.exists(f"/proc/self/fd/{fd}"))
threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
print(json.dumps({"threads": threads, "started": started, "connected": connected, "opened": opened}))
"""


def test_importing_every_module_starts_nothing(graph):
    """Nothing at import time: no thread, no socket, no database connection, no file left open."""
    names = json.dumps(sorted(graph))
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING, names], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == {"threads": [], "started": [], "connected": [], "opened": []}
