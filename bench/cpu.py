"""CPU time used by process trees (from /proc): a figure the machine's other load barely moves.

Throughput on a shared 2-core machine swings with whatever else runs; the CPU seconds a
server spends per request do not, much. The benches report both.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of one process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def tree_seconds(*roots: int) -> float:
    """CPU seconds used so far by ``roots`` and every live descendant of theirs."""
    stats = {int(pid): s for pid in os.listdir("/proc") if pid.isdigit() and (s := _stat(pid)) is not None}
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, [r for r in roots if r in stats]
    while todo:
        pid = todo.pop()
        total += stats[pid][1]
        todo += children.get(pid, [])
    return total


def postmaster_pid(engine) -> int:
    """The PostgreSQL server's main process, as the parent of this connection's backend."""
    from sqlalchemy import text

    with engine.connect() as connection:
        backend = connection.scalar(text("SELECT pg_backend_pid()"))
    stat = _stat(str(backend))
    if stat is None:
        raise RuntimeError("the PostgreSQL backend is not a process of this machine")
    return stat[0]
