"""The counts a ``receiptUpdated`` event carries for 100 messages of a group of 1,000 are
counted together (``count_many``); they must be exactly the per-message ``count``."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tidings.domain.receipts import Recipient, count, count_many

START = datetime(2026, 12, 1, tzinfo=UTC)


def _group(rng: random.Random, size: int, messages: int) -> list[Recipient]:
    """Members with marks anywhere in the history; some joined after it began."""
    members = []
    for _ in range(size):
        read = rng.randint(0, messages)
        members.append(
            Recipient(
                user_id=uuid.uuid4(),
                joined_at=START
                + timedelta(minutes=rng.choice([0, 0, 0, rng.randint(0, messages)])),
                last_delivered_seq=rng.randint(read, messages) if rng.random() < 0.8 else 0,
                last_read_seq=read,
                last_read_at=None,
                shares_reads=rng.random() < 0.7,
            )
        )
    return members


@pytest.mark.parametrize("seed", range(20))
def test_counting_many_messages_at_once_agrees_with_counting_each(seed: int) -> None:
    rng = random.Random(seed)
    total = rng.randint(1, 120)
    members = _group(rng, rng.randint(0, 60), total)
    senders = [m.user_id for m in members] + [uuid.uuid4()]  # one sender has left since
    messages = [
        (seq, rng.choice(senders), START + timedelta(minutes=seq - 1, seconds=30))
        for seq in range(max(1, total - 100), total + 1)
    ]

    together = count_many(messages, members)

    one_by_one = [
        count(seq=seq, sender_id=sender, sent_at=at, participants=members)
        for seq, sender, at in messages
    ]
    assert together == one_by_one
    assert any(c.recipients for c in together) or not members


def test_no_messages_no_counts() -> None:
    assert count_many([], _group(random.Random(1), 5, 3)) == []
