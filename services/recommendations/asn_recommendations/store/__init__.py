"""Repositories: read-model projections, queries and the decisions store."""
