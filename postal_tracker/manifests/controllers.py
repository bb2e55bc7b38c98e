"""Manifests over HTTP (postal, clerk, supervisor; always the caller's commune)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from litestar import Controller, Response, get
from litestar.params import FromQuery, QueryParameter

from postal_tracker.accounts.auth import STAFF
from postal_tracker.deps import CurrentUser
from postal_tracker.documents.controllers import pdf_response
from postal_tracker.manifests.deps import MANIFESTS, Manifests
from postal_tracker.manifests.schemas import Manifest
from postal_tracker.manifests.service import ManifestKind


class ManifestController(Controller):
    path = "/api/v1"
    tags = ["manifests"]
    guards = [STAFF]
    dependencies = MANIFESTS

    @get("/manifests", sync_to_thread=True)
    def manifest(
        self, manifests: Manifests, user: CurrentUser,
        kind: FromQuery[ManifestKind],
        date: Annotated[dt.date | None, QueryParameter(description="Local date, YYYY-MM-DD (default: today)")] = None,
        postman: Annotated[str | None, QueryParameter(max_length=64, description="Id, username or `me`")] = None,
        format: Annotated[Literal["json", "pdf"], QueryParameter(description="`pdf`: the printable manifest")] = "json",
    ) -> Response[Manifest]:  # fmt: skip
        """The day's stops as a short round from the post office and back; `format=pdf` prints it."""
        # (Parameters carry their query names, so that validation errors name what the client sent.)
        if format == "pdf":
            return pdf_response(manifests.manifest_pdf(user, date, kind, postman))
        return Response(manifests.manifest(user, date, kind, postman))
