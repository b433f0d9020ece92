"""Back-office admin for companies, centers, partners and staff users (scoped)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kuwwa.organizations.admin_scoping import AuditedSaveMixin, RequestUserFormMixin, ScopedAdmin
from kuwwa.organizations.models import CollectionCenter, Company, Partner, User
from kuwwa.organizations.roles import ROLE_SCOPE, Role
from kuwwa.organizations.scopes import scope_of


@admin.register(Company)
class CompanyAdmin(AuditedSaveMixin, admin.ModelAdmin):
    list_display = ("code", "name_ar", "name_en", "governorate_ar")
    readonly_fields = ("code", "is_establishment")
    search_fields = ("code", "name_ar", "name_en")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Company]:
        scope = scope_of(request.user)
        qs = super().get_queryset(request)
        if scope.all_companies:
            return qs
        if scope.company_id is None:
            return qs.none()
        return qs.filter(pk=scope.company_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the 14 companies are seeded; a new governorate is a migration

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and scope_of(request.user).all_companies


@admin.register(CollectionCenter)
class CollectionCenterAdmin(AuditedSaveMixin, ScopedAdmin):
    list_display = ("company", "code", "name_ar", "kind", "is_active")
    list_filter = ("kind", "is_active", "company")
    search_fields = ("code", "name_ar", "name_en")


@admin.register(Partner)
class PartnerAdmin(AuditedSaveMixin, admin.ModelAdmin):
    list_display = ("code", "name_ar", "name_en", "kind", "is_active")
    list_filter = ("kind", "is_active")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScopedUserForm(forms.ModelForm):
    """Checks that the roles chosen fit the user's scope, and that a company admin stays
    inside their own company."""

    request_user: Any = None

    class Meta:
        model = User
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope_kind = data.get("scope_kind")
        company = data.get("company")
        center = data.get("center")
        if scope_kind == User.ScopeKind.ESTABLISHMENT and (company or center):
            raise ValidationError(_("An establishment user has no company or center."))
        if scope_kind == User.ScopeKind.COMPANY and (not company or center):
            raise ValidationError(_("A company user needs a company and no center."))
        if scope_kind == User.ScopeKind.CENTER:
            if not (company and center):
                raise ValidationError(_("A center user needs a company and a center."))
            if center.company_id != company.pk:
                raise ValidationError(_("The center belongs to another company."))
        for group in data.get("groups") or []:
            needed = ROLE_SCOPE.get(Role(group.name)) if group.name in Role else None
            if needed and needed != scope_kind:
                raise ValidationError(
                    _("The role %(role)s needs the scope %(scope)s."),
                    params={"role": group.name, "scope": needed},
                )
        actor_scope = scope_of(self.request_user)
        if not actor_scope.all_companies and (
            scope_kind == User.ScopeKind.ESTABLISHMENT
            or (company is not None and company.pk != actor_scope.company_id)
        ):
            raise ValidationError(_("You may manage only the users of your own company."))
        return data


@admin.register(User)
class StaffUserAdmin(RequestUserFormMixin, UserAdmin):
    form = ScopedUserForm
    list_display = ("username", "first_name", "last_name", "scope_kind", "company", "center")
    list_filter = ("scope_kind", "company", "groups", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Scope"), {"fields": ("scope_kind", "company", "center", "phone")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Scope"), {"fields": ("scope_kind", "company", "center", "groups")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        qs = super().get_queryset(request)
        scope = scope_of(request.user)
        if scope.all_companies:
            return qs
        if scope.company_id is None:
            return qs.none()
        return qs.filter(company_id=scope.company_id)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if scope_of(request.user).is_superuser:
            return ()
        return ("is_superuser", "user_permissions", "last_login", "date_joined")

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups" and not scope_of(request.user).all_companies:
            allowed = [r.value for r, s in ROLE_SCOPE.items() if s != "establishment"]
            kwargs["queryset"] = Group.objects.filter(name__in=allowed)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scope = scope_of(request.user)
        if not scope.all_companies and scope.company_id is not None:
            if db_field.name == "company":
                kwargs["queryset"] = Company.objects.filter(pk=scope.company_id)
            if db_field.name == "center":
                kwargs["queryset"] = CollectionCenter.objects.filter(company_id=scope.company_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from kuwwa.core.services import master_data_save

        master_data_save(actor=request.user, instance=obj, changed_fields=list(form.changed_data))
