"""Figures for humans: percentiles, a small table, and a progress bar on stderr."""

from __future__ import annotations

import statistics
import sys
import time


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    if len(samples_ms) < 2:
        value = samples_ms[0] if samples_ms else float("nan")
        return {"p50": value, "p95": value, "p99": value, "mean": value}
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 2),
        "p95": round(cuts[94], 2),
        "p99": round(cuts[98], 2),
        "mean": round(statistics.fmean(samples_ms), 2),
    }


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> None:
    """Print rows as an aligned plain-text table."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for i, row in enumerate([header, *rows]):
        cells = zip(row, widths, strict=True)
        # the first column is a label (left), the others figures (right)
        print("  ".join(str(c).rjust(w) if j else str(c).ljust(w) for j, (c, w) in enumerate(cells)))
        if i == 0:
            print("  ".join("-" * width for width in widths))
    sys.stdout.flush()


class Progress:
    """``with Progress("bookings", total) as bar: bar.advance(n)`` draws a bar on stderr."""

    def __init__(self, label: str, total: int, width: int = 30):
        self.label, self.total, self.width, self.done = label, total, width, 0
        self.started = time.monotonic()

    def advance(self, n: int) -> None:
        self.done += n
        filled = int(self.width * self.done / self.total) if self.total else self.width
        rate = self.done / max(time.monotonic() - self.started, 1e-9)
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {self.done:,}/{self.total:,} ({rate:,.0f}/s)"
        )
        sys.stderr.flush()

    def __enter__(self) -> Progress:
        self.advance(0)
        return self

    def __exit__(self, *exc) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()
