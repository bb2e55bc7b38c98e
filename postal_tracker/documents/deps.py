"""What the document handlers receive by injection: `dependencies=DOCUMENTS` on a controller
gives its handlers `documents: Documents`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.deps import DB, AppSettings
from postal_tracker.documents.service import DocumentService


def provide_document_service(db: DB, settings: AppSettings) -> DocumentService:
    return DocumentService(db, settings.public)


Documents = NamedDependency[DocumentService]
DOCUMENTS = {"documents": Provide(provide_document_service, sync_to_thread=False)}
