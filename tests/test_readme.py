"""The README's walkthrough, run as written against a real server."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

from tests.support.api import Api
from tests.support.chat import create, send
from tests.support.server import RunningServer

README = Path(__file__).resolve().parent.parent / "README.md"


def _walkthrough() -> str:
    text = README.read_text()
    section = text.split("## Walkthrough", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "the walkthrough has a sh block"
    return match.group(1)


async def test_walkthrough_commands_work_as_written(server: RunningServer) -> None:
    script = _walkthrough().replace(
        "API=http://127.0.0.1:8000/graphql", f"API={server.http_url}/graphql"
    )
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-euo",
        "pipefail",
        "-c",
        script,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    responses = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
    assert all("errors" not in response for response in responses), responses
    first, second, inbox, read, inbox_after = responses
    assert first["data"]["sendMessage"] == {"seq": 1, "content": "Hi Bob!"}
    assert second["data"]["sendMessage"]["seq"] == 2
    (conversation,) = inbox["data"]["conversations"]["edges"]
    assert conversation["node"]["displayTitle"] == "Alice"
    assert conversation["node"]["unreadCount"] == 2
    assert conversation["node"]["lastMessage"]["content"] == "Lunch?"
    assert read["data"]["markRead"] == {"lastReadSeq": 2}
    assert inbox_after["data"]["conversations"]["edges"][0]["node"]["unreadCount"] == 0


def _subscription_script() -> str:
    text = README.read_text()
    section = text.split("**From a script**", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the subscription section has a python block"
    return match.group(1)


async def test_subscription_script_receives_a_message(server: RunningServer) -> None:
    async with Api.connect(server.http_url) as api:
        alice = await api.register("alice")
        bob = await api.register("bob")
        script = (
            _subscription_script()
            .replace("ws://127.0.0.1:8000/graphql", server.ws_url)
            .replace("<access token>", bob.access_token)
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, stdout=asyncio.subprocess.PIPE
        )
        assert process.stdout is not None
        try:
            ack = await asyncio.wait_for(process.stdout.readline(), 20)
            assert json.loads(ack)["type"] == "connection_ack"
            conversation = await create(api, alice, "DIRECT", bob)
            # Resend until the subscription (started just after the ack) hears one.
            for attempt in range(50):
                await send(api, alice, conversation["id"], f"hello {attempt}")
                try:
                    line = await asyncio.wait_for(process.stdout.readline(), 0.5)
                except TimeoutError:
                    continue
                frame = json.loads(line)
                assert frame["type"] == "next"
                added = frame["payload"]["data"]["messageAdded"]
                assert added["content"].startswith("hello")
                assert added["sender"]["username"] == "alice"
                break
            else:
                raise AssertionError("the README's script never printed a message")
        finally:
            process.kill()
            await process.wait()
