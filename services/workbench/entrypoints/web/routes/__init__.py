"""The workbench's pages. A new page: a module here with `router = APIRouter()`, listed in ROUTERS."""

from services.workbench.entrypoints.web.routes import applications, arms, auth, board, cases, queue, reports

ROUTERS = [auth.router, queue.router, cases.router, board.router, applications.router, reports.router,
           arms.router]
