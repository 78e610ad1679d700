"""Domain operations, one module per concern. They know models, never GraphQL."""
