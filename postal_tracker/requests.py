"""The request class of the app: JSON bodies are bounded in depth before they are decoded.

msgspec (Litestar's JSON decoder) recurses once per level of nesting, so a body of 100 000
`[` reaches Python's recursion limit and would answer 500 on every JSON endpoint, public
ones included. No body of this API nests deeper than a few levels (a batch of scans with
their locations is 4), so anything deeper than `MAX_JSON_DEPTH` is refused as a 400 before
decoding.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.exceptions import ClientException

MAX_JSON_DEPTH = 32
"""The deepest nesting of arrays and objects a request body may have."""

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays and objects deeper than `limit` (brackets inside
    strings do not count). Cheap for ordinary bodies: only the brackets are walked."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _STRINGS.sub(b'""', body).translate(None, delete=_NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > limit:
            return True
    return False


class BoundedJSONRequest(Request):
    async def json(self) -> Any:
        body = await self.body()
        if json_depth_exceeds(body):
            raise ClientException(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
        return await super().json()
