"""Timing and memory helpers shared by the benchmark scripts (not a test: scripts print figures)."""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psutil


@dataclass
class Measurement:
    label: str
    rows: int
    seconds: float = 0.0
    rss_before_mb: float = 0.0
    rss_peak_mb: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else float("inf")

    def line(self) -> str:
        return (f"{self.label:<44} {self.rows:>10,} rows  {self.seconds:8.2f} s  {self.rows_per_second:>12,.0f} rows/s  "
                f"RSS {self.rss_before_mb:,.0f} → {self.rss_peak_mb:,.0f} MB")


@contextlib.contextmanager
def measure(label: str, rows: int) -> Iterator[Measurement]:
    """Time a block and sample this process's RSS every 20 ms for its peak (children's every 0.5 s).

    The sampler is a thread of the measured process: it must stay cheap. Listing the children
    walks all of /proc in Python while holding the GIL (≈ 10 s of a 35 s run when it was done
    every 20 ms), so their RSS is added only every 25th sample.
    """
    proc = psutil.Process()
    m = Measurement(label, rows, rss_before_mb=proc.memory_info().rss / 2**20)
    peak = [m.rss_before_mb]
    stop = threading.Event()

    def sample() -> None:
        children_rss, count = 0, 0
        while not stop.is_set():
            if count % 25 == 0:
                children_rss = sum(c.memory_info().rss for c in proc.children(recursive=True) if c.is_running())
            count += 1
            peak[0] = max(peak[0], (proc.memory_info().rss + children_rss) / 2**20)
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        yield m
    finally:
        m.seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
        m.rss_peak_mb = peak[0]
        print(m.line(), flush=True)
