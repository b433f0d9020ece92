"""Back office for complaints: each company's staff see, assign and resolve their own.

Scoped through ScopedAdmin; every change goes through kuwwa.portal.complaints (audited), never
through the change form, which is read-only. Attachments are served only here, after the
scope check: MEDIA_ROOT is never published by the web server.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kuwwa.core.errors import ApplicationError
from kuwwa.organizations.admin_scoping import ScopedAdmin
from kuwwa.organizations.scopes import scope_of
from kuwwa.portal.complaints import complaint_assign, complaint_resolve, may_handle, may_view
from kuwwa.portal.models import Complaint


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[("1", _("upheld: resolved")), ("0", _("not upheld: rejected"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    resolution = forms.CharField(
        label=_("Answer to the citizen"), widget=forms.Textarea(attrs={"rows": 5}), max_length=2000
    )


def _may_view_any(request: HttpRequest) -> bool:
    scope = scope_of(request.user)
    if scope.all_companies:
        return may_view(request.user, 0)
    return scope.company_id is not None and may_view(request.user, scope.company_id)


@admin.register(Complaint)
class ComplaintAdmin(ScopedAdmin):
    list_display = (
        "reference",
        "account",
        "subject",
        "reason",
        "status",
        "assigned_to",
        "created_at",
    )
    list_filter = ("status", "subject", "reason")
    search_fields = ("reference", "account__number", "subject_reference")
    ordering = ("-created_at",)
    actions = ("assign_to_me", "resolve")
    readonly_fields = (
        "company",
        "reference",
        "account",
        "subject",
        "subject_reference",
        "reason",
        "description",
        "phone",
        "attachment_link",
        "status",
        "assigned_to",
        "resolution",
        "created_at",
        "resolved_at",
    )
    exclude = ("attachment",)

    # Permissions come from scope and role (docs/portal.md), not from Django model permissions.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_view_any(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return _may_view_any(request)
        return may_view(request.user, obj.company_id)  # type: ignore[attr-defined]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # read-only form; the actions change complaints

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("account", "assigned_to")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        scope = scope_of(request.user)
        company_id = 0 if scope.all_companies else (scope.company_id or -1)
        return actions if may_handle(request.user, company_id) else {}

    @admin.display(description=_("attachment"))
    def attachment_link(self, obj: Complaint) -> str:
        if not obj.attachment:
            return "—"
        url = reverse("admin:portal_complaint_attachment", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("open the attachment"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/attachment/",
                self.admin_site.admin_view(self.attachment_view),
                name="portal_complaint_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_view(self, request: HttpRequest, pk: int) -> FileResponse:
        complaint = get_object_or_404(self.get_queryset(request), pk=pk)
        if not complaint.attachment or not may_view(request.user, complaint.company_id):
            raise Http404
        content_type = "image/png" if complaint.attachment.name.endswith(".png") else "image/jpeg"
        response = FileResponse(complaint.attachment.open("rb"), content_type=content_type)
        response["Content-Disposition"] = f'inline; filename="{complaint.reference}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Complaint]) -> None:
        done = 0
        for complaint in queryset:
            try:
                complaint_assign(actor=request.user, complaint=complaint)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{complaint.reference}: {exc}", messages.WARNING)
        if done:
            self.message_user(request, _("%(n)d complaint(s) assigned to you.") % {"n": done})

    @admin.action(description=_("Resolve (with the answer to the citizen)"))
    def resolve(self, request: HttpRequest, queryset: QuerySet[Complaint]) -> HttpResponse | None:
        form = ResolveForm(request.POST if "resolution" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for complaint in queryset:
                try:
                    complaint_resolve(
                        actor=request.user,
                        complaint=complaint,
                        resolution=form.cleaned_data["resolution"],
                        upheld=form.cleaned_data["upheld"],
                    )
                    done += 1
                except ApplicationError as exc:
                    self.message_user(request, f"{complaint.reference}: {exc}", messages.WARNING)
            if done:
                self.message_user(request, _("%(n)d complaint(s) answered.") % {"n": done})
            return HttpResponseRedirect(request.get_full_path())
        context = {
            **self.admin_site.each_context(request),
            "title": _("Resolve complaints"),
            "opts": self.model._meta,
            "complaints": queryset,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "portal/admin_resolve.html", context)
