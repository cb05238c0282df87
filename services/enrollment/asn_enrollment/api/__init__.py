"""HTTP routes of the enrollment service (thin: parse, call the store in a transaction, render)."""

from __future__ import annotations

from fastapi import APIRouter

from asn_enrollment.api import catalogue, enrollments, export, ledger, recommendations, roster
from asn_enrollment.settings import Settings
from asn_platform.service import ServiceContext


def routers(ctx: ServiceContext[Settings]) -> list[APIRouter]:
    return [
        roster.router(ctx),
        catalogue.router(ctx),
        enrollments.router(ctx),
        ledger.router(ctx),
        recommendations.router(ctx),
        export.router(ctx),
    ]
