"""`create_app(settings)`: the one place that wires routes, auth, errors and the database."""

from __future__ import annotations

import logging

from litestar import Litestar, Request, Router, get
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ServiceUnavailableException
from litestar.middleware import DefineMiddleware
from litestar.middleware.compression import CompressionMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig

from postal_tracker.accounts.auth import make_jwt_auth
from postal_tracker.accounts.controllers import AuthController, PostmanController, UserController
from postal_tracker.accounts.service import Principal
from postal_tracker.audit.controllers import AuditController
from postal_tracker.booking.controllers import BookingController
from postal_tracker.communes.controllers import CommuneController
from postal_tracker.complaints.controllers import ComplaintController
from postal_tracker.db import Database
from postal_tracker.delivery.controllers import DeliveryController
from postal_tracker.delivery.service import DeliveryConfig, DeliveryWorker
from postal_tracker.deps import DB
from postal_tracker.documents.controllers import DocumentController
from postal_tracker.logs import AccessLogMiddleware, configure_logging
from postal_tracker.manifests.controllers import ManifestController
from postal_tracker.places.worker import GeocodingWorker
from postal_tracker.portal.controllers import PortalController
from postal_tracker.reference.controllers import ReferenceController
from postal_tracker.reports.controllers import ReportController
from postal_tracker.requests import BoundedJSONRequest
from postal_tracker.scanning.controllers import ScanController
from postal_tracker.settings import Settings
from postal_tracker.shared import RATE_LIMITS, SIGN_IN_LIMITS, CountingRateLimitMiddleware, make_stores
from postal_tracker.shipments.controllers import ShipmentController
from postal_tracker.tracking.controllers import TrackingController
from postal_tracker.web import (
    AdminPageController,
    PageController,
    TrackPageController,
    form_pages,
    handle_error,
    static_files_router,
    template_config,
)

log = logging.getLogger("postal_tracker")


@get("/health", opt={"public": True}, tags=["operations"], sync_to_thread=False)
def health() -> dict:
    """Liveness: the process answers."""
    return {"status": "ok"}


@get("/ready", opt={"public": True}, tags=["operations"], sync_to_thread=True)
def ready(db: DB) -> dict:
    """Readiness: the database answers."""
    if not db.ping():
        raise ServiceUnavailableException("the database does not answer")
    return {"status": "ready"}


def current_user(request: Request) -> Principal:
    return request.user


SIGN_IN_PATHS = frozenset({"/api/v1/auth/token", "/login"})


async def is_sign_in(request: Request) -> bool:
    return request.method == "POST" and request.url.path in SIGN_IN_PATHS


def create_app(settings: Settings, db: Database | None = None) -> Litestar:
    settings = settings.with_secrets()
    configure_logging(settings.logging.level)
    db = db or Database(settings.database.url, settings.personal.data_key)
    db.use_data_keys(settings.personal.data_key)  # a database given by a test encrypts with these too
    jwt_auth = make_jwt_auth(settings.auth.jwt_secret, settings.auth.jwt_ttl_minutes)
    # Only the public endpoints are rate limited, per client address; staff scanners are not.
    # The counters are shared by every process when Redis is configured (shared.py).
    public_rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.public.rate_limit), store=RATE_LIMITS,
        middleware_class=CountingRateLimitMiddleware,
    )  # fmt: skip
    # CSRF checks only the page controllers, which serve the forms (web/setup.py: form_pages).
    public = Router(
        path="/", route_handlers=[TrackingController, form_pages(settings, TrackPageController)],
        middleware=[public_rate_limit.middleware],
    )  # fmt: skip
    sign_in_rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.public.sign_in_rate_limit), store=SIGN_IN_LIMITS,
        check_throttle_handler=is_sign_in, middleware_class=CountingRateLimitMiddleware,
    )  # fmt: skip
    # The sign-in limiter wraps only the controllers that hold the sign-in routes (SIGN_IN_PATHS),
    # not every request: the hot API paths do not pass through it.
    signing_in = Router(
        path="/", route_handlers=[AuthController, form_pages(settings, PageController)],
        middleware=[sign_in_rate_limit.middleware],
    )  # fmt: skip

    # The outbox delivery loop runs in a thread of each web process unless `serve --no-worker`
    # (`settings.delivery.worker` off); concurrent loops are safe (see delivery/service.py).
    workers: list[DeliveryWorker] = []
    # Geocoding of booked addresses, in a thread, woken after bookings (places/worker.py);
    # built here so that unusable geocoder settings stop the start-up.
    geocoding = GeocodingWorker(db, settings.geocoding)

    def on_startup() -> None:
        if settings.delivery.worker:
            workers.append(DeliveryWorker(db, DeliveryConfig.from_settings(settings)).start())
        geocoding.start()

    def on_shutdown() -> None:
        for worker in workers:
            worker.stop()
        geocoding.stop()
        db.dispose()

    # Pages, scripts and JSON go gzip-compressed to browsers that ask (phones on 3G): every route
    # but the probes, which a load balancer asks every few seconds and which read a dozen bytes.
    # As the router's middleware, not the app's compression_config: the probes do not pass
    # through it at all (nor through the route-level exception wrapper it brings).
    gzip = DefineMiddleware(CompressionMiddleware, config=CompressionConfig(backend="gzip", gzip_compress_level=6))
    compressed = Router(
        path="/",
        route_handlers=[
            signing_in,
            UserController,
            PostmanController,
            CommuneController,
            ReferenceController,
            BookingController,
            ShipmentController,
            DocumentController,
            ScanController,
            ManifestController,
            DeliveryController,
            PortalController,
            ReportController,
            AuditController,
            ComplaintController,
            public,
            form_pages(settings, AdminPageController),
            static_files_router(),
        ],
        middleware=[gzip],
    )

    return Litestar(
        route_handlers=[health, ready, compressed],
        dependencies={
            "db": Provide(lambda: db, use_cache=True, sync_to_thread=False),
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "rules": Provide(lambda: settings.rules, use_cache=True, sync_to_thread=False),
            "user": Provide(current_user, sync_to_thread=False),
        },
        on_app_init=[jwt_auth.on_app_init],
        middleware=[AccessLogMiddleware()],
        stores=make_stores(settings.instances),
        # Problem details on the API, Vietnamese HTML pages on the pages' paths (web/errors.py).
        exception_handlers={Exception: handle_error},
        template_config=template_config(),
        request_max_body_size=settings.public.max_body_bytes,
        request_class=BoundedJSONRequest,
        state=State({"db": db, "settings": settings, "jwt_auth": jwt_auth, "geocoding": geocoding}),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        openapi_config=OpenAPIConfig(
            title="postal-tracker",
            version="1",
            description="Public postal service for administrative procedures (dịch vụ bưu chính công ích).",
            # The schema's own router, to compress it too (Litestar adds its routes to it).
            openapi_router=Router(
                "/schema", route_handlers=[], include_in_schema=False, dto=None, return_dto=None, middleware=[gzip]
            ),
        ),
        logging_config=None,
    )
