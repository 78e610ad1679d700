"""``tidings admin``, run as an operator would (a real process, configured by environment)
beside a running server, on both configurations."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.api import Api
from tests.support.chat import DELETE_MESSAGE, code_of, create, send
from tests.support.server import RunningServer, run_server
from tests.support.ws import GraphQLSocket, SocketClosed, bearer, graphql_socket
from tidings.settings import Settings

PASSWORD = "correct horse battery"
README = Path(__file__).resolve().parent.parent / "README.md"
ME = "query { me { isAdmin user { username } } }"
LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }
"""


def _environment(settings: Settings) -> dict[str, str]:
    """The environment an operator's shell would have for the deployment of ``settings``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("TIDINGS_")}
    for name in (
        "database_url",
        "redis_url",
        "redis_namespace",
        "argon2_time_cost",
        "argon2_memory_kib",
        "argon2_parallelism",
    ):
        value = getattr(settings, name)
        if value is not None:
            env[f"TIDINGS_{name.upper()}"] = str(value)
    assert settings.jwt_secret is not None
    env["TIDINGS_JWT_SECRET"] = settings.jwt_secret.get_secret_value()
    return env


async def _admin(
    settings: Settings, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``tidings admin ARGS``, off the event loop so the server in this process answers."""
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tidings", "admin", *args],
        env=_environment(settings),
        input=stdin or "",  # a pipe, never the terminal pytest runs in
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _login(api: Api, username: str) -> dict[str, Any]:
    return await api.execute(LOGIN, {"input": {"usernameOrEmail": username, "password": PASSWORD}})


async def _token(api: Api, username: str) -> str:
    body = await _login(api, username)
    assert "errors" not in body, body
    token: str = body["data"]["login"]["accessToken"]
    return token


