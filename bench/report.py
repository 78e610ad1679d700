"""The run's output: a table on the terminal, a JSON file and a PNG of latency distributions."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench.results import Figure, ScenarioResult

__all__ = ["chart", "markdown", "table", "write_json"]


def _number(value: float | None, unit: str = "") -> str:
    if value is None or math.isnan(value):
        return "—"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def _met(figure: Figure) -> str:
    return {True: "yes", False: "NO", None: ""}[figure.met]


def table(results: list[ScenarioResult]) -> str:
    """Every figure beside its baseline, the ratio, and the SPEC §6 target."""
    header = f"  {'figure':<38}{'tidings':>14}{'baseline':>14}{'ratio':>9}  {'target':<20}met"
    lines = [header, "  " + "-" * (len(header) - 2)]
    for result in results:
        lines.append(f"({result.key}) {result.title}  [{result.seconds:.0f} s]")
        for figure in result.figures:
            ratio = figure.ratio
            lines.append(
                f"  {figure.name:<38}{_number(figure.value, figure.unit):>14}"
                f"{_number(figure.baseline, figure.unit):>14}"
                f"{'—' if ratio is None else f'{ratio:.2f}×':>9}  "
                f"{figure.target or '':<20}{_met(figure)}"
            )
        for note in result.notes:
            lines.append(f"  note: {note}")
        for problem in result.problems:
            lines.append(f"  PROBLEM: {problem}")
    return "\n".join(lines)


def markdown(results: list[ScenarioResult]) -> str:
    """The same table in Markdown, for BENCHMARKS.md."""
    lines = [
        "| scenario | figure | Tidings | baseline | ratio | target | met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for result in results:
        for index, figure in enumerate(result.figures):
            ratio = figure.ratio
            lines.append(
                f"| {f'({result.key}) {result.title}' if index == 0 else ''} | {figure.name} "
                f"| {_number(figure.value, figure.unit)} | {_number(figure.baseline, figure.unit)} "
                f"| {'—' if ratio is None else f'{ratio:.2f}×'} | {figure.target or ''} "
                f"| {_met(figure)} |"
            )
    return "\n".join(lines) + "\n"


def write_json(path: Path, machine: dict[str, Any], results: list[ScenarioResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"machine": machine, "scenarios": [result.as_json() for result in results]}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


def chart(path: Path, results: list[ScenarioResult], title: str) -> bool:
    """Cumulative latency distributions, one panel per latency a scenario measured."""
    try:
        import matplotlib
    except ImportError:  # the chart is the one output that needs it
        print("matplotlib is not installed: no chart (pip install -e '.[bench]')")
        return False

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    panels: list[tuple[str, dict[str, list[float]]]] = []
    for result in results:
        groups: dict[str, dict[str, list[float]]] = {}
        for name, samples in result.latencies.items():
            # "tidings history" and "baseline history" share the "history" panel.
            side, _, what = name.partition(" ")
            groups.setdefault(what, {})[side] = samples
        for what, series in groups.items():
            label = f"({result.key}) {result.title}" + (f": {what}" if what else "")
            panels.append((label, series))
    if not panels:
        return False
    columns = 2
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(12, 3.6 * rows), squeeze=False)
    for axis, (label, series) in zip(axes.flat, panels, strict=False):
        for side, samples in series.items():
            if not samples:
                continue
            ordered = sorted(x * 1000 for x in samples)
            fractions = [(i + 1) / len(ordered) for i in range(len(ordered))]
            axis.step(ordered, fractions, where="post", label=f"{side} (n={len(ordered):,})")
        axis.set_xscale("log")
        axis.xaxis.set_minor_formatter(NullFormatter())  # minor labels overlap on short ranges
        axis.set_xlabel("latency (ms, log scale)")
        axis.set_ylabel("fraction ≤ x")
        axis.set_title(label, fontsize=9)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8, loc="lower right")
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_visible(False)
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
