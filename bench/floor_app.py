"""The `/health` floor: a bare Litestar app, served by `scripts/bench` under the same uvicorn
settings and workers as `postal-tracker serve` (uvloop, httptools, no access log)."""

from litestar import Litestar, get


@get("/health", sync_to_thread=False)
def health() -> dict:
    return {"status": "ok"}


app = Litestar(route_handlers=[health])
