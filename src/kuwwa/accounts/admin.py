"""Back-office admin for subscriber accounts and meters; writes go through the services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from kuwwa.accounts.models import Account, Meter
from kuwwa.accounts.services import (
    ACCOUNT_EDITABLE_FIELDS,
    account_create,
    account_create_validate,
    account_update,
    meter_install,
    meter_install_validate,
)
from kuwwa.core.errors import ApplicationError, PermissionDenied
from kuwwa.organizations.admin_scoping import RequestUserFormMixin, ScopedAdmin
from kuwwa.organizations.models import User
from kuwwa.organizations.scopes import scope_of


class MeterInline(admin.TabularInline):
    model = Meter
    extra = 0
    can_delete = False
    fields = ("serial", "digits", "multiplier", "phase", "installed_on", "removed_on")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AccountAdminForm(forms.ModelForm):
    """Runs the service's checks at form time, so bad input is a form error, not a 500."""

    request_user: Any = None

    class Meta:
        model = Account
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            if self.instance.pk is None and data.get("company") is not None:
                account_create_validate(
                    actor=self.request_user,
                    company=data["company"],
                    holder_name=data.get("holder_name", ""),
                    category=data.get("category", ""),
                )
            elif self.instance.pk is not None and not scope_of(
                self.request_user
            ).can_change_company_data(self.instance.company_id):
                raise PermissionDenied()
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


class MeterAdminForm(forms.ModelForm):
    request_user: Any = None

    class Meta:
        model = Meter
        fields = (
            "account",
            "serial",
            "digits",
            "multiplier",
            "phase",
            "initial_reading",
            "installed_on",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        needed = ("account", "serial", "installed_on", "digits", "multiplier", "initial_reading")
        if all(data.get(k) is not None for k in needed):
            try:
                meter_install_validate(actor=self.request_user, **{k: data[k] for k in needed})
            except ApplicationError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(Account)
class AccountAdmin(RequestUserFormMixin, ScopedAdmin):
    form = AccountAdminForm
    list_display = ("formatted_number", "holder_name", "company", "category", "status")
    list_filter = ("status", "category", "company")
    search_fields = ("number", "holder_name", "phone", "national_id")
    readonly_fields = ("number", "created_at", "updated_at")
    inlines = [MeterInline]
    list_select_related = ("company",)
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return ("company", *self.readonly_fields)
        return self.readonly_fields

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        from kuwwa.core.digits import strip_separators, to_latin_digits

        return super().get_search_results(
            request,
            queryset,
            strip_separators(to_latin_digits(search_term))
            if search_term.replace("-", "").replace(" ", "").isdigit()
            else to_latin_digits(search_term),
        )

    def save_model(self, request: HttpRequest, obj: Account, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {f: data[f] for f in form.changed_data if f in ACCOUNT_EDITABLE_FIELDS}
            saved = account_update(actor=cast(User, request.user), account=obj, changes=changes)
        else:
            saved = account_create(
                actor=cast(User, request.user),
                company=data["company"],
                holder_name=data["holder_name"],
                category=data["category"],
                national_id=data.get("national_id", ""),
                phone=data.get("phone", ""),
                address=data.get("address", ""),
            )
        obj.pk, obj.number = saved.pk, saved.number
        obj._state.adding = False


@admin.register(Meter)
class MeterAdmin(RequestUserFormMixin, ScopedAdmin):
    form = MeterAdminForm
    list_display = ("serial", "account", "digits", "multiplier", "installed_on", "removed_on")
    search_fields = ("serial", "account__number")
    list_select_related = ("account",)
    raw_id_fields = ("account",)
    fields = (
        "account",
        "serial",
        "digits",
        "multiplier",
        "phase",
        "initial_reading",
        "installed_on",
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Meter, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = meter_install(
            actor=cast(User, request.user),
            account=data["account"],
            serial=data["serial"],
            installed_on=data["installed_on"],
            digits=data["digits"],
            multiplier=data["multiplier"],
            phase=data["phase"],
            initial_reading=data["initial_reading"],
        )
        obj.pk = saved.pk
        obj._state.adding = False
