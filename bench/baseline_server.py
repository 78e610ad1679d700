"""The baseline: a bare Starlette app doing the least work that serves the same bytes.

- ``/ws``: WebSockets that are only held; ``POST /send/{target}`` writes its body, a
  pre-serialized ``next`` frame, to one socket (``?id=`` given when it connected) or to all.
- ``GET /history`` and ``GET /inbox``: the same data as the GraphQL history page and inbox,
  read with hand-written SQL over a raw asyncpg pool and serialized with ``json.dumps``.

Run by the harness as ``python -m bench.baseline_server --port P --dsn DSN``, under uvicorn
with the same protocol settings as ``tidings serve``.
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

__all__ = ["create_baseline"]

_AUTH = "SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"
_MEMBERSHIP = """
SELECT c.last_seq FROM conversations c
JOIN participants p ON p.conversation_id = c.id AND p.user_id = $2 WHERE c.id = $1
"""
_PAGE = """
SELECT m.id, m.seq, m.content, m.created_at, m.edited_at, m.deleted_at, m.sender_id,
       u.username, u.display_name, u.avatar_url, r.id AS r_id, r.seq AS r_seq,
       r.content AS r_content, r.sender_id AS r_sender, ru.display_name AS r_name
FROM messages m JOIN users u ON u.id = m.sender_id
LEFT JOIN messages r ON r.id = m.reply_to_id LEFT JOIN users ru ON ru.id = r.sender_id
WHERE m.conversation_id = $1 AND m.seq BETWEEN $2 AND $3 ORDER BY m.seq
"""
_MARKS = """
SELECT p.conversation_id, p.user_id, p.role, p.joined_at, p.last_delivered_seq,
       p.last_read_seq, u.username, u.display_name, u.avatar_url, u.share_read_receipts
FROM participants p JOIN users u ON u.id = p.user_id
WHERE p.conversation_id = ANY($1::uuid[]) ORDER BY p.joined_at, p.user_id
"""
_CONVERSATIONS = """
SELECT c.id, c.kind, c.title, c.last_seq, c.last_message_at, c.activity_at
FROM conversations c JOIN participants p ON p.conversation_id = c.id
WHERE p.user_id = $1 ORDER BY c.activity_at DESC, c.id DESC LIMIT $2
"""
_LAST_MESSAGES = """
SELECT m.conversation_id, m.id, m.seq, m.content, m.created_at, m.sender_id, u.display_name
FROM conversations c JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq
JOIN users u ON u.id = m.sender_id WHERE c.id = ANY($1::uuid[])
"""
_UNREAD = """
SELECT m.conversation_id, count(*) FROM messages m
JOIN participants p ON p.conversation_id = m.conversation_id AND p.user_id = $2
WHERE m.conversation_id = ANY($1::uuid[]) AND m.seq > p.last_read_seq
  AND m.sender_id <> $2 AND m.deleted_at IS NULL GROUP BY m.conversation_id
