"""The workbench's pages. A new page: a module here with `router = APIRouter()`, listed in ROUTERS."""

from services.workbench.entrypoints.web.routes import auth, board, cases, queue

ROUTERS = [auth.router, queue.router, cases.router, board.router]
