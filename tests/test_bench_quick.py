"""The benchmark harness works: ``python -m bench --quick`` drives real server processes
through every scenario and each one delivers every message. Nothing about speed is asserted
here; speed is what the full run (BENCHMARKS.md) measures.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import in_ci

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ["a", "b", "c", "d", "e", "f", "g", "h"]


def test_quick_benchmark_completes_and_delivers_everything(
    production_available: str | None, tmp_path: Path
) -> None:
    if production_available:
        pytest.skip(f"the benchmark needs PostgreSQL and Redis: {production_available}")
    missing = [name for name in ("aiohttp", "matplotlib") if importlib.util.find_spec(name) is None]
    if missing:
        reason = f"bench dependencies missing ({', '.join(missing)}): pip install -e '.[bench]'"
        if in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)

    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--results", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    output = f"stdout:\n{run.stdout[-6000:]}\nstderr:\n{run.stderr[-6000:]}"
    assert run.returncode == 0, output
    document = json.loads((tmp_path / "latest.json").read_text())
    scenarios = document["scenarios"]
    assert [scenario["key"] for scenario in scenarios] == SCENARIOS, output
    for scenario in scenarios:
        assert scenario["problems"] == [], scenario
        checks = scenario["details"].get("checks", {})
        assert checks, scenario  # every scenario checked what it delivered
        assert all(check["expected"] == check["got"] for check in checks.values()), checks
    assert (tmp_path / "latest.png").stat().st_size > 0
