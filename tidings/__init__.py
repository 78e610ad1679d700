"""Tidings: a self-hostable real-time chat backend served as a GraphQL API."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
