"""URLs of the back-office dashboards, their exports and the settlement statements."""

from django.urls import path, re_path

from kuwwa.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("", views.collections, name="collections"),
    path("rate/", views.rate, name="rate"),
    path("arrears/", views.arrears, name="arrears"),
    path("matrix/", views.matrix, name="matrix"),
    path("centers/", views.staff, name="staff"),
    path("readings/", views.readings, name="readings"),
    path("complaints/", views.complaints, name="complaints"),
    path("statements/", views.statements, name="statements"),
    re_path(
        r"^statements/(?P<day>\d{4}-\d{2}-\d{2})/(?P<code>\d{2})\.(?P<kind>pdf|xlsx)$",
        views.statement_download,
        name="statement",
    ),
    path("digits/", views.digits_toggle, name="digits"),
]
