"""Counter (cashier) and supervisor screens, under /counter/."""

from django.urls import path

from kuwwa.counter import views

app_name = "counter"

urlpatterns = [
    path("", views.home, name="home"),
    path("shift/open/", views.open_shift, name="open_shift"),
    path("lookup/", views.lookup, name="lookup"),
    path("pay/", views.pay, name="pay"),
    path("shift/", views.shift_page, name="shift"),
    path("shift/payments/<int:pk>/reverse/", views.reverse_payment, name="reverse"),
    path("shift/handover/", views.handover, name="handover"),
    path("shift/handover/<int:pk>/cancel/", views.handover_withdraw, name="handover_cancel"),
    path("shift/close/", views.close, name="close"),
    path("shift/<int:pk>/z/", views.z_report, name="z_report"),
    path("supervisor/", views.supervisor, name="supervisor"),
    path(
        "supervisor/handovers/<int:pk>/<str:action>/",
        views.supervisor_handover,
        name="supervisor_handover",
    ),
    path(
        "supervisor/shifts/<int:pk>/approve/", views.supervisor_approve, name="supervisor_approve"
    ),
    path("supervisor/deposits/", views.supervisor_deposit, name="supervisor_deposit"),
]
