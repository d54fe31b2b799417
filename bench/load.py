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

# i -> (method, path, JSON body or None, headers)
RequestMaker = Callable[[int], tuple[str, str, dict | None, dict]]


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def hammer(port: int, make: RequestMaker, *, threads: int, seconds: float, counter=None) -> LoadResult:
    """Send requests built by ``make(i)`` (i unique across threads) for ``seconds``."""
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
    began = time.perf_counter()
    time.sleep(seconds)  # the fixed duration of the run, not an ordering wait
    stop.set()
    for thread in pool:
        thread.join(60)
    result.seconds = time.perf_counter() - began
    return result