async def test_create_user_makes_an_account_that_logs_in(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(registration="closed")
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        made = await _admin(
            settings, "create-user", "root", "--email", "Root@Example.com", "--admin",
            "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
        taken = await _admin(
            settings, "create-user", "ROOT", "--email", "other@example.com",
            "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
        short = await _admin(
            settings, "create-user", "bob", "--email", "bob@example.com",
            "--password-stdin", stdin="short\n",
        )  # fmt: skip
        no_terminal = await _admin(settings, "create-user", "bob", "--email", "b@example.com")
        me = (await api.data(ME, token=await _token(api, "root@example.com")))["me"]

    assert made.returncode == 0, made.stderr
    assert "created server admin root" in made.stdout
    assert me == {"isAdmin": True, "user": {"username": "root"}}
    assert (taken.returncode, taken.stderr.strip()) == (1, "tidings: That username is taken")
    assert short.returncode == 1
    assert "password" in short.stderr.lower()
    assert no_terminal.returncode == 1
    assert "--password-stdin" in no_terminal.stderr


async def test_promote_demote_reactivate_and_unknown_users(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice = await api.register("alice", password=PASSWORD)
        promoted = await _admin(settings, "promote", "alice")
        as_admin = (await api.data(ME, token=alice.access_token))["me"]["isAdmin"]
        demoted = await _admin(settings, "demote", "alice@example.com")
        as_user = (await api.data(ME, token=alice.access_token))["me"]["isAdmin"]
        await _admin(settings, "deactivate", "alice")
        refused = await _login(api, "alice")
        reactivated = await _admin(settings, "reactivate", "alice")
        welcome = await _login(api, "alice")
        unknown = await _admin(settings, "promote", "nobody")

    assert (promoted.returncode, demoted.returncode, reactivated.returncode) == (0, 0, 0)
    assert (as_admin, as_user) == (True, False)
    assert code_of(refused["errors"][0]) == "FORBIDDEN"
    assert "errors" not in welcome
    assert unknown.returncode == 1
    assert "No user 'nobody'" in unknown.stderr


async def test_deactivate_ends_the_users_sessions_and_sockets(
    make_settings: Callable[..., Settings], backend: str
) -> None:
    settings = make_settings()
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice = await api.register("alice", password=PASSWORD)
        bob = await api.register("bob", password=PASSWORD)
        async with graphql_socket(server.ws_url, alice.access_token) as socket:
            done = await _admin(settings, "deactivate", "alice")
            if backend == "production":
                # Through Redis the running server hears it and closes the socket at once.
                assert await socket.closed() == 4401
        refused = await _login(api, "alice")
        stale = await api.execute(ME, token=alice.access_token)
        reopened = await _reopen(server, alice.access_token)
        bob_me = (await api.data(ME, token=bob.access_token))["me"]

    assert done.returncode == 0, done.stderr
    assert "deactivated alice; ended 1 session(s)" in done.stdout
    # The embedded default's hub is in-process: the command says what it could not reach.
    assert ("without Redis" in done.stderr) == (backend == "embedded")
    assert code_of(refused["errors"][0]) == "FORBIDDEN"
    if backend == "production":
        assert code_of(stale["errors"][0]) == "UNAUTHENTICATED"
    # (Embedded, the server may trust the session it checked a moment ago for up to
    # TIDINGS_SESSION_CACHE_SECONDS: nothing told it otherwise.)
    assert reopened == 4403
    assert bob_me["user"]["username"] == "bob"


async def _reopen(server: RunningServer, token: str) -> int | None:
    """The close code of a new socket signing in with ``token``."""
    async with GraphQLSocket.connect(server.ws_url) as socket:
        try:
            await socket.init(bearer(token))
        except SocketClosed as closed:
            return closed.code
        return await socket.closed()


async def test_an_invite_from_the_command_line_signs_someone_up(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(registration="invite")
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        made = await _admin(settings, "invite", "--expires-in-days", "7")
        code = made.stdout.strip()
        registered = await api.execute(
            "mutation R($input: RegisterInput!) { register(input: $input) { user { username } } }",
            {
                "input": {
                    "username": "alice",
                    "email": "alice@example.com",
                    "password": PASSWORD,
                    "inviteCode": code,
                }
            },
        )
        bad = await _admin(settings, "invite", "--expires-in-days", "0")

    assert made.returncode == 0, made.stderr
    assert registered["data"]["register"]["user"]["username"] == "alice", registered
    assert bad.returncode == 1


async def test_the_audit_log_shows_who_did_what_to_whom_newest_first(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice, bob, carol = [await api.register(name) for name in ("alice", "bob", "carol")]
        await _admin(settings, "promote", "alice")
        direct = await create(api, bob, "DIRECT", carol)
        message = await send(api, bob, direct["id"], "spam")
        await api.data(DELETE_MESSAGE, {"messageId": message["id"]}, token=alice.access_token)
        printed = await _admin(settings, "audit", "--limit", "2")
        too_many = await _admin(settings, "audit", "--limit", "1001")

    assert printed.returncode == 0, printed.stderr
    deleted, promoted = [json.loads(line) for line in printed.stdout.splitlines()]
    assert {key: deleted[key] for key in ("action", "actor", "target_user")} == {
        "action": "delete_message",
        "actor": {"id": alice.id, "username": "alice"},
        "target_user": {"id": bob.id, "username": "bob"},
    }
    assert (deleted["conversation_id"], deleted["message_id"]) == (direct["id"], message["id"])
    assert deleted["at"].endswith("Z")
    assert {key: promoted[key] for key in ("action", "actor", "target_user")} == {
        "action": "promote",
        "actor": None,  # the operator, at the command line
        "target_user": {"id": alice.id, "username": "alice"},
    }
    assert too_many.returncode == 1
    assert "--limit" in too_many.stderr


def test_the_readmes_administration_commands_work_as_written(tmp_path: Path) -> None:
    section = README.read_text().split("## Administration", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "the Administration section has a sh block"
    script = match.group(1).replace(".venv/bin/tidings", f"{sys.executable} -m tidings")
    env = {name: value for name, value in os.environ.items() if not name.startswith("TIDINGS_")}
    env["TIDINGS_ARGON2_MEMORY_KIB"] = "1024"

    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("created server admin root")
    assert "deactivated alice; ended 0 session(s)" in lines
    code_at = next(i for i, line in enumerate(lines) if re.fullmatch(r"[\w-]{16}", line))
    audit = [json.loads(line) for line in lines[code_at + 1 :]]
    newest = ["create_invite", "reactivate", "deactivate", "demote", "promote"]
    assert [entry["action"] for entry in audit][:5] == newest
