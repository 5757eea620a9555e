"""The workbench's pages. A new page: a module here with `router = APIRouter()`, listed in ROUTERS."""

from services.workbench.entrypoints.web.routes import auth, queue

ROUTERS = [auth.router, queue.router]
