"""Admin pages filtered through the user's scope, so a company admin sees only their company."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from kuwwa.core.services import master_data_save
from kuwwa.organizations.scopes import companies_changeable, restrict_to_scope, scope_of


class ScopedAdmin(admin.ModelAdmin):
    """Lists only rows of companies the user may read; changes only where they may change."""

    company_field = "company"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        return restrict_to_scope(qs, request.user, company_field=self.company_field)

    def _company_id(self, obj: Model) -> int | None:
        return getattr(obj, f"{self.company_field}_id", None)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        company_id = self._company_id(obj)
        return company_id is not None and scope_of(request.user).can_change_company_data(company_id)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # master data is closed or deactivated, never deleted

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == self.company_field:
            kwargs["queryset"] = companies_changeable(request.user).filter(is_establishment=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AuditedSaveMixin:
    """Admin saves go through the audited master-data service."""

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        master_data_save(actor=request.user, instance=obj, changed_fields=list(form.changed_data))


class RequestUserFormMixin:
    """Hands the signed-in user to the form so its checks use the same scope rules."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        form.request_user = request.user
        return form


class ReadOnlyScopedAdmin(ScopedAdmin):
    """Records written only by services (bills, payments, shifts): viewed, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
