"""Thin resolvers: parse arguments, authorise, call a domain operation, convert the result."""
