"""Every SQL statement of the read side, as named functions: ``queries.history_page(session,
...)`` rather than a ``select`` built where it is needed.

One module per concern. Each function takes the ``AsyncSession`` and keyword arguments and
returns rows, models or small dataclasses; none knows about GraphQL or the live path. The
loaders (``tidings.graphql.loaders``) batch through them, and so do the live feeds, presence
and the receipt desk. The writes of user actions live with those actions; the few writes of
the real-time machinery (``lastSeenAt``, delivered marks) are here, named like the reads.
"""

from __future__ import annotations

from tidings.queries.accounts import (
    AuditLine,
    audit_log,
    blocked_by,
    blocked_either_way,
    blocks_between,
    live_sessions_of,
    unrevoked_sessions,
    username_quarantined,
)
from tidings.queries.conversation_state import pinned_count, viewer_states
from tidings.queries.conversations import (
    ConversationRow,
    InboxPage,
    InboxPosition,
    ParticipantRow,
    admin_count,
    direct_conversation,
    find_conversation,
    get_membership,
    inbox_page,
    last_seqs,
    longest_standing_member,
    member_ids,
    memberships,
    participants_of,
)
from tidings.queries.mentions import (
    mentionable_users,
    mentioned_in,
    mentions_page,
    unread_mention_counts,
)
from tidings.queries.messages import (
    HistoryPage,
    changed_since,
    conversation_of_message,
    get_visible_message,
    history_page,
    last_messages_of,
    message_by_client_id,
    messages_between,
    messages_by_id,
    newest_messages,
    seq_in_conversation,
)
from tidings.queries.presence import contacts_of, record_last_seen
from tidings.queries.reactions import ReactionGroup, emoji_on_message, reactions_of
from tidings.queries.receipts import readers, recipients_of, unread_counts, write_delivered
from tidings.queries.users import (
    UserRow,
    existing_user_ids,
    name_or_email_taken,
    refresh_token_holder,
    search_users,
    session_user,
    user_by_id,
    user_by_login,
    username_taken,
    users_by_id,
)

__all__ = [
    "AuditLine",
    "ConversationRow",
    "HistoryPage",
    "InboxPage",
    "InboxPosition",
    "ParticipantRow",
    "ReactionGroup",
    "UserRow",
    "admin_count",
    "audit_log",
    "blocked_by",
    "blocked_either_way",
    "blocks_between",
    "changed_since",
    "contacts_of",
    "conversation_of_message",
    "direct_conversation",
    "emoji_on_message",
    "existing_user_ids",
    "find_conversation",
    "get_membership",
    "get_visible_message",
    "history_page",
    "inbox_page",
    "last_messages_of",
    "last_seqs",
    "live_sessions_of",
    "longest_standing_member",
    "member_ids",
    "memberships",
    "mentionable_users",
    "mentioned_in",
    "mentions_page",
    "message_by_client_id",
    "messages_between",
    "messages_by_id",
    "name_or_email_taken",
    "newest_messages",
    "participants_of",
    "pinned_count",
    "reactions_of",
    "readers",
    "recipients_of",
    "record_last_seen",
    "refresh_token_holder",
    "search_users",
    "seq_in_conversation",
    "session_user",
    "unread_counts",
    "unread_mention_counts",
    "unrevoked_sessions",
    "user_by_id",
    "user_by_login",
    "username_quarantined",
    "username_taken",
    "users_by_id",
    "viewer_states",
    "write_delivered",
]
