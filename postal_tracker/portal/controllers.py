from __future__ import annotations

from litestar import Controller, Response, post
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from postal_tracker.accounts.auth import INTEGRATIONS
from postal_tracker.deps import CurrentUser
from postal_tracker.portal.deps import PORTAL, Portal
from postal_tracker.portal.schemas import (
    PortalDossierBooked,
    PortalDossierRequest,
    PortalResultBooked,
    PortalResultRequest,
)


class PortalController(Controller):
    """Calls from the provincial portal (`X-API-Key`). A repeated number answers 200 with the
    first booking and `duplicate: true`; a new one 201."""

    path = "/api/v1/integrations/portal"
    tags = ["integrations"]
    guards = [INTEGRATIONS]
    dependencies = PORTAL

    @post(
        "/dossiers",
        responses={200: ResponseSpec(PortalDossierBooked, description="Booked before: the first booking")},
        sync_to_thread=True,
    )
    def dossiers(
        self, portal: Portal, user: CurrentUser, data: JSONBody[PortalDossierRequest]
    ) -> Response[PortalDossierBooked]:
        """Book the pickup of a dossier submitted on the portal (idempotent on `portal_dossier_no`)."""
        created, answer = portal.book_dossier(user, data)
        return Response(answer, status_code=201 if created else 200)

    @post(
        "/results",
        responses={200: ResponseSpec(PortalResultBooked, description="Booked before: the return leg booked then")},
        sync_to_thread=True,
    )
    def results(
        self, portal: Portal, user: CurrentUser, data: JSONBody[PortalResultRequest]
    ) -> Response[PortalResultBooked]:
        """The result is ready at the desk: book its return (a return-only dossier if unknown here)."""
        created, answer = portal.book_result(user, data)
        return Response(answer, status_code=201 if created else 200)
