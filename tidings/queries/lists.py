"""``column IN (values)`` as each database runs it best.

A page's reads name many ids at once: an inbox of 100 conversations asks for ~600 members
and their users. SQLAlchemy's ``in_`` expands a list into a parameter per value, each bound
and cast on every execution (``_process_parameters_for_postcompile``, ``render_bind_cast`` in
the profile), and a different count is a different statement for asyncpg to prepare. On
PostgreSQL the list is one array parameter instead, ``column = ANY($1)`` (PostgreSQL infers
an array of the column's type): the same text whatever its length, encoded by the driver in
one go. SQLite has no arrays and keeps ``IN``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped

__all__ = ["array_of", "on_postgresql", "one_of"]


def one_of(
    session: AsyncSession, mapped: Mapped[Any], values: Collection[Any]
) -> sa.ColumnElement[bool]:
    """``mapped`` (a model's column, ``col(Model.field)``) is one of ``values``, as one array
    parameter on PostgreSQL."""
    column = cast("sa.ColumnElement[Any]", mapped)  # what sqlmodel's col() hands on
    if on_postgresql(session):
        # Untyped: PostgreSQL infers an array of the column's type, and the driver encodes
        # the list as it is (a typed ARRAY would pass each value through SQLAlchemy first).
        array = sa.bindparam(None, list(values), type_=sa.types.NullType())
        return column == sa.any_(array)
    return column.in_(values)


def on_postgresql(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def array_of(values: Sequence[Any], item: sa.types.TypeEngine[Any]) -> sa.BindParameter[Any]:
    """``values`` as one typed array parameter (PostgreSQL), for where the statement alone
    does not tell its type (``unnest``)."""
    return sa.bindparam(None, list(values), type_=postgresql.ARRAY(item))
