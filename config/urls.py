from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from config.api import api, not_found
from zoufang.core.health import healthz
from zoufang.home import help_views
from zoufang.home import views as home_views
from zoufang.offline import views as offline_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    # The login's two steps (password, then the code) and the user's own account pages.
    path("accounts/", include("zoufang.org.account_urls")),
    # Logout also wipes the offline app's store on the phone (Clear-Site-Data).
    path("accounts/logout/", offline_views.LogoutView.as_view(), name="logout"),
    path("sw.js", offline_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline_views.manifest, name="webmanifest"),
    path("offline/", include("zoufang.offline.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", home_views.audit_log, name="audit_log"),
    path("help/", help_views.help_index, name="help"),
    path("help/img/<str:name>", help_views.help_image, name="help_image"),
    path("help/<slug:slug>/", help_views.help_guide, name="help_guide"),
    path("org/", include("zoufang.org.urls")),
    path("registry/", include("zoufang.registry.urls")),
    path("findings/", include("zoufang.findings.urls")),
    path("notifications/", include("zoufang.notifications.urls")),
    path("visits/", include("zoufang.visits.urls")),
    path("supervision/", include("zoufang.supervision.urls")),
    path("dashboard/", include("zoufang.dashboard.urls")),
    path("patrol/", include("zoufang.patrol.urls")),
    path("pocketbook/", include("zoufang.knowledge.urls")),
    path("research/", include("zoufang.research.urls")),
    path("outreach/", include("zoufang.outreach.urls")),
    # The public page (no login): also the only routes of the public host (config/urls_public.py).
    path("p/", include("zoufang.outreach.public_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", not_found),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False), name="api_docs"),
    path("api/docs/", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database that cannot be reached answers 503 with a message; any other error the usual 500.
handler500 = "zoufang.core.unavailable.server_error_or_unavailable"
