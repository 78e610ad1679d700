"""graphql_examples/: every document is valid, every root field has one, and they really work."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)
from graphql import build_schema as build_sdl
from graphql.execution.values import get_variable_values

from tests.support.api import Api
from tests.support.server import RunningServer
from tidings.graphql.schema import build_schema

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "graphql_examples"
README = EXAMPLES / "README.md"
FOLDERS = {
    OperationType.QUERY: "queries",
    OperationType.MUTATION: "mutations",
    OperationType.SUBSCRIPTION: "subscriptions",
}
DOCUMENTS = sorted(EXAMPLES.glob("*/*.graphql"))


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_sdl(build_schema().as_str())


def _example(relative: str) -> str:
    return (EXAMPLES / relative).read_text()


def _operation(document: DocumentNode) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1, "one operation per example"
    return operations[0]


def _root_fields(path: Path) -> set[str]:
    operation = _operation(parse(path.read_text()))
    return {
        selection.name.value
        for selection in operation.selection_set.selections
        if isinstance(selection, FieldNode)
    }


def test_there_are_examples() -> None:
    assert {path.parent.name for path in DOCUMENTS} == set(FOLDERS.values())


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_example_is_a_valid_named_operation(schema: GraphQLSchema, path: Path) -> None:
    document = parse(path.read_text())
    assert validate(schema, document) == []
    operation = _operation(document)
    assert operation.name is not None, "name the operation, as clients should"
    assert path.parent.name == FOLDERS[operation.operation]
    assert path.stem in _root_fields(path), "name the file after the field it shows"


@pytest.mark.parametrize("operation", list(FOLDERS))
def test_every_root_field_has_an_example(schema: GraphQLSchema, operation: OperationType) -> None:
    root = schema.get_root_type(operation)
    assert root is not None
    used = {
        field
        for path in EXAMPLES.glob(f"{FOLDERS[operation]}/*.graphql")
        for field in _root_fields(path)
    }
    missing = sorted(set(root.fields) - used)
    assert not missing, f"add graphql_examples/{FOLDERS[operation]}/<field>.graphql for {missing}"


def _readme_variables() -> dict[str, str]:
    """The README's table: example path (without .graphql) → its variables as JSON."""
    rows = re.findall(r"^\| `([a-z]+/\w+)` \| (?:`(.*)`|none) \|$", README.read_text(), re.M)
    return {example: variables or "{}" for example, variables in rows}


def test_readme_lists_variables_for_every_example(schema: GraphQLSchema) -> None:
    table = _readme_variables()
    examples = {f"{path.parent.name}/{path.stem}" for path in DOCUMENTS}
    assert set(table) == examples
    for example, variables in table.items():
        operation = _operation(parse(_example(f"{example}.graphql")))
        definitions = operation.variable_definitions or ()
        coerced = get_variable_values(schema, definitions, json.loads(variables))
        assert not isinstance(coerced, list), f"{example}: {coerced}"


async def test_examples_run_in_order(api: Api) -> None:
    """Sign up, start a conversation, send a message and read it back, using the examples."""
    register = _example("mutations/register.graphql")

    async def sign_up(username: str) -> dict[str, Any]:
        variables = {
            "input": {
                "username": username,
                "email": f"{username}@example.com",
                "password": "correct horse battery",
                "displayName": username.title(),
            }
        }
        payload: dict[str, Any] = (await api.data(register, variables))["register"]
        return payload

    alice = await sign_up("alice")
    bob = await sign_up("bob")
    token = alice["accessToken"]

    created = await api.data(
        _example("mutations/createConversation.graphql"),
        {"input": {"kind": "DIRECT", "participantIds": [bob["user"]["id"]]}},
        token=token,
    )
    conversation = created["createConversation"]
    assert conversation["kind"] == "DIRECT"
    assert conversation["displayTitle"] == "Bob"

    sent = await api.data(
        _example("mutations/sendMessage.graphql"),
        {
            "input": {
                "conversationId": conversation["id"],
                "content": "Hi Bob!",
                "clientMessageId": "hello-1",
            }
        },
        token=token,
    )
    message = sent["sendMessage"]
    assert message["seq"] == 1
    assert message["sender"] == {"id": alice["user"]["id"], "displayName": "Alice"}

    history = await api.data(
        _example("queries/messages.graphql"),
        {"conversationId": conversation["id"]},
        token=bob["accessToken"],
    )
    nodes = [edge["node"] for edge in history["messages"]["edges"]]
    assert [(node["id"], node["content"]) for node in nodes] == [(message["id"], "Hi Bob!")]

    inbox = await api.data(_example("queries/conversations.graphql"), token=bob["accessToken"])
    [edge] = inbox["conversations"]["edges"]
    assert edge["node"]["unreadCount"] == 1
    assert edge["node"]["lastMessage"]["content"] == "Hi Bob!"


def _readme_curl_walkthrough() -> str:
    section = README.read_text().split("## With curl", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return block.group(1)


def _json_values(text: str) -> list[Any]:
    """The JSON documents curl printed back to back."""
    decoder, values, position = json.JSONDecoder(), [], 0
    while position < len(text.rstrip()):
        value, position = decoder.raw_decode(text, position)
        values.append(value)
        while position < len(text) and text[position].isspace():
            position += 1
    return values


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")
async def test_readme_curl_walkthrough_works(server: RunningServer) -> None:
    script = _readme_curl_walkthrough().replace("http://127.0.0.1:8000", server.http_url)
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        "set -eo pipefail\n" + script,
        cwd=ROOT,
        env={**os.environ},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    # The three commands that print: sendMessage, messages, conversations.
    sent, history, inbox = _json_values(stdout.decode())
    assert sent["data"]["sendMessage"]["content"] == "Hi Bob!"
    assert [edge["node"]["content"] for edge in history["data"]["messages"]["edges"]] == ["Hi Bob!"]
    assert inbox["data"]["conversations"]["edges"][0]["node"]["displayTitle"] == "bob"
