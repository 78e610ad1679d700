"""Sampling the server with py-spy while a scenario runs, and saying where the time went.

py-spy writes collapsed stacks (``frame;frame;frame count``); the summary lists the functions
with the most samples on the stack (inclusive) and at its top (self), Tidings' own first.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

__all__ = ["profiled", "summarize"]


@asynccontextmanager
async def profiled(pid: int, output: Path, *, rate: int = 200) -> AsyncIterator[None]:
    """Record ``pid`` with py-spy into ``output.txt`` (collapsed) and ``output-top.txt``."""
    beside = Path(sys.executable).parent / "py-spy"
    spy = str(beside) if beside.exists() else shutil.which("py-spy")
    if spy is None:
        raise RuntimeError("py-spy is not installed (pip install -e '.[bench]')")
    raw = output.with_suffix(".txt")
    process = await asyncio.create_subprocess_exec(
        spy, "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw",
        "--output", str(raw), "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(1)  # py-spy attaches
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        await process.wait()
        if raw.exists():
            output.with_name(output.name + "-top.txt").write_text(summarize(raw))


def _name(frame: str) -> str:
    """``function (path/to/module.py:123)`` -> ``function (module.py)``."""
    function, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/tidings/", "/bench/"):
        if marker in path:
            path = ("tidings/" if marker == "/tidings/" else "") + path.split(marker, 1)[1]
            break
    return f"{function} ({path})"


# Where a sample's own time is spent, by the package of the frame at the top of the stack
# (first match wins). The table in BENCHMARKS.md ("where the time goes") reads these.
_LAYERS = (
    ("asyncpg/", "PostgreSQL driver (asyncpg)"),
    ("aiosqlite/", "SQLite driver (aiosqlite)"),
    ("sqlalchemy/", "SQLAlchemy (Core, ORM, pool)"),
    ("sqlmodel/", "SQLAlchemy (Core, ORM, pool)"),
    ("graphql/", "graphql-core (validation, execution)"),
    ("strawberry/", "Strawberry (view, schema, resolvers' wrappers)"),
    ("uvicorn/", "HTTP and WebSocket server (uvicorn, Starlette)"),
    ("starlette/", "HTTP and WebSocket server (uvicorn, Starlette)"),
    ("httptools", "HTTP and WebSocket server (uvicorn, Starlette)"),
    ("websockets/", "HTTP and WebSocket server (uvicorn, Starlette)"),
    ("redis/", "Redis client (rate limits, publish)"),
    ("limits/", "Redis client (rate limits, publish)"),
    ("broadcaster/", "Redis client (rate limits, publish)"),
    ("jwt/", "JWT"),
    ("structlog/", "logging and metrics"),
    ("logging/", "logging and metrics"),
    ("prometheus_client/", "logging and metrics"),
    ("json/", "JSON"),
    ("orjson", "JSON"),
    ("pydantic", "pydantic (models, settings)"),
    ("tidings/", "Tidings' own code"),
    ("asyncio/", "event loop (asyncio, uvloop)"),
    ("uvloop", "event loop (asyncio, uvloop)"),
    ("contextlib", "event loop (asyncio, uvloop)"),
)


def _layer(frame: str) -> str:
    for marker, layer in _LAYERS:
        if marker in frame:
            return layer
    return "other (standard library, builtins)"


def summarize(raw: Path, top: int = 40) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_name(f) for f in stack.split(";")]
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
        layers[_layer(frames[-1])] += count
    if not total:
        return "no samples\n"
    lines = [f"{total} samples\n", "self time by layer (the package at the top of the stack):"]
    lines += [f"  {n * 100 / total:5.1f}%  {name}" for name, n in layers.most_common()]
    lines.append("\ninclusive (on the stack):")
    lines += [f"  {n * 100 / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines.append("\nself (at the top of the stack):")
    lines += [f"  {n * 100 / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    ours = [(name, n) for name, n in inclusive.most_common() if "(tidings/" in name]
    lines.append("\nTidings' own functions, inclusive:")
    lines += [f"  {n * 100 / total:5.1f}%  {name}" for name, n in ours[:top]]
    return "\n".join(lines) + "\n"
