"""One function per page: it gathers the page's data from the services (clients.UserApi, with
the user's token) and shapes it with domain/ for the template. Commands (the forms' posts)
live here too and answer where the browser goes next. No web framework here: the routes in
api/ are the only ones that know about requests and responses."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import quote

T = TypeVar("T")


def with_problem(path: str, problem: str) -> str:
    """`path` with a `problem` query parameter the page shows in an alert."""
    sep = "&" if "?" in path else "?"
    return f"{path}{sep}problem={quote(problem[:300])}"


def with_note(path: str, note: str) -> str:
    """`path` with a `note` query parameter the page shows as a status line."""
    sep = "&" if "?" in path else "?"
    return f"{path}{sep}note={quote(note[:300])}"


async def constant(value: T) -> T:
    """An awaitable that answers `value` (a panel the user's role does not see)."""
    return value
