"""The web client's generated GraphQL types (web/src/gql) are what codegen makes of the
committed schema.graphql today: a schema change that is not regenerated fails here, not in a
user's browser."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, build_schema

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
GENERATED = WEB / "src" / "gql"
SCHEMA = ROOT / "schema.graphql"


def _npm() -> str:
    """The npm of .venv (Node.js from a wheel) if there, else the one on PATH."""
    venv_bin = ROOT / ".venv" / "bin"
    npm = shutil.which("npm", path=f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}")
    if npm is None:
        pytest.fail(
            "npm not found: install the dev extras (./dev installs Node.js into .venv) "
            "or put Node.js 20+ on PATH"
        )
    return npm


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    npm = _npm()
    if not (WEB / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
    out = tmp_path_factory.mktemp("gql")
    result = subprocess.run(
        [npm, "run", "--silent", "codegen"],
        cwd=WEB,
        env={**os.environ, "TIDINGS_CODEGEN_OUT": f"{out}/"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"codegen failed:\n{result.stdout}\n{result.stderr}"
    return out


def test_committed_types_match_codegen(generated: Path) -> None:
    fresh = sorted(p.name for p in generated.iterdir())
    committed = sorted(p.name for p in GENERATED.iterdir())
    assert fresh == committed
    _, differ, errors = filecmp.cmpfiles(generated, GENERATED, fresh, shallow=False)
    assert not errors
    assert not differ, (
        f"web/src/gql is out of date ({', '.join(differ)}): run `npm run codegen` in web/ "
        "and commit the result"
    )


def test_codegen_reads_the_committed_schema(generated: Path) -> None:
    """The enums and inputs the client uses are schema.graphql's, value for value and field
    for field: codegen reading another (stale) schema would differ."""
    schema = build_schema(SCHEMA.read_text())
    code = (generated / "graphql.ts").read_text()
    enums = {
        name: set(re.findall(r"'(\w+)'", body))
        for name, body in re.findall(r"^export type (\w+) =\n((?:  \| '\w+'[;\n]*)+)", code, re.M)
    }
    inputs = {
        name: set(re.findall(r"^  (\w+)\??:", body, re.M))
        for name, body in re.findall(r"^export type (\w+Input) = \{\n(.*?)^\};", code, re.M | re.S)
    }
    schema_enums = {
        name: set(t.values)
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLEnumType) and not name.startswith("__")
    }
    schema_inputs = {
        name: set(t.fields)
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLInputObjectType)
    }
    # Every enum of the API reaches the client (messages, presence, roles, kinds).
    assert enums == schema_enums
    assert inputs, "no input types generated"
    for name, fields in inputs.items():
        assert fields == schema_inputs[name], f"{name} differs from schema.graphql"
