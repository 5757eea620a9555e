"""The workbench's pages. A new page: a module here with `router = APIRouter()`, listed in ROUTERS."""

from services.workbench.entrypoints.web.routes import (
    applications,
    arms,
    arrangements,
    audit,
    auth,
    board,
    cases,
    qa,
    queue,
    reports,
    roster,
)

# arrangements before cases: its POST /cases/{id}/arrangements, not the case page's catch-all action route
ROUTERS = [auth.router, queue.router, arrangements.router, cases.router, board.router, applications.router,
           reports.router, arms.router, qa.router,
           audit.router, roster.router]
