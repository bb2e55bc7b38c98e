"""Web pages for people: `/track` (citizens), `/desk` (clerks), `/scan` (postmen), `/reports`
and `/admin/*` (supervisors, the province admin), `/login`.

Vietnamese first, English available (`?lang=en`, remembered in a cookie). Pages are rendered
with Jinja on the server; small vanilla scripts in `static/` call the JSON API with the
session cookie. Nothing is loaded from the internet: no CDN, no web fonts, no build step.
"""

from postal_tracker.web.admin import AdminPageController
from postal_tracker.web.controllers import PageController, TrackPageController
from postal_tracker.web.errors import handle_error
from postal_tracker.web.setup import csrf_config, form_pages, static_files_router, template_config

__all__ = [
    "AdminPageController",
    "PageController",
    "TrackPageController",
    "csrf_config",
    "form_pages",
    "handle_error",
    "static_files_router",
    "template_config",
]
