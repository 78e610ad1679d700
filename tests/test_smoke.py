from __future__ import annotations

from tests.support.api import Api


async def test_registered_user_sees_themselves(api: Api) -> None:
    alice = await api.register("alice", display_name="Alice")
    data = await api.data(
        "{ me { email user { id username displayName } } }", token=alice.access_token
    )
    assert data["me"] == {
        "email": "alice@example.com",
        "user": {"id": alice.id, "username": "alice", "displayName": "Alice"},
    }
