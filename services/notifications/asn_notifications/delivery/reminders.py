"""The scheduled job that plans the day-before reminders (its clock is the service's)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from asn_notifications.handlers.reminders import plan_reminders
from asn_platform.uow import UnitsOfWork

log = logging.getLogger(__name__)


class ReminderJob:
    def __init__(
        self, units: UnitsOfWork, clock: Callable[[], datetime], interval_s: float
    ) -> None:
        self.units = units
        self.clock = clock
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        now = self.clock()
        return await self.units.run(lambda uow: plan_reminders(uow, now))

    async def _loop(self) -> None:
        while True:
            try:
                planned = await self.run_once()
                if planned:
                    log.info("%d reminder(s) planned", planned)
            except Exception:
                log.exception("reminder planning failed; trying again later")
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        if self.interval_s > 0:
            self._task = asyncio.create_task(self._loop(), name="notifications-reminders")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
