"""The public host's URLconf (OUTREACH_PUBLIC_HOSTS, selected by
zoufang.outreach.middleware.PublicHostMiddleware): the public page, the language switch and the
health check; nothing of the staff site. The public page is the only part that faces the
internet (docs/deployment.md)."""

from django.urls import include, path
from django.views.generic import RedirectView

from zoufang.core.health import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="public:city", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("p/", include("zoufang.outreach.public_urls")),
]
