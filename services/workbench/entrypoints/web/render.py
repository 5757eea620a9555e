"""Pages: one Jinja2 environment, the context every page gets (language, person, nav, CSRF, formatters)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from services.workbench import i18n
from services.workbench.adapters.api import ApiRefusal
from services.workbench.entrypoints.web.labels import done_message, event_label, label, queue_label
from services.workbench.entrypoints.web.nav import current, nav_for
from services.workbench.entrypoints.web.rules import rule_title
from services.workbench.entrypoints.web.session import CSRF_FIELD, User, optional_user
from shared.datakeys import ERASED, UNAVAILABLE

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def short_id(value: Any) -> str:
    """A long id cut for a table cell (`b81f5d34…-E4`); the full id stays in the link and its title."""
    text = str(value or "")
    head, sep, episode = text.rpartition("-E")
    if sep and episode.isdigit() and len(head) > 12:
        return f"{head[:8]}…-E{episode}"
    return text if len(text) <= 14 else text[:12] + "…"


def _lang(context: Any) -> str:
    return str(context.get("lang", i18n.DEFAULT_LANG))


def build_environment() -> Environment:
    """Autoescaped templates; filters format per the page's language."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = pass_context(lambda ctx, v: i18n.money(v, _lang(ctx)))
    env.filters["date"] = pass_context(lambda ctx, v, form="medium": i18n.fmt_date(v, _lang(ctx), form))
    env.filters["datetime"] = pass_context(lambda ctx, v: i18n.fmt_datetime(v, _lang(ctx), ctx.get("tz")))
    env.filters["rate"] = pass_context(lambda ctx, v: i18n.fmt_rate(v, _lang(ctx)))
    env.filters["short_id"] = short_id
    env.filters["number"] = pass_context(lambda ctx, v: i18n.fmt_number(v, _lang(ctx)))
    env.filters["personal"] = pass_context(lambda ctx, v: personal(v, ctx["_"]))
    return env


PERSONAL_STATES = {ERASED: "erased", UNAVAILABLE: "not available just now"}  # a personal field's key gone / unfetched


def personal(value: Any, gettext: Any) -> Any:
    """A personal field as shown: its value, or in words why it cannot be (the borrower was erased; the key could
    not be fetched from origination just now) instead of the English marker the API answers."""
    state = PERSONAL_STATES.get(value) if isinstance(value, str) else None
    return gettext(state) if state else value


def _translated(translations: Any, msgid: str) -> str:
    return translations.gettext(msgid) if msgid else ""  # gettext("") is the catalog header


def page_context(request: Request, user: User | None) -> dict[str, Any]:
    """What every template can use: `_`, `lang`, `user`, `nav`, `csrf_field`, the current path."""
    lang: str = request.state.lang
    translations = request.app.state.catalogs[lang]
    nav = nav_for(user)
    return {
        "request": request, "lang": lang, "other_lang": "en" if lang == "zh" else "zh",
        "_": translations.gettext, "ngettext": translations.ngettext,
        "user": user, "nav": nav, "path": request.url.path,
        "nav_current": current(nav, request.url.path),
        "lang_href": "?" + str(request.url.include_query_params(lang="en" if lang == "zh" else "zh").query),
        "csrf_field": CSRF_FIELD, "csrf_token": user.csrf if user else "",
        "dev_login": request.app.state.dev_login_enabled, "tz": request.app.state.settings.timezone,
        "rule_title": rule_title, "event_label": event_label, "queue_label": queue_label, "done_message": done_message,
        "label": lambda kind, value: _translated(translations, label(kind, value)),
    }


def render(request: Request, template: str, status: int = 200, user: User | None = None,
           **context: Any) -> HTMLResponse:
    """Render a page; `refusal=` (an ApiRefusal) shows the API's rule in the page's alert box."""
    if user is None:
        user = optional_user(request)
    env: Environment = request.app.state.templates
    html = env.get_template(template).render({**page_context(request, user), **context})
    return HTMLResponse(html, status_code=status)


def refusal_status(refusal: ApiRefusal) -> int:
    """The page's status for an API refusal: the API's own 4xx, 502 for a service that is down."""
    return refusal.status if 400 <= refusal.status < 500 else 502
