"""Profile, settings, finding people and looking them up (SPEC §2, §4)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Account, Api

ME = """
{ me { email user { id username displayName avatarUrl }
       settings { shareReadReceipts sharePresence } } }
"""
UPDATE_PROFILE = """
mutation Update($input: UpdateProfileInput!) {
  updateProfile(input: $input) { id username displayName avatarUrl }
}
"""
UPDATE_SETTINGS = """
mutation Update($input: UpdateSettingsInput!) {
  updateSettings(input: $input) { shareReadReceipts sharePresence }
}
"""
SEARCH = """
query Search($q: String!, $first: Int) {
  searchUsers(query: $q, first: $first) { id username displayName }
}
"""
USER = "query User($id: ID!) { user(id: $id) { id username displayName avatarUrl createdAt } }"


async def _me(api: Api, account: Account) -> dict[str, Any]:
    me: dict[str, Any] = (await api.data(ME, token=account.access_token))["me"]
    return me


async def _found(api: Api, account: Account, query: str, first: int | None = None) -> list[str]:
    variables: dict[str, Any] = {"q": query}
    if first is not None:
        variables["first"] = first
    data = await api.data(SEARCH, variables, token=account.access_token)
    return [user["username"] for user in data["searchUsers"]]


# --- updateProfile --------------------------------------------------------------------------


async def test_update_profile_changes_what_everyone_sees(api: Api) -> None:
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob")
    data = await api.data(
        UPDATE_PROFILE,
        {"input": {"displayName": "  Alice Liddell  ", "avatarUrl": "https://img.example/a.png"}},
        token=alice.access_token,
    )
    expected = {
        "id": alice.id,
        "username": "alice",
        "displayName": "Alice Liddell",
        "avatarUrl": "https://img.example/a.png",
    }
    assert data["updateProfile"] == expected

    assert (await _me(api, alice))["user"] == expected
    seen_by_bob = (await api.data(USER, {"id": alice.id}, token=bob.access_token))["user"]
    assert {key: seen_by_bob[key] for key in expected} == expected


async def test_update_profile_leaves_omitted_fields_alone(api: Api) -> None:
    alice = await api.register("alice", display_name="Alice")
    await api.data(
        UPDATE_PROFILE,
        {"input": {"avatarUrl": "http://img.example/a.png"}},
        token=alice.access_token,
    )
    user = (await _me(api, alice))["user"]
    assert user["displayName"] == "Alice"
    assert user["avatarUrl"] == "http://img.example/a.png"

    await api.data(UPDATE_PROFILE, {"input": {"displayName": "Al"}}, token=alice.access_token)
    user = (await _me(api, alice))["user"]
    assert user["displayName"] == "Al"
    assert user["avatarUrl"] == "http://img.example/a.png"


async def test_empty_avatar_url_clears_it(api: Api) -> None:
    alice = await api.register("alice")
    await api.data(
        UPDATE_PROFILE,
        {"input": {"avatarUrl": "https://img.example/a.png"}},
        token=alice.access_token,
    )
    data = await api.data(UPDATE_PROFILE, {"input": {"avatarUrl": ""}}, token=alice.access_token)
    assert data["updateProfile"]["avatarUrl"] is None
    assert (await _me(api, alice))["user"]["avatarUrl"] is None


async def test_display_name_length_boundaries(api: Api) -> None:
    alice = await api.register("alice", display_name="Alice")
    for name in ["A", "é" * 100, "名" * 100]:
        data = await api.data(
            UPDATE_PROFILE, {"input": {"displayName": name}}, token=alice.access_token
        )
        assert data["updateProfile"]["displayName"] == name
    # 100 code points after trimming is fine even with padding around it.
    padded = "  " + "b" * 100 + "  "
    data = await api.data(
        UPDATE_PROFILE, {"input": {"displayName": padded}}, token=alice.access_token
    )
    assert data["updateProfile"]["displayName"] == "b" * 100


@pytest.mark.parametrize("name", ["", "   ", "\t\n", "x" * 101])
async def test_bad_display_name_is_refused_and_changes_nothing(api: Api, name: str) -> None:
    alice = await api.register("alice", display_name="Alice")
    error = await api.error(
        UPDATE_PROFILE, {"input": {"displayName": name}}, token=alice.access_token
    )
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "displayName"}
    assert (await _me(api, alice))["user"]["displayName"] == "Alice"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://img.example/a.png",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "file:///etc/passwd",
        "img.example/a.png",
        "https://",
        "not a url",
        "https://img.example/" + "a" * 2048,
    ],
)
async def test_bad_avatar_url_is_refused_and_changes_nothing(api: Api, url: str) -> None:
    alice = await api.register("alice", display_name="Alice")
    await api.data(
        UPDATE_PROFILE,
        {"input": {"avatarUrl": "https://img.example/old.png"}},
        token=alice.access_token,
    )
    # A valid display name in the same request is not applied either: all or nothing.
    error = await api.error(
        UPDATE_PROFILE,
        {"input": {"displayName": "Mallory", "avatarUrl": url}},
        token=alice.access_token,
    )
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "avatarUrl"}
    user = (await _me(api, alice))["user"]
    assert user["displayName"] == "Alice"
    assert user["avatarUrl"] == "https://img.example/old.png"


async def test_update_profile_needs_a_session(api: Api) -> None:
    error = await api.error(UPDATE_PROFILE, {"input": {"displayName": "Nobody"}})
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_profile_change_is_only_the_viewers(api: Api) -> None:
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob", display_name="Bob")
    await api.data(UPDATE_PROFILE, {"input": {"displayName": "Alicia"}}, token=alice.access_token)
    assert (await _me(api, bob))["user"]["displayName"] == "Bob"


# --- updateSettings -------------------------------------------------------------------------


async def test_settings_default_to_sharing(api: Api) -> None:
    alice = await api.register("alice")
    assert (await _me(api, alice))["settings"] == {
        "shareReadReceipts": True,
        "sharePresence": True,
    }


async def test_update_settings_changes_only_what_is_given(api: Api) -> None:
    alice = await api.register("alice")
    data = await api.data(
        UPDATE_SETTINGS, {"input": {"shareReadReceipts": False}}, token=alice.access_token
    )
    assert data["updateSettings"] == {"shareReadReceipts": False, "sharePresence": True}
    assert (await _me(api, alice))["settings"] == data["updateSettings"]

    data = await api.data(
        UPDATE_SETTINGS, {"input": {"sharePresence": False}}, token=alice.access_token
    )
    assert data["updateSettings"] == {"shareReadReceipts": False, "sharePresence": False}

    data = await api.data(UPDATE_SETTINGS, {"input": {}}, token=alice.access_token)
    assert data["updateSettings"] == {"shareReadReceipts": False, "sharePresence": False}

    data = await api.data(
        UPDATE_SETTINGS,
        {"input": {"shareReadReceipts": True, "sharePresence": True}},
        token=alice.access_token,
    )
    assert data["updateSettings"] == {"shareReadReceipts": True, "sharePresence": True}


async def test_settings_belong_to_the_account_not_the_session(api: Api) -> None:
    alice = await api.register("alice")
    await api.data(UPDATE_SETTINGS, {"input": {"sharePresence": False}}, token=alice.access_token)
    login = await api.data(
        "mutation L($i: LoginInput!) { login(input: $i) { accessToken } }",
        {"i": {"usernameOrEmail": "alice", "password": alice.password}},
    )
    me = await api.data(ME, token=login["login"]["accessToken"])
    assert me["me"]["settings"] == {"shareReadReceipts": True, "sharePresence": False}
    # Another user's settings are their own.
    bob = await api.register("bob")
    assert (await _me(api, bob))["settings"] == {"shareReadReceipts": True, "sharePresence": True}


@pytest.mark.parametrize("value", ["yes", 1, {"on": True}])
async def test_bad_settings_value_is_refused_and_changes_nothing(api: Api, value: Any) -> None:
    alice = await api.register("alice")
    error = await api.error(
        UPDATE_SETTINGS,
        {"input": {"shareReadReceipts": value, "sharePresence": False}},
        token=alice.access_token,
    )
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert (await _me(api, alice))["settings"] == {
        "shareReadReceipts": True,
        "sharePresence": True,
    }


async def test_null_setting_means_leave_it(api: Api) -> None:
    alice = await api.register("alice")
    data = await api.data(
        UPDATE_SETTINGS,
        {"input": {"shareReadReceipts": None, "sharePresence": False}},
        token=alice.access_token,
    )
    assert data["updateSettings"] == {"shareReadReceipts": True, "sharePresence": False}


async def test_update_settings_needs_a_session(api: Api) -> None:
    error = await api.error(UPDATE_SETTINGS, {"input": {"sharePresence": False}})
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}


# --- searchUsers ----------------------------------------------------------------------------


@pytest.fixture
async def people(api: Api) -> dict[str, Account]:
    """A small directory; the viewer's own names match none of the queries below."""
    accounts = {}
    for username, display_name in [
        ("viewer", "V"),
        ("alice", "Alice Liddell"),
        ("alicia", "Keys"),
        ("malice", "M"),
        ("bob", "Bob the Builder"),
        ("builder_jim", "Jim"),
        ("a_b", "Underscore"),
        ("axb", "Plain"),
        ("percy", "100% real"),
    ]:
        accounts[username] = await api.register(username, display_name=display_name)
    return accounts