"""


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def create_baseline(dsn: str, secret: str) -> Starlette:
    sockets: dict[str, WebSocket] = {}
    pool: asyncpg.Pool | None = None

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        pool = await asyncpg.create_pool(dsn, min_size=2, max_size=20)
        yield
        await pool.close()

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def hold(websocket: WebSocket) -> None:
        offered = websocket.scope.get("subprotocols") or []
        await websocket.accept(subprotocol=offered[0] if offered else None)
        key = websocket.query_params.get("id") or uuid.uuid4().hex
        sockets[key] = websocket
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            sockets.pop(key, None)

    async def send(request: Request) -> Response:
        text = (await request.body()).decode()
        target = request.path_params["target"]
        if target == "all":
            chosen = list(sockets.values())
        else:
            chosen = [sockets[key] for key in target.split(",")]
        for websocket in chosen:
            await websocket.send_text(text)
        return Response(str(len(chosen)))

    async def viewer(request: Request, connection: asyncpg.Connection) -> uuid.UUID:
        token = request.headers["authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, secret, algorithms=["HS256"])
        user_id = uuid.UUID(claims["sub"])
        if await connection.fetchval(_AUTH, uuid.UUID(claims["sid"]), user_id) is None:
            raise PermissionError
        return user_id

    def count(message: Any, marks: list[Any]) -> dict[str, Any]:
        delivered = read = recipients = 0
        for p in marks:
            if p["user_id"] == message["sender_id"] or p["joined_at"] > message["created_at"]:
                continue
            recipients += 1
            delivered += max(p["last_delivered_seq"], p["last_read_seq"]) >= message["seq"]
            read += p["share_read_receipts"] and p["last_read_seq"] >= message["seq"]
        status = "SENT"
        if recipients and read == recipients:
            status = "READ"
        elif recipients and delivered == recipients:
            status = "DELIVERED"
        return {
            "status": status,
            "deliveredCount": delivered,
            "readCount": read,
            "recipientCount": recipients,
        }

    async def history(request: Request) -> Response:
        conversation = uuid.UUID(request.query_params["conversation"])
        last = int(request.query_params.get("last", "50"))
        assert pool is not None
        async with pool.acquire() as connection:
            user_id = await viewer(request, connection)
            last_seq = await connection.fetchval(_MEMBERSHIP, conversation, user_id)
            rows = await connection.fetch(
                _PAGE, conversation, max(1, last_seq - last + 1), last_seq
            )
            marks = await connection.fetch(_MARKS, [conversation])
        edges = []
        for m in rows:
            reply = None
            if m["r_id"] is not None:
                sender = {"id": str(m["r_sender"]), "displayName": m["r_name"]}
                reply = {"id": str(m["r_id"]), "seq": m["r_seq"], "content": m["r_content"]}
                reply["sender"] = sender
            node = {
                "id": str(m["id"]), "seq": m["seq"], "content": m["content"],
                "createdAt": _iso(m["created_at"]), "editedAt": _iso(m["edited_at"]),
                "deletedAt": _iso(m["deleted_at"]),
                "sender": {
                    "id": str(m["sender_id"]), "username": m["username"],
                    "displayName": m["display_name"], "avatarUrl": m["avatar_url"],
                },
                "replyTo": reply, **count(m, marks),
            }  # fmt: skip
            edges.append({"cursor": str(m["seq"]), "node": node})
        page = {"hasPreviousPage": bool(rows) and rows[0]["seq"] > 1}
        body = {"data": {"messages": {"edges": edges, "pageInfo": page}}}
        return Response(json.dumps(body), media_type="application/json")

    async def inbox(request: Request) -> Response:
        first = int(request.query_params.get("first", "100"))
        assert pool is not None
        async with pool.acquire() as connection:
            user_id = await viewer(request, connection)
            rows = await connection.fetch(_CONVERSATIONS, user_id, first + 1)
            ids = [row["id"] for row in rows[:first]]
            last = {r["conversation_id"]: r for r in await connection.fetch(_LAST_MESSAGES, ids)}
            marks = await connection.fetch(_MARKS, ids)
            unread = dict(list(await connection.fetch(_UNREAD, ids, user_id)))
        members: dict[uuid.UUID, list[Any]] = {cid: [] for cid in ids}
        for p in marks:
            members[p["conversation_id"]].append(p)
        edges = []
        for c in rows[:first]:
            people = members[c["id"]]
            names = [p["display_name"] for p in people if p["user_id"] != user_id]
            m = last.get(c["id"])
            node = {
                "id": str(c["id"]), "kind": c["kind"], "title": c["title"],
                "displayTitle": c["title"] or ", ".join(names),
                "lastMessageAt": _iso(c["last_message_at"]),
                "unreadCount": unread.get(c["id"], 0), "participantCount": len(people),
                "lastMessage": m and {
                    "id": str(m["id"]), "seq": m["seq"], "content": m["content"],
                    "createdAt": _iso(m["created_at"]),
                    "sender": {"id": str(m["sender_id"]), "displayName": m["display_name"]},
                },
                "participants": [
                    {"role": p["role"], "lastReadSeq": p["last_read_seq"], "user": {
                        "id": str(p["user_id"]), "username": p["username"],
                        "displayName": p["display_name"], "avatarUrl": p["avatar_url"],
                    }}
                    for p in people
                ],
            }  # fmt: skip
            edges.append({"cursor": str(c["id"]), "node": node})
        page = {"hasNextPage": len(rows) > first}
        body = {"data": {"conversations": {"edges": edges, "pageInfo": page}}}
        return Response(json.dumps(body), media_type="application/json")

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/send/{target}", send, methods=["POST"]),
            Route("/history", history),
            Route("/inbox", inbox),
            WebSocketRoute("/ws", hold),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True)
    args = parser.parse_args()
    app = create_baseline(args.dsn, os.environ["TIDINGS_JWT_SECRET"])
    # The protocol settings of ``tidings serve``; no access log, as befits a bare server.
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        ws_per_message_deflate=False,  # as tidings serve by default (TIDINGS_WS_COMPRESSION)
        ws_max_size=64 * 1024,  # as tidings serve by default (TIDINGS_MAX_BODY_BYTES)
    )


if __name__ == "__main__":
    main()
