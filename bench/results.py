"""What a scenario reports: figures beside their baselines, latency samples, and problems."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Figure", "ScenarioResult", "percentile", "summary_ms"]


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``samples`` (NaN when there are none)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(0, math.ceil(fraction * len(ordered)) - 1)
    return ordered[min(rank, len(ordered) - 1)]


def summary_ms(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99/max of samples in seconds, as milliseconds."""
    return {
        name: percentile(samples, q) * 1000
        for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
    }


@dataclass
class Figure:
    """One measured figure, its baseline from the same run, and the SPEC §6 target if any."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    target: str | None = None
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline or math.isnan(self.baseline):
            return None
        return self.value / self.baseline

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _finite(self.value),
            "unit": self.unit,
            "baseline": _finite(self.baseline),
            "ratio": _finite(self.ratio),
            "target": self.target,
            "met": self.met,
        }


def _finite(value: float | None) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return round(value, 4)


@dataclass
class ScenarioResult:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    # name -> samples in seconds, for the chart (e.g. "tidings", "baseline").
    latencies: dict[str, list[float]] = field(default_factory=dict)
    # Everything else worth keeping: counts, CPU time, statements.
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def figure(self, *args: Any, **kwargs: Any) -> Figure:
        figure = Figure(*args, **kwargs)
        self.figures.append(figure)
        return figure

    def expect(self, what: str, expected: int, got: int) -> None:
        """Record a delivery check; a shortfall (or excess) is a problem."""
        self.details.setdefault("checks", {})[what] = {"expected": expected, "got": got}
        if got != expected:
            self.problems.append(f"{what}: expected {expected}, got {got}")

    @classmethod
    def from_json(cls, document: dict[str, Any], samples: dict[str, list[float]]) -> ScenarioResult:
        """A scenario of an earlier run, read back (for ``--merge``)."""
        result = cls(document["key"], document["title"], latencies=samples)
        for figure in document["figures"]:
            result.figure(
                figure["name"], math.nan if figure["value"] is None else figure["value"],
                figure["unit"], baseline=figure["baseline"], target=figure["target"],
                met=figure["met"],
            )  # fmt: skip
        result.details = document["details"]
        result.notes = document["notes"]
        result.problems = document["problems"]
        result.seconds = document["seconds"]
        return result

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "seconds": round(self.seconds, 1),
            "figures": [figure.as_json() for figure in self.figures],
            "latency_ms": {name: summary_ms(s) for name, s in self.latencies.items()},
            "details": self.details,
            "notes": self.notes,
            "problems": self.problems,
        }
