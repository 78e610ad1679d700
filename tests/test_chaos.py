"""Three instances under traffic through one fault after another (issue 11): killed Redis
and PostgreSQL connections, Redis restarted, an instance SIGKILLed, Redis restarted again,
one SIGTERMed.

Clients behave as real ones do: the sender retries ``UNAVAILABLE`` with the same
clientMessageId on whichever instance is up; each follower resubscribes with ``afterSeq``
when its feed ends (on another instance if its own went); a user whose instance went may
stay away. Afterwards
every follower has exactly the history (nothing lost, duplicated or reordered), every send
is stored once, and presence (read, and as a watcher heard it) matches the sockets open.

Production only (a private ``redis-server``, restarted); marked ``cluster`` (``-m "not
cluster"`` leaves it out).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import create, history
from tests.support.cluster import (
    Cluster,
    Instance,
    PrivateRedis,
    eventually,
    kill_database_connections,
    run_cluster,
    send_retrying,
)
from tests.support.presence import presence_of, watching
from tests.support.ws import graphql_socket
from tidings.settings import Settings

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.parametrize("backend", ["production"], indirect=True),
]

SETTINGS: dict[str, Any] = {
    "presence_ttl_seconds": 2.0,
    "presence_refresh_seconds": 0.5,
    "presence_grace_seconds": 0.5,
    "presence_sweep_seconds": 0.5,
    "shutdown_grace_seconds": 5,
}
# Messages sent between one fault and the next.
BETWEEN = 15

GROUP_FEED = """
subscription Added($conversationId: ID, $afterSeq: Int) {
  messageAdded(conversationId: $conversationId, afterSeq: $afterSeq) { seq content }
}
"""


@dataclass
class Traffic:
    """The instances up (for clients to pick from, as behind a load balancer) and what the
    sender has sent."""

    up: list[Instance]
    apis: dict[str, Api]
    sent: int = 0
    retries: int = 0  # sends that failed and were retried (as the faults happen to cause)
    turn: int = 0

    def api(self) -> Api:
        self.turn += 1
        return self.apis[self.up[self.turn % len(self.up)].name]

    def instance(self) -> Instance:
        self.turn += 1
        return self.up[self.turn % len(self.up)]

    def retried(self) -> None:
        self.retries += 1


@dataclass
class Follower:
    """A user following the group's messages on one socket, resuming with ``afterSeq`` when
    it ends: on the same instance if it is up, else on another, unless it is the instance
    they leave with."""

    account: Account
    instance: Instance
    leaves_with: Instance | None = None
    seqs: list[int] = field(default_factory=list)
    open: bool = False
    ended: list[str] = field(default_factory=list)  # why each subscription ended

    async def follow(self, traffic: Traffic, group: str) -> None:
        while True:
            try:
                async with graphql_socket(
                    self.instance.ws_url, self.account.access_token
                ) as socket:
                    self.open = True
                    after = self.seqs[-1] if self.seqs else 0
                    variables = {"conversationId": group, "afterSeq": after}
                    feed = await socket.start(GROUP_FEED, variables)
                    while True:  # until the feed ends: an error, or the socket closing
                        item = await feed.next(within=3600)
                        if item.get("errors"):
                            self.ended.append(str(item["errors"]))
                            break
                        self.seqs.append(item["data"]["messageAdded"]["seq"])
            except Exception as error:  # the instance is down or going: try another
                self.ended.append(repr(error))
            finally:
                self.open = False
            if self.instance not in traffic.up:
                if self.instance is self.leaves_with:
                    return
                self.instance = traffic.instance()
            await asyncio.sleep(0.1)


async def send_all(traffic: Traffic, sender: Account, group: str, stop: asyncio.Event) -> None:
    """m1, m2…, each retried on failure; every fifth sent again through another instance, as
    by a client that never got the answer: that must return the message first stored."""
    while not stop.is_set():
        n = traffic.sent + 1
        for attempt in range(2 if n % 5 == 0 else 1):
            message = await send_retrying(
                traffic.api,
                sender,
                group,
                f"m{n}",
                client_message_id=f"m{n}",
                retried=traffic.retried,
            )
            assert (message["seq"], message["content"]) == (n, f"m{n}"), attempt
        traffic.sent = n
        await asyncio.sleep(0.03)


async def restart(redis_server: PrivateRedis, cluster: Cluster) -> None:
    await redis_server.shutdown()
    await asyncio.sleep(0.5)  # an outage while traffic goes on
    await redis_server.start()
    await cluster.wait_resubscribed([])


async def hear(
    url: str,
    api: Api,
    watcher: Account,
    users: list[Account],
    view: dict[str, str],
    ends: list[str],
) -> None:
    """Follow everyone's presence like a client: the latest status of each user in ``view``.
    A feed may end (``UNAVAILABLE``: a request met a killed database connection); the client
    then subscribes again and reads everyone's presence, as a new feed tells only changes."""
    while True:
        try:
            async with watching(url, watcher) as feed:
                for user in users:
                    view[user.id] = (await presence_of(api, watcher, user))["status"]
                while True:
                    event = await feed.next(within=3600)
                    view[event["user"]["id"]] = event["status"]
        except Exception as error:
            ends.append(repr(error))


