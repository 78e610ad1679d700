"""Actions: one function per user intent, and the only place what a user does is written.

Each action validates its input, writes and commits, and then publishes the typed events of
what changed (``tidings.realtime.events``), in that order, as Zulip's ``do_*`` actions do. A
resolver parses its arguments, gets the actor (``Context.actor``), calls one action and
converts what it returns to a GraphQL type; it never publishes, and no action returns a flag
that tells its caller what to publish. Actions hold the writes (INSERT, UPDATE, DELETE) and
read through ``tidings.queries`` like everything else; the real-time machinery's own two
writes (``lastSeenAt``, batched delivered marks) are named statements there.
``docs/architecture.md`` shows where each thing lives.

- ``accounts``: register, log in, refresh, log out, update profile and settings
- ``sessions``: change password, end a login session
- ``deletion``: delete an account
- ``blocks``: block and unblock a user
- ``conversations``: create, add, remove, leave, rename
- ``messages``: send, edit, delete, typing, mark read
- ``presence``: set presence
- ``reactions``: add and remove a reaction
"""
