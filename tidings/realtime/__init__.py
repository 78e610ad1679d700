"""The real-time path: how an event travels from a committed write to a subscriber's socket.

In the order an event meets them:

1. ``events``: what travels. Every event is a typed, versioned model, the one definition its
   producers and consumers share.
2. ``publish``: produced once the write has committed (``Events``), on a named channel
   (``Channels``).
3. ``pubsub``: carried between instances (Redis pub/sub) or within one (in memory).
4. ``hub``: received by each instance, decoded once, and handed to every listener of its
   channel as one ``Delivery``; a lost connection is told as ``Reconnected``.
5. ``feeds``: who hears what: memberships, replay after a reconnect, typing expiry,
   presence visibility. They know the database and the models, never GraphQL.
6. ``rooms``: ``messageAdded``'s order per conversation: gap fill and replay, once for every
   local subscriber.
7. ``fanout``: each event executed once per distinct subscription (document, variables that
   matter, viewer where a field depends on it).
8. ``writer``: framed in the subscription's protocol and written by the socket's one writer,
   under a bound (1013 for a socket too far behind).

``live`` is where a subscription's resolver joins this path. ``sockets`` holds the open sockets
(caps, revocation), ``presence`` and ``receipts`` make the ephemeral events that sockets and
deliveries cause. ``docs/realtime.md`` tells the same journey with the rules at each step.
"""
