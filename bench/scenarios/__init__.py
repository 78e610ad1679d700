"""The scenarios of SPEC §6, each measured beside its baseline in the same run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bench.results import ScenarioResult
from bench.scenarios import (
    fan_out,
    idle_sockets,
    mixed_load,
    one_to_one,
    paced_group,
    reads,
    search,
    throughput,
)
from bench.scenarios._shared import Run

__all__ = ["SCENARIOS", "Run"]

SCENARIOS: dict[str, tuple[str, Callable[[Run], Awaitable[ScenarioResult]]]] = {
    "a": ("1:1 traffic", one_to_one.run),
    "b": ("group fan-out", fan_out.run),
    "c": ("sendMessage throughput", throughput.run),
    "d": ("history page and inbox", reads.run),
    "e": ("idle sockets", idle_sockets.run),
    "f": ("mixed load", mixed_load.run),
    "g": ("paced group", paced_group.run),
    "h": ("message search", search.run),
}
