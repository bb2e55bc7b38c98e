"""Manifests over HTTP (postal, clerk, supervisor; always the caller's commune)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from litestar import Controller, Response, get
from litestar.params import FromQuery, QueryParameter

from postal_tracker.accounts.auth import STAFF
from postal_tracker.deps import DB, CurrentUser, Rules
from postal_tracker.localtime import local_today
from postal_tracker.manifests import service
from postal_tracker.manifests.schemas import Manifest


class ManifestController(Controller):
    path = "/api/v1"
    tags = ["manifests"]
    guards = [STAFF]

    @get("/manifests", sync_to_thread=True)
    def manifest(
        self, db: DB, rules: Rules, user: CurrentUser,
        kind: FromQuery[service.ManifestKind],
        date: Annotated[dt.date | None, QueryParameter(description="Local date, YYYY-MM-DD (default: today)")] = None,
        postman: Annotated[str | None, QueryParameter(max_length=64, description="Id, username or `me`")] = None,
        format: Annotated[Literal["json", "pdf"], QueryParameter(description="`pdf`: the printable manifest")] = "json",
    ) -> Response[Manifest]:  # fmt: skip
        """The day's stops as a short round from the post office and back; `format=pdf` prints it."""
        # (Parameters carry their query names, so that validation errors name what the client sent.)
        day = date or local_today()
        if format == "pdf":
            document = service.manifest_pdf(db, user, day, kind, postman, rules)
            return Response(
                document.content,
                media_type="application/pdf",
                headers={
                    "Content-Disposition": f'inline; filename="{document.filename}"',
                    "Cache-Control": "private, no-store",  # names and phones
                },
            )
        return Response(service.manifest(db, user, day, kind, postman, rules))