async def test_search_by_username_prefix(api: Api, people: dict[str, Account]) -> None:
    viewer = people["viewer"]
    # "malice" contains "ali" but only as an infix of the username: not a match.
    assert await _found(api, viewer, "ali") == ["alice", "alicia"]
    assert await _found(api, viewer, "alice") == ["alice"]
    assert await _found(api, viewer, "zzz") == []


async def test_search_by_display_name_substring(api: Api, people: dict[str, Account]) -> None:
    viewer = people["viewer"]
    # "Liddell" is only in Alice's display name, in the middle.
    assert await _found(api, viewer, "iddel") == ["alice"]
    # "build" is a display-name substring for bob and a username prefix for builder_jim.
    assert await _found(api, viewer, "build") == ["bob", "builder_jim"]


async def test_search_ignores_case_and_surrounding_spaces(
    api: Api, people: dict[str, Account]
) -> None:
    viewer = people["viewer"]
    assert await _found(api, viewer, "ALI") == ["alice", "alicia"]
    assert await _found(api, viewer, "LIDDELL") == ["alice"]
    assert await _found(api, viewer, "  bUiLd  ") == ["bob", "builder_jim"]


async def test_search_returns_public_fields(api: Api, people: dict[str, Account]) -> None:
    data = await api.data(SEARCH, {"q": "alice"}, token=people["viewer"].access_token)
    assert data["searchUsers"] == [
        {"id": people["alice"].id, "username": "alice", "displayName": "Alice Liddell"}
    ]


