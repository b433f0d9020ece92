"""URLs of the partners pages."""

from django.urls import path  # noqa: F401

app_name = "partners"
urlpatterns: list = []
