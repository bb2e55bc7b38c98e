"""The app's own route table, for tests that must cover every route (a new route is covered,
or fails them, without anyone remembering to list it)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from litestar import Litestar
from litestar.routes import HTTPRoute

_PARAMETER = re.compile(r"\{(\w+):(\w+)\}")


def http_routes(app: Litestar) -> Iterator[tuple[str, str]]:
    """Every (method, path template) the app answers, OPTIONS and HEAD aside."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
                yield method, route.path


def takes_a_body(app: Litestar, method: str, template: str) -> bool:
    """Whether the handler of this route reads a request body (`data`)."""
    route = next(r for r in app.routes if isinstance(r, HTTPRoute) and r.path == template)
    handler, _ = route.route_handler_map[method]  # type: ignore[index]
    return "data" in handler.parsed_fn_signature.parameters


_PLACEHOLDERS = {"int": "1", "str": "x", "path": "x", "uuid": "00000000-0000-4000-8000-000000000000"}


def concrete(template: str, values: Mapping[str, str]) -> str:
    """`/api/v1/dossiers/{dossier_id:int}` with `{"dossier_id": "7"}` -> `/api/v1/dossiers/7`;
    a parameter not in `values` gets a placeholder of its type."""
    return _PARAMETER.sub(lambda m: values.get(m.group(1)) or _PLACEHOLDERS[m.group(2)], template)