@contextlib.asynccontextmanager
async def running(*coroutines: Any) -> AsyncIterator[list[asyncio.Task[None]]]:
    """Run these in the background; cancel whichever still runs afterwards."""
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_nothing_is_lost_and_presence_stays_true_through_every_fault(
    make_settings: Callable[..., Settings], redis_server: PrivateRedis, tmp_path: Path
) -> None:
    settings = make_settings(redis_url=redis_server.url, **SETTINGS)
    async with (
        run_cluster(settings, size=3, log_dir=tmp_path) as cluster,
        AsyncExitStack() as stack,
    ):
        followers: list[Follower] = []
        feed_ends: list[str] = []
        traffic = Traffic(list(cluster.instances), {})
        try:
            a, b, c = cluster.instances
            apis = {
                i.name: await stack.enter_async_context(Api.connect(i.http_url))
                for i in cluster.instances
            }
            names = ["bob", "watch", "alice", "carol", "dave", "erin", "frank"]
            users = {name: await apis["a"].register(name) for name in names}
            others = [user for name, user in users.items() if name != "bob"]
            group = (await create(apis["a"], users["bob"], "GROUP", *others))["id"]
            followers += [
                Follower(users["alice"], a),
                Follower(users["carol"], b),
                Follower(users["dave"], c),
                Follower(users["erin"], c, leaves_with=c),
                Follower(users["frank"], b, leaves_with=b),
            ]
            traffic.apis = apis
            # The watcher stays on A, which lives through everything.
            view: dict[str, str] = {}
            watched = [f.account for f in followers]
            hearing = hear(a.ws_url, apis["a"], users["watch"], watched, view, feed_ends)
            stop = asyncio.Event()
            follows = [follower.follow(traffic, group) for follower in followers]
            async with running(hearing, *follows):
                await eventually(_all(lambda: all(f.open for f in followers)), "all connected")
                await cluster.wait_listening(cluster.channels.conversation(group), 3)

                async def presence(after: str) -> None:
                    await presence_true(apis["a"], users["watch"], followers, view, after)

                await presence("at the start")
                async with running(send_all(traffic, users["bob"], group, stop)) as (sender,):

                    async def after_more() -> None:
                        count = traffic.sent + BETWEEN

                        async def enough() -> bool:
                            if sender.done():
                                sender.result()  # raises what stopped it
                                raise AssertionError("the sender stopped")
                            return traffic.sent >= count

                        await eventually(enough, f"{count} messages sent")

                    await after_more()
                    killed = await cluster.kill_connections("pubsub", "normal")
                    assert len(killed["pubsub"]) == 3, killed
                    await cluster.wait_resubscribed(killed["pubsub"])
                    await presence("after killing Redis connections")

                    # Each instance's next request meets a dead connection and renews its
                    # pool (see TIDINGS_DB_POOL_PRE_PING); the sender retries that one.
                    await after_more()
                    assert await kill_database_connections(settings.database_url) > 0

                    await after_more()
                    await restart(redis_server, cluster)
                    await presence("after Redis restarted")

                    await after_more()
                    traffic.up.remove(c)
                    leaving = [(f, len(f.ended)) for f in followers if f.leaves_with is c]
                    await c.kill()
                    # Dave comes back elsewhere; erin stays away, and the survivors find her
                    # records lapsed. (Had Redis lost its data before, nobody would know she
                    # had been online: she would read OFFLINE, but keep her old lastSeenAt.)
                    # Her client must have seen its socket die first: until then the test
                    # still expects her ONLINE, and the check could pass before any lapse.
                    await eventually(
                        _all(lambda: all(len(f.ended) > n and not f.open for f, n in leaving)),
                        "the killed instance's clients saw their sockets die",
                    )
                    await presence("after an instance was killed")

                    await after_more()
                    await restart(redis_server, cluster)
                    await presence("after Redis restarted again")

                    await after_more()
                    traffic.up.remove(b)
                    await b.stop()

                    await after_more()
                    stop.set()
                    await sender
                total = traffic.sent

                # Messages: every follower has a gapless, duplicate-free prefix of 1..total;
                # those still connected have all of it.
                staying = [f for f in followers if f.leaves_with is None]
                await eventually(
                    _all(lambda: all(len(f.seqs) >= total for f in staying)),
                    f"every remaining follower has all {total} messages",
                )
                for follower in followers:
                    seqs = follower.seqs
                    assert seqs == list(range(1, len(seqs) + 1)), (follower.account.username, seqs)
                    if follower.leaves_with is None:
                        assert len(seqs) == total, follower.account.username
                stored = await all_messages(apis["a"], users["watch"], group)
                assert [(m["seq"], m["clientMessageId"]) for m in stored] == [
                    (n, f"m{n}") for n in range(1, total + 1)
                ]

                await presence_true(apis["a"], users["watch"], followers, view, "at the end")
                assert [f.account.username for f in followers if not f.open] == ["erin", "frank"]
                for name in ("erin", "frank"):
                    gone = await presence_of(apis["a"], users["watch"], users[name])
                    assert gone["lastSeenAt"] is not None, name
        finally:
            print(cluster.output())
            print("sent", traffic.sent, "of which retried", traffic.retries)
            print("presence feed ended:", feed_ends)
            for follower in followers:
                print(follower.account.username, "ended:", follower.ended)


