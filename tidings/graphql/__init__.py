"""The GraphQL layer: schema, context, loaders, types and thin resolvers."""
