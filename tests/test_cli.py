"""The ``tidings`` command, run as an operator would: a real process, configured by environment."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import SQLModel
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tidings import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from tidings.graphql.schema import build_schema

ROOT = Path(__file__).resolve().parent.parent
STARTUP_DEADLINE_SECONDS = 60  # a generous bound on waiting, not a performance assertion


def _environment(**overrides: str) -> dict[str, str]:
    """This environment without any TIDINGS_* setting, plus ``overrides``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("TIDINGS_")}
    return {**env, **overrides}


def _tidings(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tidings", *args],
        cwd=cwd,
        env=env or _environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_export_schema_prints_the_sdl(tmp_path: Path) -> None:
    result = _tidings("export-schema", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == build_schema().as_str() + "\n"
    assert "type Query {" in result.stdout


def test_export_schema_writes_a_file(tmp_path: Path) -> None:
    result = _tidings("export-schema", "-o", "schema.graphql", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "schema.graphql").read_text() == build_schema().as_str() + "\n"


def test_migrate_creates_the_tables(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    env = _environment(TIDINGS_DATABASE_URL=f"sqlite+aiosqlite:///{database}")

    result = _tidings("migrate", cwd=tmp_path, env=env)

    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {name for (name,) in rows}
    finally:
        connection.close()
    assert {table.name for table in SQLModel.metadata.sorted_tables} | {"alembic_version"} <= tables
    # Running it again changes nothing and still succeeds.
    assert _tidings("migrate", cwd=tmp_path, env=env).returncode == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def environment() -> dict[str, str]:
    """The environment ``embedded_server`` runs in: nothing configured, unless a test adds."""
    return _environment()


@pytest.fixture
def embedded_server(
    tmp_path: Path, environment: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """``tidings serve`` in an empty directory, configured by ``environment`` (nothing, unless
    a test parametrizes it): (process, url, log)."""
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tidings", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, f"http://127.0.0.1:{port}", log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"tidings serve exited early:\n{log.read_text()}"
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"tidings serve did not come up:\n{log.read_text()}")


def test_serve_embedded_default_answers_and_stops_on_sigterm(
    tmp_path: Path, embedded_server: tuple[subprocess.Popen[bytes], str, Path]
) -> None:
    process, url, log = embedded_server
    _wait_until_healthy(process, url, log)

    assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
    response = httpx.post(
        f"{url}/graphql",
        json={
            "query": "mutation R($input: RegisterInput!) "
            "{ register(input: $input) { accessToken user { username } } }",
            "variables": {
                "input": {
                    "username": "alice",
                    "email": "alice@example.com",
                    "password": "correct horse battery",
                }
            },
        },
        timeout=30,
    )
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["register"]["user"] == {"username": "alice"}
    assert body["data"]["register"]["accessToken"]
    # Zero setup: the database and its signing secret were created beside it.
    assert (tmp_path / "tidings.db").exists()
    assert (tmp_path / "tidings.db.jwt-secret").exists()

    process.send_signal(signal.SIGTERM)
    returncode = process.wait(timeout=STARTUP_DEADLINE_SECONDS)
    # uvicorn shuts down gracefully, then re-raises the signal it caught, as a process should.
    assert returncode in (0, -signal.SIGTERM), log.read_text()
    # Logs are JSON, one object per line, and say the shutdown completed.
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    events = [json.loads(line)["event"] for line in lines]
    assert "Application shutdown complete." in events, events


@pytest.mark.parametrize("environment", [_environment(TIDINGS_MAX_BODY_BYTES="4096")])
def test_serve_limits_websocket_messages_as_request_bodies(
    embedded_server: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, url, log = embedded_server
    _wait_until_healthy(process, url, log)

    ws_url = url.replace("http://", "ws://") + "/graphql"
    with connect(ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as websocket:
        websocket.send(json.dumps({"type": "connection_init", "payload": {"x": "y" * 5000}}))
        with pytest.raises(ConnectionClosedError) as closed:
            websocket.recv(timeout=30)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
    assert "4096 bytes" in closed.value.rcvd.reason, closed.value.rcvd.reason


def test_serve_with_postgres_and_no_secret_refuses_to_start(tmp_path: Path) -> None:
    env = _environment(TIDINGS_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/tidings")

    result = _tidings("serve", "--port", str(_free_port()), cwd=tmp_path, env=env)

    assert result.returncode != 0
    assert "TIDINGS_JWT_SECRET" in result.stderr
    assert "Traceback" not in result.stderr, "a configuration mistake deserves a clean message"
    assert len(result.stderr.strip().splitlines()) <= 3


def test_serve_with_a_weak_secret_refuses_to_start(tmp_path: Path) -> None:
    env = _environment(
        TIDINGS_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/tidings",
        TIDINGS_JWT_SECRET="changeme",
    )

    result = _tidings("serve", "--port", str(_free_port()), cwd=tmp_path, env=env)

    assert result.returncode != 0
    assert "TIDINGS_JWT_SECRET must be at least 32" in result.stderr
    assert "Traceback" not in result.stderr