async def presence_true(
    api: Api, viewer: Account, followers: list[Follower], heard: dict[str, str], after: str
) -> None:
    """Wait until each follower's presence, as ``viewer`` reads it and as their watcher
    heard it, is ONLINE while their socket is open and OFFLINE otherwise."""

    names = {f.account.id: f.account.username for f in followers}
    last: list[Any] = []

    async def true() -> bool:
        expected = {f.account.id: "ONLINE" if f.open else "OFFLINE" for f in followers}
        read = {
            f.account.id: (await presence_of(api, viewer, f.account))["status"] for f in followers
        }
        told = {user: heard.get(user) for user in expected}
        last[:] = [{names[u]: s for u, s in d.items()} for d in (expected, read, told)]
        return read == expected == told

    try:
        await eventually(true, f"presence as the sockets are, {after}")
    except AssertionError as error:
        raise AssertionError(f"{error}: expected, read, heard: {last}") from None


def _all(check: Callable[[], bool]) -> Callable[[], Any]:
    """``check`` as the async condition ``eventually`` polls."""

    async def condition() -> bool:
        return check()

    return condition


async def all_messages(api: Api, viewer: Account, group: str) -> list[dict[str, Any]]:
    """The group's whole history, oldest first, page by page."""
    messages: list[dict[str, Any]] = []
    after = None
    while True:
        page = await history(api, viewer, group, first=100, after=after)
        messages.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return messages
        after = page["pageInfo"]["endCursor"]
