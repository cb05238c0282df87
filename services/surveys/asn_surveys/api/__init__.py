"""HTTP side of the surveys service: thin routes over handlers/, with response models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter

from asn_surveys.api.ikm import ikm_router
from asn_surveys.api.intake import intake_router
from asn_surveys.api.public import public_router
from asn_surveys.api.respondents import respondents_router
from asn_surveys.api.units import units_router

if TYPE_CHECKING:
    from asn_surveys.bootstrap import Surveys


def routers(app: Surveys) -> list[APIRouter]:
    """The JSON API (/api/v1) and the public HTML form (/s)."""
    api = APIRouter()
    for part in (
        units_router(app),
        intake_router(app),
        ikm_router(app),
        respondents_router(app),
    ):
        api.include_router(part)
    return [api, public_router(app)]
