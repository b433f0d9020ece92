"""Back-office admin for tariffs: national data, entered by the establishment's administrators.

Every staff user may read tariffs. Bands and charges are checked together by the tariff
validation, so a bad decision is a form error, never a 500. A version in force that bills
already use is read-only: prices change through a new version with a later date.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kuwwa.billing.models import Tariff, TariffBand, TariffCharge
from kuwwa.billing.tariffs import (
    CHARGE,
    METER_RENT,
    BandSpec,
    ChargeSpec,
    can_edit_tariffs,
    tariff_bands_validate,
    tariff_charges_validate,
    tariff_is_locked,
    tariff_lines_audit,
)
from kuwwa.core.errors import ApplicationError
from kuwwa.core.money import format_amount, parse_amount
from kuwwa.organizations.admin_scoping import AuditedSaveMixin


def _is_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff)


def _may_edit(request: HttpRequest, tariff: Tariff | None) -> bool:
    if not can_edit_tariffs(request.user):
        return False
    return tariff is None or not tariff_is_locked(tariff)


def _live_rows(formset: BaseInlineFormSet) -> list[dict[str, Any]]:
    return [
        f.cleaned_data
        for f in formset.forms
        if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
    ]


class BandFormSet(BaseInlineFormSet):
    """Checks the bands as a whole: contiguous from 0, rising, only the last open-ended."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        bands = [BandSpec(r["from_kwh"], r.get("to_kwh"), r["price"]) for r in _live_rows(self)]
        try:
            tariff_bands_validate(bands)
        except ApplicationError as exc:
            raise ValidationError(str(exc), code=exc.code) from exc


class MajorAmountField(forms.CharField):
    """Typed in pounds (Arabic digits welcome), kept as an int of minor units."""

    def to_python(self, value: Any) -> int:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return 0
        try:
            return parse_amount(text)
        except ApplicationError as exc:
            raise ValidationError(str(exc), code=exc.code) from exc

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return format_amount(value, language="en", symbol=False)
        return value


class ChargeForm(forms.ModelForm):
    amount = MajorAmountField(
        label=_("amount"),
        required=False,
        help_text=_("In pounds, e.g. 500; leave 0 for a percentage fee."),
    )

    class Meta:
        model = TariffCharge
        fields = ("kind", "code", "label_ar", "label_en", "amount", "percent", "position")


class ChargeFormSet(BaseInlineFormSet):
    """Checks codes are unique and a percentage is a fee's, between 0 and 100."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        charges = [
            ChargeSpec(
                r["kind"],
                r["code"],
                r["label_ar"],
                r["label_en"],
                r.get("amount") or 0,
                r.get("percent"),
            )
            for r in _live_rows(self)
        ]
        try:
            tariff_charges_validate(charges)
        except ApplicationError as exc:
            raise ValidationError(str(exc), code=exc.code) from exc


class _TariffPartInline(admin.TabularInline):
    """Editable exactly when the parent tariff is."""

    extra = 1

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_staff(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_edit(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_edit(request, obj)


class TariffBandInline(_TariffPartInline):
    model = TariffBand
    formset = BandFormSet
    fields = ("from_kwh", "to_kwh", "price")
    extra = 2


class TariffChargeInline(_TariffPartInline):
    model = TariffCharge
    form = ChargeForm
    formset = ChargeFormSet
    fields = ("kind", "code", "label_ar", "label_en", "amount", "percent", "position")


@admin.register(Tariff)
class TariffAdmin(AuditedSaveMixin, admin.ModelAdmin):
    list_display = ("category", "effective_from", "name_ar", "name_en", "method", "cycle_months")
    list_filter = ("category", "method")
    search_fields = ("name_ar", "name_en", "decision_ref")
    date_hierarchy = "effective_from"
    readonly_fields = ("created_at", "updated_at")
    fields = (
        "category",
        "effective_from",
        "name_ar",
        "name_en",
        "decision_ref",
        "method",
        "cycle_months",
        "created_at",
        "updated_at",
    )
    inlines = [TariffBandInline, TariffChargeInline]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_staff(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and can_edit_tariffs(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # versions are history; a wrong future version is corrected, not deleted

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """After the bands and charges: a meter-rent line if missing, then one audit event
        with the whole price list, in the admin's transaction."""
        super().save_related(request, form, formsets, change)
        tariff = form.instance
        code, label_ar, label_en = METER_RENT
        if not tariff.charges.filter(code=code).exists():
            TariffCharge.objects.create(
                tariff=tariff, kind=CHARGE, code=code, label_ar=label_ar, label_en=label_en
            )
        if not change or any(fs.has_changed() for fs in formsets):
            tariff_lines_audit(actor=request.user, tariff=tariff)


from kuwwa.billing import admin_billing  # noqa: E402, F401 - cycles, readings, bills, runs, adjustments