async def test_search_first_limits_the_results(api: Api, people: dict[str, Account]) -> None:
    viewer = people["viewer"]
    everyone_with_a = await _found(api, viewer, "a", first=100)
    assert len(everyone_with_a) >= 4
    assert await _found(api, viewer, "a", first=2) == everyone_with_a[:2]
    assert await _found(api, viewer, "a", first=1) == everyone_with_a[:1]


async def test_search_returns_20_by_default_and_at_most_100(api: Api) -> None:
    viewer = await api.register("viewer")
    for n in range(22):
        await api.register(f"member{n:02d}")
    assert len(await _found(api, viewer, "member")) == 20
    assert len(await _found(api, viewer, "member", first=100)) == 22
    assert await _found(api, viewer, "x" * 100) == []


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_search_first_out_of_range_is_refused(
    api: Api, people: dict[str, Account], first: int
) -> None:
    error = await api.error(SEARCH, {"q": "a", "first": first}, token=people["viewer"].access_token)
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "first"}


async def test_search_treats_like_wildcards_literally(api: Api, people: dict[str, Account]) -> None:
    viewer = people["viewer"]
    # "_" would match any one character in LIKE, and so would find "axb" too.
    assert await _found(api, viewer, "a_") == ["a_b"]
    # "%" would match everyone; literally, only "100% real" contains it.
    assert await _found(api, viewer, "%") == ["percy"]
    assert await _found(api, viewer, "0%") == ["percy"]
    assert await _found(api, viewer, "\\") == []


async def test_search_finds_non_ascii_display_names_in_any_case(api: Api) -> None:
    viewer = await api.register("viewer", display_name="V")
    emile = await api.register("emile", display_name="Émile Zola")
    data = await api.data(SEARCH, {"q": "ÉMILE"}, token=viewer.access_token)
    assert [user["id"] for user in data["searchUsers"]] == [emile.id]
    data = await api.data(SEARCH, {"q": "émile"}, token=viewer.access_token)
    assert [user["id"] for user in data["searchUsers"]] == [emile.id]


@pytest.mark.parametrize("query", ["", "   ", "x" * 101])
async def test_search_query_must_be_1_to_100_characters(
    api: Api, people: dict[str, Account], query: str
) -> None:
    error = await api.error(SEARCH, {"q": query}, token=people["viewer"].access_token)
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "query"}


async def test_search_needs_a_session(api: Api, people: dict[str, Account]) -> None:
    error = await api.error(SEARCH, {"q": "alice"})
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}


# --- user(id) -------------------------------------------------------------------------------


async def test_user_by_id(api: Api) -> None:
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob")
    data = await api.data(USER, {"id": alice.id}, token=bob.access_token)
    user = data["user"]
    assert {key: user[key] for key in ["id", "username", "displayName", "avatarUrl"]} == {
        "id": alice.id,
        "username": "alice",
        "displayName": "Alice",
        "avatarUrl": None,
    }
    assert user["createdAt"]


async def test_unknown_user_id_is_null(api: Api) -> None:
    bob = await api.register("bob")
    body = await api.execute(
        USER, {"id": "01890a5d-ac96-774b-bcce-b302099a8057"}, token=bob.access_token
    )
    assert body == {"data": {"user": None}}


@pytest.mark.parametrize("bad_id", ["not-an-id", "", "123", "01890a5d-ac96-774b-bcce"])
async def test_malformed_user_id_is_a_validation_error(api: Api, bad_id: str) -> None:
    bob = await api.register("bob")
    error = await api.error(USER, {"id": bad_id}, token=bob.access_token)
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "id"}


async def test_user_lookup_needs_a_session(api: Api) -> None:
    alice = await api.register("alice")
    error = await api.error(USER, {"id": alice.id})
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_other_users_email_is_not_exposed(api: Api) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    error = await api.error(
        "query U($id: ID!) { user(id: $id) { email } }", {"id": alice.id}, token=bob.access_token
    )
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert "alice@example.com" not in str(error)
