"""Live feeds behind the GraphQL subscriptions: hub events in, ordered domain items out.

They know the hub, the database and the models, never GraphQL; the subscription resolvers
turn what they yield into GraphQL types.
"""
