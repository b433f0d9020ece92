"""URL wiring: admin, language switch, and each context's pages."""

from django.contrib import admin
from django.urls import include, path

from kuwwa.core import views as core_views

admin.site.site_header = admin.site.site_title = "Kuwwa — الكوة الواحدة"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
