"""What page handlers share: the API as the signed-in person, the local day, a checked form."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request

from services.workbench.adapters.api import ApiCaller, ApiRefusal
from services.workbench.entrypoints.web.session import CSRF_FIELD, User, check_csrf


def api_for(request: Request, user: User) -> ApiCaller:
    return request.app.state.api.for_token(user.token)  # type: ignore[no-any-return]


def local_today(request: Request) -> date:
    """The collectors' calendar day (for "contacted today" and days since contact, which are wall-clock)."""
    return datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()


def need(user: User, *roles: str) -> None:
    """The page or form is for `roles` (the same as the API behind it): anyone else gets the refusal page (403
    `missing_role`) before a form is read or a service is asked."""
    if not user.has(*roles):
        raise ApiRefusal(403, "missing_role", "this page is for the roles: " + ", ".join(roles), [], "workbench")


async def checked_form(request: Request, user: User) -> dict[str, str]:
    """The posted form after its CSRF token is checked: field name -> value, blanks and the token dropped.

    Field names are the REST body's, so the result is the request body (the API validates it).
    """
    form = await request.form()
    check_csrf(user, form.get(CSRF_FIELD))
    return {k: str(v).strip() for k, v in form.items() if k != CSRF_FIELD and str(v).strip() != ""}


def business_date_of(answer: Any) -> date | None:
    """Servicing's `GET /business-date` answer as a date (None when it was refused)."""
    if isinstance(answer, dict) and answer.get("business_date"):
        return date.fromisoformat(str(answer["business_date"]))
    return None
