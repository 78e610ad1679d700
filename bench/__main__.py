"""``python -m bench``: run the scenarios of SPEC §6, each beside its baseline.

Options: ``--quick`` (small sizes, under a minute), ``--only abe`` (a subset), ``--set
name=value`` (override a size), ``--profile`` (py-spy on the server during each measured
phase), ``--no-compression`` (clients do not offer permessage-deflate). Exits non-zero unless
every scenario completes and delivers every message. Writes ``bench/results/latest.json``
and ``latest.png``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib.metadata
import json
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from redis.asyncio import Redis

from bench.report import chart, markdown, table, write_json
from bench.results import ScenarioResult
from bench.scenarios import SCENARIOS, Run
from bench.seed import seed
from bench.sizes import FULL, QUICK, Sizes
from bench.stack import REDIS_URL, open_stack, raise_open_files

RESULTS = Path(__file__).parent / "results"


class Progress:
    """Progress lines with the time since the run started."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, line: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {line}", flush=True)


def _host() -> dict[str, Any]:
    """What this machine is: CPU, cores, memory, kernel, Python, and the commit measured."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    packages = ("uvicorn", "starlette", "strawberry-graphql", "sqlalchemy", "asyncpg", "websockets")
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": {name: importlib.metadata.version(name) for name in packages},
        "commit": commit or None,
        "load_average_at_start": os.getloadavg(),
    }


async def _machine(sizes: Sizes, dsn: str) -> dict[str, Any]:
    connection = await asyncpg.connect(dsn)
    try:
        postgres = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    redis = Redis.from_url(REDIS_URL)
    redis_version = (await redis.info("server"))["redis_version"]
    await redis.aclose()
    return {
        **_host(),
        "mode": sizes.name,
        "postgresql": postgres,
        "redis": redis_version,
        "sizes": {k: getattr(sizes, k) for k in sizes.__slots__},
    }


def _merge(
    results_dir: Path, fresh: list[ScenarioResult], machine: dict[str, Any]
) -> list[ScenarioResult]:
    """This run's scenarios, and the previous run's others (``--merge``), in scenario order."""
    try:
        previous = json.loads((results_dir / "latest.json").read_text())
    except FileNotFoundError:
        return fresh
    stored = results_dir / "latest-samples.json"
    samples = json.loads(stored.read_text()) if stored.exists() else {}
    kept = {result.key: result for result in fresh}
    merged = machine.setdefault("merged_from_earlier_run", {})
    for document in previous["scenarios"]:
        if document["key"] not in kept:
            kept[document["key"]] = ScenarioResult.from_json(
                document, samples.get(document["key"], {})
            )
            earlier = previous["machine"].get("merged_from_earlier_run", {})
            merged[document["key"]] = earlier.get(document["key"], previous["machine"].get("date"))
    return [kept[key] for key in SCENARIOS if key in kept]


def _sizes(args: argparse.Namespace) -> Sizes:
    """The quick or full sizes, with any ``--set name=value`` applied."""
    sizes = QUICK if args.quick else FULL
    changes: dict[str, Any] = {}
    for item in args.set:
        name, _, value = item.partition("=")
        current = getattr(sizes, name, None)
        if current is None or name == "name":
            raise SystemExit(f"--set: no size named {name!r}")
        changes[name] = type(current)(value)
    return dataclasses.replace(sizes, **changes) if changes else sizes


async def _run(args: argparse.Namespace) -> int:
    # SIGTERM cancels the run, so servers stop and the database is dropped on the way out.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    sizes = _sizes(args)
    say = Progress()
    results_dir = Path(args.results)
    keys = [key for key in args.only if key in SCENARIOS]
    results: list[ScenarioResult] = []
    say(f"{sizes.name} run of scenarios {', '.join(keys)}")
    async with open_stack(results_dir / "logs", group_max=max(1000, sizes.group_size) + 1) as stack:
        machine = await _machine(sizes, stack.dsn())
        shown = time.monotonic()

        def seeding(line: str) -> None:
            nonlocal shown
            if time.monotonic() - shown > 3:
                shown = time.monotonic()
                say(line)

        say(f"seeding {sizes.users:,} users and {sizes.stored_messages:,} messages (COPY)")
        started = time.monotonic()
        data = await seed(stack.dsn(), sizes, stack.secret, progress=seeding)
        machine["seed_seconds"] = round(time.monotonic() - started, 1)
        say(f"seeded in {machine['seed_seconds']} s")
        run = Run(
            stack=stack, data=data, sizes=sizes, say=say, results=results_dir,
            compression=not args.no_compression, profile=args.profile,
        )  # fmt: skip
        for key in keys:
            title, scenario = SCENARIOS[key]
            say(f"({key}) {title}")
            started = time.monotonic()
            try:
                result = await asyncio.wait_for(scenario(run), args.timeout)
            except Exception as error:
                result = ScenarioResult(key, title)
                result.problems.append(f"did not complete: {type(error).__name__}: {error}")
                (results_dir / "logs").mkdir(parents=True, exist_ok=True)
                (results_dir / "logs" / f"scenario-{key}-error.txt").write_text(
                    traceback.format_exc()
                )
            result.seconds = time.monotonic() - started
            results.append(result)
            print(table([result]), flush=True)
    machine["load_average_at_end"] = os.getloadavg()
    if args.merge:
        results = _merge(results_dir, results, machine)
    write_json(results_dir / "latest.json", machine, results)
    samples = {result.key: result.latencies for result in results}
    (results_dir / "latest-samples.json").write_text(json.dumps(samples))
    (results_dir / "latest.md").write_text(markdown(results))
    drawn = chart(
        results_dir / "latest.png", results, f"Tidings benchmarks ({sizes.name}), {machine['date']}"
    )
    print("\n" + table(results))
    print(f"\nwrote {results_dir / 'latest.json'}" + (" and latest.png" if drawn else ""))
    failed = [r for r in results if r.problems]
    if failed:
        print(f"FAILED: {len(failed)} scenario(s) did not deliver everything", file=sys.stderr)
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--only", default="".join(SCENARIOS), help="scenario letters, e.g. ab")
    parser.add_argument("--profile", action="store_true", help="py-spy the server")
    parser.add_argument("--no-compression", action="store_true", help="no permessage-deflate")
    parser.add_argument("--results", default=str(RESULTS), help="where to write results")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per scenario")
    parser.add_argument(
        "--merge", action="store_true",
        help="keep the previous run's results of the scenarios not run now",
    )  # fmt: skip
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="override one size of bench/sizes.py, e.g. --set idle_sockets=2000",
    )  # fmt: skip
    args = parser.parse_args()
    if args.timeout is None:
        args.timeout = 120.0 if args.quick else 1800.0
    raise_open_files()
    try:
        import uvloop
    except ImportError:
        sys.exit(asyncio.run(_run(args)))
    sys.exit(uvloop.run(_run(args)))


if __name__ == "__main__":
    main()
