"""The Strawberry schema: operations merged from the resolver modules, plus the limits."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.tools import merge_types
from strawberry.types.execution import ExecutionContext

from tidings.graphql.extensions import OperationScopes
from tidings.graphql.resolvers.accounts import AccountMutations, AccountQueries
from tidings.graphql.resolvers.conversations import ConversationMutations, ConversationQueries
from tidings.graphql.resolvers.messages import MessageMutations, MessageQueries
from tidings.graphql.resolvers.presence import PresenceMutations
from tidings.graphql.resolvers.subscriptions import Subscription
from tidings.settings import Settings

__all__ = ["TidingsSchema", "build_schema"]

Query = merge_types("Query", (AccountQueries, ConversationQueries, MessageQueries))
Mutation = merge_types(
    "Mutation", (AccountMutations, ConversationMutations, MessageMutations, PresenceMutations)
)


class TidingsSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """``OperationScopes`` logs what needs logging, with the request id; nothing else."""


def build_schema(settings: Settings | None = None) -> TidingsSchema:
    """The schema with the query limits of ``settings`` (defaults when ``None``)."""
    settings = settings or Settings()
    # Factories, so each operation gets fresh extension instances.
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        OperationScopes,
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]
    if not settings.introspection:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return TidingsSchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions
    )
