"""How big each scenario is: the full run that SPEC §6 names, and the quick run CI uses."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FULL", "QUICK", "Sizes"]


@dataclass(frozen=True, slots=True)
class Sizes:
    name: str
    # Seeded users; every one has a login session and a minted access token.
    users: int
    # (a) 1:1 traffic: users connected, messages per second, seconds of traffic.
    direct_users: int
    direct_rate: float
    direct_seconds: float
    # (b) one group: subscribers, paced messages (latency), burst messages (saturation).
    group_size: int
    group_paced: int
    group_burst: int
    group_in_flight: int
    # (c) sendMessage saturation: messages, and how many are in flight at once.
    throughput_messages: int
    throughput_in_flight: int
    # (d) reads: messages stored in all, the reader's conversations, requests timed.
    stored_messages: int
    inbox_conversations: int
    read_requests: int
    # (e) idle sockets (3 subscriptions each), and the client processes holding them.
    idle_sockets: int
    idle_processes: int
    # (f) mixed load: sockets in all, each on messageAdded for all its conversations (the
    # users of (a) and (b) held by the harness and measured, the rest by idle_processes client
    # processes); the group of (b) gets messages at mixed_group_rate while (a)'s 1:1 traffic
    # runs at direct_rate, both for mixed_seconds.
    mixed_sockets: int
    mixed_group_rate: float
    mixed_seconds: float
    # (g) paced group: members (a group of their own in the data set), each with one socket
    # on messageAdded for all its conversations; messages per second, seconds of traffic; the
    # client processes holding the sockets and timing what each gets.
    paced_group_size: int
    paced_group_rate: float
    paced_group_seconds: float
    paced_processes: int
    # Seconds to let a server settle before reading its memory.
    settle_seconds: float
    # (h) search: requests timed per query (over the messages stored for (d)).
    search_requests: int


QUICK = Sizes(
    name="quick",
    users=120,
    direct_users=30,
    direct_rate=20.0,
    direct_seconds=2.0,
    group_size=30,
    group_paced=5,
    group_burst=10,
    group_in_flight=2,
    throughput_messages=100,
    throughput_in_flight=8,
    stored_messages=5_000,
    inbox_conversations=12,
    read_requests=10,
    idle_sockets=40,
    idle_processes=1,
    mixed_sockets=60,
    mixed_group_rate=5.0,
    mixed_seconds=2.0,
    paced_group_size=20,
    paced_group_rate=5.0,
    paced_group_seconds=3.0,
    paced_processes=2,
    settle_seconds=0.5,
    search_requests=5,
)

FULL = Sizes(
    name="full",
    users=10_000,
    direct_users=1_000,
    direct_rate=100.0,
    direct_seconds=20.0,
    group_size=1_000,
    group_paced=20,
    group_burst=100,
    group_in_flight=8,
    throughput_messages=4_000,
    throughput_in_flight=32,
    stored_messages=1_000_000,
    inbox_conversations=150,
    read_requests=200,
    idle_sockets=10_000,
    idle_processes=2,
    mixed_sockets=10_000,
    mixed_group_rate=5.0,
    mixed_seconds=30.0,
    paced_group_size=200,
    paced_group_rate=5.0,
    paced_group_seconds=60.0,
    paced_processes=4,
    settle_seconds=3.0,
    search_requests=50,
)
