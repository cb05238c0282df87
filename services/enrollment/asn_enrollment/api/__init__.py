"""HTTP routes of the enrollment service (thin: parse, call a handler, shape the response)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter

from asn_enrollment.api import catalogue, enrollments, export, ledger, recommendations, roster

if TYPE_CHECKING:
    from asn_enrollment.bootstrap import Wiring


def routers(w: Wiring) -> list[APIRouter]:
    return [
        roster.router(w),
        catalogue.router(w),
        enrollments.router(w),
        ledger.router(w),
        recommendations.router(w),
        export.router(w),
    ]
