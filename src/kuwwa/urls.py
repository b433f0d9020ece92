"""URL wiring: admin, language switch, and each context's pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from kuwwa.api import api
from kuwwa.core import ops
from kuwwa.core import views as core_views

admin.site.site_header = admin.site.site_title = "Kuwwa — الكوة الواحدة"

urlpatterns = [
    # First: the partner API is most of the requests, and patterns are tried in order.
    path("api/v1/", api.urls),
    path("", core_views.home, name="home"),
    path("start/", core_views.start, name="start"),
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # DESIGN.md: "OpenAPI 3 published at /api/docs"; the versioned API keeps its own docs.
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/docs/", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("", include("kuwwa.collection.urls")),
    path("counter/", include("kuwwa.counter.urls")),
    path("portal/", include("kuwwa.portal.urls")),
    path("backoffice/", include("kuwwa.backoffice.urls")),
    path("partners/", include("kuwwa.partners.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
