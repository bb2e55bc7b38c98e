"""Printable documents over HTTP. PDFs are answered inline, named after what they are.

Access: every staff role (clerk, postal, supervisor) may print every document of its commune.
Integration clients (the portal) may fetch labels and receipts, since booking through the API
hands them `label_url` and `receipt_url`; hand-over records are paperwork between the postman
and the desk, so not for them.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from postal_tracker.accounts.auth import STAFF, allow
from postal_tracker.accounts.service import Role
from postal_tracker.deps import CurrentUser, RowId
from postal_tracker.documents.deps import DOCUMENTS, Documents
from postal_tracker.documents.schemas import HandoverView, LabelBatch, LabelFormat, LabelSize, PdfDocument

PRINTERS = allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION)


def pdf_response(document: PdfDocument) -> Response[Any]:
    """A PDF answered inline under its name (documents and manifests alike).

    `Response[Any]`: an endpoint that answers JSON or its PDF (`/handovers/{id}.pdf`,
    `/manifests?format=pdf`) keeps the JSON's schema as its return type, for the OpenAPI
    document, and answers this in the PDF's case."""
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{document.filename}"',
            # Names and phones: not for shared caches, nor for the browser's disk cache.
            "Cache-Control": "private, no-store",
        },
    )


class DocumentController(Controller):
    path = "/api/v1"
    tags = ["documents"]
    dependencies = DOCUMENTS

    @get("/shipments/{tracking_no:str}/label.pdf", guards=[PRINTERS], sync_to_thread=True)
    def label(
        self, documents: Documents, user: CurrentUser, tracking_no: FromPath[str],
        size: FromQuery[LabelSize] = "a6", format: FromQuery[LabelFormat] = "pdf",
    ) -> Response[bytes]:  # fmt: skip
        """A parcel's label: 100 x 150 mm for thermal printers (`a6`) or on an A4 sheet (`a4`);
        `format=zpl`: ZPL II for a thermal printer (`application/zpl`)."""
        return pdf_response(documents.label(user, tracking_no, size, format))

    @post("/labels", status_code=200, guards=[PRINTERS], sync_to_thread=True)
    def labels(self, documents: Documents, user: CurrentUser, data: JSONBody[LabelBatch]) -> Response[bytes]:
        """Up to 500 labels in one PDF (A4: four a sheet) or one ZPL document, in the order given.
        All or nothing."""
        return pdf_response(documents.labels(user, data.tracking_nos, data.size, data.format))

    @get("/dossiers/{dossier_id:int}/receipt.pdf", guards=[PRINTERS], sync_to_thread=True)
    def receipt(self, documents: Documents, user: CurrentUser, dossier_id: RowId) -> Response[bytes]:
        """The citizen's receipt (biên nhận), signed at pickup by the citizen and the postman."""
        return pdf_response(documents.receipt(user, dossier_id))

    @get("/handovers/{handover_ref:str}", guards=[STAFF], sync_to_thread=True)
    def handover(self, documents: Documents, user: CurrentUser, handover_ref: FromPath[str]) -> Response[HandoverView]:
        """`/handovers/{id}`: the hand-over with its parcels (JSON); `/handovers/{id}.pdf`: the
        signed record (biên bản giao nhận)."""
        # Litestar parameters are whole path segments, so `{id}.pdf` is parsed by the service.
        answer = documents.handover(user, handover_ref)
        if isinstance(answer, PdfDocument):
            return pdf_response(answer)
        return Response(answer)
