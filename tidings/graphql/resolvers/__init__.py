"""Thin resolvers: parse arguments, authorise, call one action or query, convert the result."""
