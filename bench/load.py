"""A bounded load generator: N threads, each with one keep-alive connection, for a fixed time.

Every thread sends one request at a time (a closed loop), so the load is bounded by the
number of threads and the figures measure the server, not a queue in front of it.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import cpu

# i -> (method, path, JSON body or None, headers)
RequestMaker = Callable[[int], tuple[str, str, dict | None, dict]]


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    server_cpu_s: float = 0.0  # CPU seconds the watched server processes used during the run
    client_cpu_s: float = 0.0  # ... and this load generator

    @property
    def cpu_ms_per_request(self) -> float:
        """Server and client CPU per request: what bounds throughput once the cores are busy."""
        return (self.server_cpu_s + self.client_cpu_s) * 1000 / self.requests if self.requests else 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def hammer(
    port: int, make: RequestMaker, *, threads: int, seconds: float, counter=None, watch: tuple[int, ...] = ()
) -> LoadResult:
    """Send requests built by ``make(i)`` (i unique across threads) for ``seconds``.

    ``watch``: pids of the server's process trees, whose CPU time the result reports.
    """
    counter = counter if counter is not None else itertools.count()
    lock = threading.Lock()
    result = LoadResult(seconds=seconds)
    start = threading.Barrier(threads + 1)
    stop = threading.Event()

    def worker() -> None:
        latencies, statuses, errors = [], Counter(), Counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start.wait()
        while not stop.is_set():
            method, path, body, headers = make(next(counter))
            payload = json.dumps(body).encode() if body is not None else None
            began = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers={"Content-Type": "application/json", **headers})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors[type(exc).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies.append((time.perf_counter() - began) * 1000)
            statuses[response.status] += 1
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        with lock:
            result.latencies_ms += latencies
            result.statuses.update(statuses)
            result.errors.update(errors)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    start.wait()
    began, server_cpu, client_cpu = time.perf_counter(), cpu.tree_seconds(*watch), time.process_time()
    time.sleep(seconds)  # the fixed duration of the run, not an ordering wait
    stop.set()
    for thread in pool:
        thread.join(60)
    result.seconds = time.perf_counter() - began
    result.server_cpu_s = cpu.tree_seconds(*watch) - server_cpu
    result.client_cpu_s = time.process_time() - client_cpu
    return result
