"""The navigation bar: which pages each role sees. Add a page here to put it in the bar."""

from __future__ import annotations

from dataclasses import dataclass

from services.workbench.entrypoints.web.session import User


def N_(message: str) -> str:
    """Marks a string for the catalogs; translated when the page renders."""
    return message


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str  # a catalog msgid
    roles: tuple[str, ...]
    accesskey: str = ""


NAV = (
    NavItem("/queue", N_("My queue"), ("collector", "collections_supervisor", "legal", "admin"), "q"),
    NavItem("/board", N_("Board"), ("collections_supervisor", "legal", "admin"), "b"),
    NavItem("/applications", N_("Applications"), ("client_manager", "team_manager", "credit_manager", "admin"), "a"),
    NavItem("/reports", N_("Reports"), ("reporting", "admin", "collections_supervisor"), "r"),
    NavItem("/reports/arms", N_("Policy arms"), ("reporting", "admin", "collections_supervisor"), "m"),
    NavItem("/qa", N_("Call QA"), ("qa", "collections_supervisor", "admin"), "k"),
    NavItem("/audit", N_("Access audit"), ("auditor", "admin"), "w"),  # who saw which personal data (issue 16)
    NavItem("/arrangements", N_("Approvals"), ("credit_manager",), "p"),  # arrangements above a supervisor's limit
)


def nav_for(user: User | None) -> list[NavItem]:
    if user is None:
        return []
    return [item for item in NAV if user.has(*item.roles)]


def current(items: list[NavItem], path: str) -> str | None:
    """The bar's item the page belongs to: the longest item path the page's path starts with."""
    found = [item.path for item in items if path == item.path or path.startswith(item.path.rstrip("/") + "/")]
    return max(found, key=len, default=None)
