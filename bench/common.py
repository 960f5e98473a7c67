"""What every figure uses: a timer that takes the median of repeats, and the result shape."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Figure:
    ratio: float
    value: float
    unit: str
    baseline: str
    goal: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ratio": round(self.ratio, 4),
            "value": round(self.value, 4),
            "unit": self.unit,
            "baseline": self.baseline,
            "goal": self.goal,
            "extra": self.extra,
        }


@dataclass
class Bench:
    database: str

    @staticmethod
    def median_seconds(fn: Callable[[], object], *, repeat: int = 15, warmup: int = 3) -> float:
        for _ in range(warmup):
            fn()
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        return statistics.median(samples)
