"""The wheel an operator installs (issue 12): built from the repository, it carries the built
web client, and its ``tidings serve`` serves the client with no Node.js anywhere on the PATH.

The wheel's dependencies come from this environment (a fresh venv that sees .venv's
site-packages through a ``.pth`` file), so the test needs no network; the wheel itself goes
into the fresh venv's own site-packages and is the ``tidings`` that runs.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.support.web_bundle import linked_urls

pytestmark = pytest.mark.deployment

ROOT = Path(__file__).resolve().parent.parent
DEADLINE_SECONDS = 60  # a generous bound on waiting, not a performance assertion


def _run(
    *command: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=cwd,
        check=False,
    )
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result


def _build_wheel(directory: Path) -> Path:
    _run(sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
         "--wheel-dir", directory, ROOT)  # fmt: skip
    (wheel,) = directory.glob("tidings-*.whl")
    return wheel


def _fresh_venv(directory: Path, wheel: Path) -> Path:
    _run(sys.executable, "-m", "venv", "--without-pip", directory)
    python = directory / "bin" / "python"
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    Path(site.stdout.strip(), "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
         "--no-index", "--ignore-installed", wheel)  # fmt: skip
    return directory / "bin"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_an_installed_wheel_serves_the_web_client_without_node(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "wheels")
    names = zipfile.ZipFile(wheel).namelist()
    assert "tidings/web/dist/index.html" in names
    assert "tidings/web/dist/graphiql.html" in names
    assert "tidings/migrations/env.py" in names
    assert any(name.startswith("tidings/web/dist/assets/") for name in names)
    assert not any(name.startswith("web/") for name in names), "web client sources leaked in"

    bin_dir = _fresh_venv(tmp_path / "venv", wheel)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TIDINGS_")},
        "PATH": str(bin_dir),
    }
    assert shutil.which("node", path=env["PATH"]) is None
    where = _run(
        bin_dir / "python", "-c", "import tidings; print(tidings.__file__)", env=env, cwd=tmp_path
    )
    assert where.stdout.startswith(str(tmp_path / "venv")), "the wheel's tidings runs"

    port = _free_port()
    server = subprocess.Popen(
        [bin_dir / "tidings", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.2)
        page = httpx.get(f"{base}/", timeout=10)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-cache"
        scripts = [url for url in linked_urls(page.text) if url.endswith(".js")]
        assert scripts, page.text
        script = httpx.get(f"{base}{scripts[0]}", timeout=10)
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
        graphiql = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"}, timeout=10)
        assert all(url.startswith("/assets/") for url in linked_urls(graphiql.text))
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=DEADLINE_SECONDS)
