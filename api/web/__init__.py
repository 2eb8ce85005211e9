"""The HTTP resources: blueprints, listing, lookups, errors, security and the OpenAPI document."""
