"""Shifts, handovers and deposits in the back office: read-only, scoped."""

from __future__ import annotations

from django.contrib import admin

from kuwwa.cashiering.models import Deposit, Handover, Shift
from kuwwa.organizations.admin_scoping import ReadOnlyScopedAdmin


@admin.register(Shift)
class ShiftAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "pk",
        "center",
        "cashier",
        "status",
        "opened_at",
        "expected",
        "counted",
        "over_short",
    )
    list_filter = ("status", "company")


@admin.register(Handover)
class HandoverAdmin(ReadOnlyScopedAdmin):
    list_display = ("shift", "amount", "status", "created_at", "supervisor")
    list_filter = ("status",)


@admin.register(Deposit)
class DepositAdmin(ReadOnlyScopedAdmin):
    list_display = ("slip_number", "center", "amount", "bank_name", "prepared_by", "created_at")
