"""Back office for the partner API: keys, webhooks, reconciliations, deliveries.

Partner channels belong to the establishment, so only establishment staff see these pages,
and only establishment administrators create or revoke keys and webhooks. A new secret is
shown once, on the page that answers its creation, and is never stored in clear.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from kuwwa.core.audit import audit_record
from kuwwa.core.money import format_amount
from kuwwa.organizations.roles import Role
from kuwwa.organizations.scopes import scope_of
from kuwwa.partners.keys import partner_key_create, partner_key_revoke
from kuwwa.partners.models import (
    IdempotencyRecord,
    PartnerKey,
    ReconciliationLine,
    ReconciliationRun,
    WebhookDelivery,
    WebhookEndpoint,
)
from kuwwa.partners.webhooks import webhook_endpoint_set, webhook_retry

SECRET_TEMPLATE = "admin/partners/secret_created.html"  # noqa: S105 - a template name


def _viewer(request: HttpRequest) -> bool:
    return scope_of(request.user).all_companies


def _manager(request: HttpRequest) -> bool:
    scope = scope_of(request.user)
    return scope.all_companies and scope.has_role(Role.ESTABLISHMENT_ADMIN)


class EstablishmentAdmin(admin.ModelAdmin):
    """Seen by establishment staff; changed by establishment administrators; never deleted."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _viewer(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _viewer(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _manager(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _manager(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyEstablishmentAdmin(EstablishmentAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _secret_page(request: HttpRequest, *, title: str, what: str, ident: str, secret: str) -> Any:
    response = TemplateResponse(
        request,
        SECRET_TEMPLATE,
        {"title": title, "what": what, "ident": ident, "secret": secret},
    )
    response["Cache-Control"] = "no-store"
    return response


@admin.register(PartnerKey)
class PartnerKeyAdmin(EstablishmentAdmin):
    list_display = ("key_id", "partner", "label", "created_at", "revoked_at")
    list_filter = ("partner", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("key_id", "label", "partner__code")
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("partner", "label")
        return (
            "key_id",
            "partner",
            "label",
            "created_at",
            "created_by",
            "revoked_at",
            "revoked_by",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return self.get_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return  # nothing is editable: revoke with the action
        created = partner_key_create(
            actor=request.user, partner=form.cleaned_data["partner"], label=obj.label
        )
        obj.pk = created.key.pk
        obj.key_id = created.key.key_id
        request._kuwwa_new_secret = created.secret  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        secret = getattr(request, "_kuwwa_new_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return _secret_page(
            request,
            title=str(_("New API key")),
            what="X-Kuwwa-Key",
            ident=obj.key_id,
            secret=secret,
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[PartnerKey]) -> None:
        if not _manager(request):
            return
        for key in queryset:
            partner_key_revoke(actor=request.user, key=key)
        messages.success(request, _("The keys are revoked."))


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(EstablishmentAdmin):
    list_display = ("partner", "url", "is_active", "created_at")
    actions = ["new_secret"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("partner", "url") if obj is None else ("partner", "url", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else ("partner",)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            created = webhook_endpoint_set(actor=request.user, partner=obj.partner, url=obj.url)
            obj.pk = created.endpoint.pk
            request._kuwwa_new_secret = created.secret  # type: ignore[attr-defined]
            return
        obj.save(update_fields=["url", "is_active"])
        audit_record(
            company=obj.company_id,
            actor=request.user,  # type: ignore[arg-type]  # admin pages need a login
            action="partnerwebhook.update",
            obj=obj,
            data={"url": obj.url, "is_active": obj.is_active},
        )

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        secret = getattr(request, "_kuwwa_new_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return _secret_page(
            request,
            title=str(_("Webhook secret")),
            what=obj.url,
            ident=str(obj.partner),
            secret=secret,
        )

    @admin.action(description=_("Give a new webhook secret (shown once)"))
    def new_secret(
        self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]
    ) -> HttpResponse | None:
        endpoint = queryset.select_related("partner").first()
        if endpoint is None or not _manager(request):
            return None
        created = webhook_endpoint_set(
            actor=request.user, partner=endpoint.partner, url=endpoint.url
        )
        return _secret_page(
            request,
            title=str(_("Webhook secret")),
            what=endpoint.url,
            ident=str(endpoint.partner),
            secret=created.secret,
        )


class ReconciliationLineInline(admin.TabularInline):
    """The lines that need a look (everything but matched)."""

    model = ReconciliationLine
    extra = 0
    can_delete = False
    verbose_name_plural = _("differences")
    fields = (
        "line_no",
        "reference",
        "status",
        "partner_account",
        "partner_amount",
        "kuwwa_account",
        "kuwwa_amount",
        "receipt_number",
        "note",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReconciliationLine]:
        return super().get_queryset(request).exclude(status=ReconciliationLine.Status.MATCHED)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _viewer(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyEstablishmentAdmin):
    list_display = (
        "business_date",
        "partner",
        "created_at",
        "partner_count",
        "kuwwa_count",
        "matched",
        "missing_here",
        "missing_there",
        "amount_mismatch",
        "account_mismatch",
        "partner_money",
        "kuwwa_money",
    )
    list_filter = ("partner", "business_date")
    date_hierarchy = "business_date"
    inlines = [ReconciliationLineInline]
    exclude = ("company",)

    @admin.display(description=_("partner's total"))
    def partner_money(self, obj: ReconciliationRun) -> str:
        return format_amount(obj.partner_total)

    @admin.display(description=_("Kuwwa's total"))
    def kuwwa_money(self, obj: ReconciliationRun) -> str:
        return format_amount(obj.kuwwa_total)


@admin.register(ReconciliationLine)
class ReconciliationLineAdmin(ReadOnlyEstablishmentAdmin):
    list_display = ("run", "reference", "status", "partner_amount", "kuwwa_amount", "note")
    list_filter = ("status", "run__partner", "run__business_date")
    search_fields = ("reference", "receipt_number", "partner_account", "kuwwa_account")
    list_select_related = ("run",)
    exclude = ("company",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyEstablishmentAdmin):
    list_display = ("event", "partner", "state", "attempts", "next_attempt_at", "last_status")
    list_filter = ("state", "event", "partner")
    search_fields = ("event_id",)
    exclude = ("company",)
    actions = ["retry"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return obj is None and _manager(request)  # the action only; rows stay read-only

    @admin.action(description=_("Send again now"))
    def retry(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset:
            webhook_retry(delivery=delivery)
        messages.success(request, _("The deliveries are queued again."))


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyEstablishmentAdmin):
    list_display = ("key", "partner", "state", "status_code", "payment_id", "created_at")
    list_filter = ("state", "partner")
    search_fields = ("key",)
    exclude = ("company", "claim_token")
