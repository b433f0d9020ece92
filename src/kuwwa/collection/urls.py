"""Receipt pages: /verify/ for anyone, /receipts/<number>/ for staff."""

from django.urls import path

from kuwwa.collection import views

app_name = "collection"

urlpatterns = [
    path("verify/", views.verify_page, name="verify"),
    path("receipts/<str:number>/", views.receipt_view, name="receipt"),
]
