"""/board's roster panel: a supervisor moves a collector to another queue (stage) or makes them (in)active."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.workbench.adapters.api import ApiRefusal
from services.workbench.entrypoints.web.deps import api_for, need
from services.workbench.entrypoints.web.routes.board import ASSIGNERS, board_page
from services.workbench.entrypoints.web.session import CurrentUser, check_csrf

router = APIRouter(tags=["board"])
FIELDS = ("collector", "queue", "cases", "reason", "version")


@router.post("/board/roster")
async def move_collector(request: Request, user: CurrentUser) -> Response:
    """`PUT /roster/{collector} {queue, active, cases, reason, version}` from the roster form; a refusal (unknown
    queue, someone moved a collector meanwhile, ...) is shown on the board with its rule."""
    need(user, *ASSIGNERS)
    form = await request.form()
    check_csrf(user, form.get("csrf_token"))
    values = {k: str(form.get(k) or "").strip() for k in FIELDS}
    values["active"] = "true" if form.get("active") else ""
    missing = [k for k in ("collector", "queue") if not values[k]]
    if missing:
        refusal = ApiRefusal(
            422, "validation_error", "", [{"loc": [k], "msg": "required"} for k in missing], "workbench"
        )
        return await board_page(request, user, status=422, failures=[("", refusal)], roster_form=values)
    body: dict[str, object] = {"queue": values["queue"], "active": bool(values["active"])}
    if values["cases"] in ("stay", "rebalance"):
        body["cases"] = values["cases"]
    if values["reason"]:
        body["reason"] = values["reason"]
    if values["version"].isdigit():
        body["version"] = int(values["version"])
    try:
        await api_for(request, user).put("collections", f"/roster/{quote(values['collector'], safe='')}", body)
    except ApiRefusal as refusal:
        return await board_page(
            request,
            user,
            status=refusal.status if refusal.status < 500 else 502,
            failures=[("", refusal)],
            roster_form=values,
        )
    return RedirectResponse(f"/board?{urlencode({'moved': values['collector']})}#roster", status_code=303)
