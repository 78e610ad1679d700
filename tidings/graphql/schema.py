"""The Strawberry schema: operations merged from the resolver modules, plus the limits."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types.execution import ExecutionContext

from tidings.graphql.execution import lighten_resolvers
from tidings.graphql.extensions import OperationScopes
from tidings.graphql.resolvers.account_management import AccountManagementMutations
from tidings.graphql.resolvers.accounts import AccountMutations, AccountQueries
from tidings.graphql.resolvers.admin import AdminMutations, AdminQueries
from tidings.graphql.resolvers.conversation_state import ConversationStateMutations
from tidings.graphql.resolvers.conversations import ConversationMutations, ConversationQueries
from tidings.graphql.resolvers.mentions import MentionQueries
from tidings.graphql.resolvers.messages import MessageMutations, MessageQueries
from tidings.graphql.resolvers.presence import PresenceMutations
from tidings.graphql.resolvers.reactions import ReactionMutations
from tidings.graphql.resolvers.search import SearchQueries
from tidings.graphql.resolvers.subscriptions import Subscription
from tidings.realtime.fanout import SharingExecutor
from tidings.settings import Settings

__all__ = ["TidingsSchema", "build_schema"]

# Frontends send a few dozen distinct documents; 1024 leaves room for many clients' versions.
_CACHED_DOCUMENTS = 1024

Query = merge_types(
    "Query",
    (
        AccountQueries,
        ConversationQueries,
        MessageQueries,
        AdminQueries,
        SearchQueries,
        MentionQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountMutations,
        AccountManagementMutations,
        ConversationMutations,
        MessageMutations,
        PresenceMutations,
        AdminMutations,
        ReactionMutations,
        ConversationStateMutations,
    ),
)


class _ParserCache(ParserCache):
    """Strawberry's parser cache, leaving documents that fail to parse to Strawberry's own
    parse step, which reports them as errors of the response rather than of the request."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield


class TidingsSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """``OperationScopes`` logs what needs logging, with the request id; nothing else."""


def build_schema(settings: Settings | None = None) -> TidingsSchema:
    """The schema with the query limits of ``settings`` (defaults when ``None``)."""
    settings = settings or Settings()
    # The limit rules are built once: the validation cache is keyed by the rule classes, so
    # the same classes every time let a repeated document skip parsing and validation.
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    # Factories, so each operation gets fresh extension instances.
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        OperationScopes,
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: _ParserCache(maxsize=_CACHED_DOCUMENTS),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=_CACHED_DOCUMENTS),
    ]
    schema = TidingsSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=SharingExecutor,
    )
    lighten_resolvers(
        concrete.implementation for concrete in schema.schema_converter.type_map.values()
    )
    return schema
