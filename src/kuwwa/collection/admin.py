"""Payments and receipts in the back office: read-only, scoped to the user's companies."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kuwwa.collection.models import Allocation, Payment, Receipt
from kuwwa.core.money import format_amount
from kuwwa.organizations.admin_scoping import ReadOnlyScopedAdmin


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    can_delete = False
    fields = ("bill", "amount")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "receipt_number",
        "account",
        "money",
        "channel",
        "collector",
        "business_date",
        "status",
    )
    list_filter = ("status", "channel", "collector", "business_date")
    search_fields = ("receipt_number", "account__number", "client_reference")
    list_select_related = ("account", "collector")
    inlines = [AllocationInline]
    show_full_result_count = False

    @admin.display(description=_("amount"))
    def money(self, obj: Payment) -> str:
        return format_amount(obj.amount)


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyScopedAdmin):
    list_display = ("number", "account_number", "money", "channel", "issued_at", "status")
    list_filter = ("status", "channel")
    search_fields = ("number", "account_number", "client_reference")
    show_full_result_count = False

    @admin.display(description=_("amount"))
    def money(self, obj: Receipt) -> str:
        return format_amount(obj.amount)
