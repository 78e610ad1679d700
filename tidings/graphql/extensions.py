"""Schema extensions: one scope per operation, and error codes on every error."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import structlog
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.requests import Request
from strawberry.extensions import SchemaExtension
from strawberry.schema.name_converter import NameConverter
from strawberry.types.graphql import OperationType

from tidings.errors import ErrorCode, TidingsError, Unauthenticated, Unavailable, ValidationFailed
from tidings.graphql.context import (
    Context,
    OperationScope,
    current_scope,
    enter_scope,
    leave_scope,
)

__all__ = ["OperationScopes", "coded_error"]

log = structlog.get_logger("tidings.graphql")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _request_id(context: Context) -> str:
    supplied = context.request.headers.get("x-request-id", "")
    return supplied if _REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, (RedisConnectionError, RedisTimeoutError, PoolTimeoutError, OSError)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class OperationScopes(SchemaExtension):
    """Give each operation its own scope, close it after, and put a code on each error.

    A ``TidingsError`` keeps its message and extensions. Errors in the document itself (syntax,
    unknown fields, depth or alias limits, bad variables) become ``VALIDATION_ERROR``. An
    unreachable database or Redis becomes ``UNAVAILABLE``. Anything else is logged with the
    request id and masked as ``INTERNAL_SERVER_ERROR`` carrying that id. A subscription sent
    over HTTP is not run: ``UNAUTHENTICATED`` without a token, else ``VALIDATION_ERROR``.
    """

    def on_execute(self) -> Iterator[None]:
        kind = self.execution_context.operation_type
        streaming = kind is OperationType.SUBSCRIPTION
        scope = current_scope()
        scope.streaming = streaming
        scope.reading = kind is OperationType.QUERY
        context = self.execution_context.context
        if streaming and isinstance(context.request, Request):
            # Strawberry would run it over HTTP as a query, and fail in the resolver; a
            # result set here is what execution returns, without running it.
            self.execution_context.result = _subscription_over_http(context)
        structlog.contextvars.bind_contextvars(
            operation=self.execution_context.operation_name or "anonymous"
        )
        yield

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Code the errors of each result a subscription streams."""
        if getattr(result, "errors", None):
            scope = current_scope()
            result.errors = [
                coded_error(error, scope, self.execution_context.operation_name)
                for error in result.errors
            ]
        yield

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        assert isinstance(context, Context)
        scope = OperationScope(context.services, _request_id(context))
        token = enter_scope(scope)
        bound = structlog.contextvars.bind_contextvars(request_id=scope.request_id)
        started = time.perf_counter()
        try:
            try:
                yield
            except (GeneratorExit, asyncio.CancelledError):
                # How a subscription ends when its client stops it or goes away: still logged.
                self._record(context, None, time.perf_counter() - started)
                raise
            result = self.execution_context.result
            if result is not None and result.errors:
                result.errors = [
                    coded_error(error, scope, self.execution_context.operation_name)
                    for error in result.errors
                ]
            self._record(context, result, time.perf_counter() - started)
        finally:
            await scope.close()
            leave_scope(token)
            structlog.contextvars.reset_contextvars(**bound)
            structlog.contextvars.unbind_contextvars("operation", "user_id")

    def _record(self, context: Context, result: Any, seconds: float) -> None:
        """One metric and one log line per operation (never variables: they hold secrets)."""
        errors = getattr(result, "errors", None) or []
        codes = [(error.extensions or {}).get("code", "UNKNOWN") for error in errors]
        outcome = codes[0] if codes else "ok"
        name = self.execution_context.operation_name or "anonymous"
        try:
            kind = self.execution_context.operation_type.value
        except (RuntimeError, GraphQLError, ValueError):  # the document did not parse
            kind = "invalid"
        context.services.metrics.operations.labels(name, kind, outcome).inc()
        log.info(
            "operation",
            operation=name,
            type=kind,
            outcome=outcome,
            user_id=str(context.viewer_id) if context.viewer_id else None,
            duration_ms=round(seconds * 1000, 2),
        )


def coded_error(error: GraphQLError, scope: OperationScope, operation: str | None) -> GraphQLError:
    """``error`` with its code (module docstring of ``OperationScopes``); an unexpected one is
    logged with the scope's request id and masked."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        extensions = {"code": ErrorCode.VALIDATION_ERROR.value, **(error.extensions or {})}
        return _copy(error, error.message, extensions)
    if _is_outage(original):
        original = Unavailable()
    if isinstance(original, TidingsError):
        return _copy(error, original.message, _arguments_named(original.extensions))
    log.error(
        "unhandled error",
        request_id=scope.request_id,
        operation=operation,
        path=error.path,
        exc_info=original,
    )
    return _copy(
        error,
        f"Internal server error (request id {scope.request_id})",
        {"code": ErrorCode.INTERNAL_SERVER_ERROR.value, "requestId": scope.request_id},
    )


# The schema's own naming: ``reply_to_id`` is the argument ``replyToId``.
_NAMING = NameConverter()


def _arguments_named(extensions: dict[str, Any]) -> dict[str, Any]:
    """Actions and rules name the input they reject as Python does (``participant_ids``);
    clients know it by its GraphQL argument name (``participantIds``). Renamed here only."""
    field = extensions.get("field")
    if not isinstance(field, str):
        return extensions
    return {**extensions, "field": _NAMING.apply_naming_config(field)}


def _subscription_over_http(context: Context) -> GraphQLExecutionResult:
    """Subscriptions run over the WebSocket; without a token, the first thing to fix is that."""
    error: TidingsError
    if context.bearer_token() is None:
        error = Unauthenticated("Sign in: send 'Authorization: Bearer <access token>'")
    else:
        error = ValidationFailed(
            "query",
            "Subscriptions run over a WebSocket to this URL (graphql-transport-ws or "
            "graphql-ws), not over HTTP",
        )
    return GraphQLExecutionResult(None, [GraphQLError(error.message, original_error=error)])


def _copy(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )
