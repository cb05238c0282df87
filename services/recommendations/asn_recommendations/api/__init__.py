"""HTTP API (read-only): gaps, flags, scheduled programmes, impact, nudges, recommendations."""

from asn_recommendations.api.routes import router

__all__ = ["router"]
