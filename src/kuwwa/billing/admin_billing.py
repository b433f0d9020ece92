"""Back-office admin for cycles, readings, bills, runs and adjustments (scoped, via services)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kuwwa.billing.adjustments import adjustment_decide, adjustment_request
from kuwwa.billing.cycles import cycle_advance, cycle_open
from kuwwa.billing.documents import bill_html, bill_pdf, bill_thermal_html
from kuwwa.billing.imports import reading_enter, readings_import_csv
from kuwwa.billing.models import Adjustment, Bill, BillingCycle, BillingRun, MeterReading
from kuwwa.billing.readings import reading_review
from kuwwa.billing.selectors import bill_document
from kuwwa.core.errors import ApplicationError
from kuwwa.core.money import format_amount
from kuwwa.organizations.admin_scoping import ReadOnlyScopedAdmin, ScopedAdmin
from kuwwa.organizations.scopes import companies_visible, scope_of

T = TypeVar("T")


def _for_each(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    items: Iterable[T],
    act: Callable[[T], object],
    allowed: Callable[[T], bool] = lambda _item: True,
) -> int:
    """An admin action: the service on each selected item the user may act on, each refusal
    reported beside its item; how many went through."""
    done = 0
    for item in items:
        if not allowed(item):
            continue
        try:
            act(item)
            done += 1
        except ApplicationError as exc:
            model_admin.message_user(request, f"{item}: {exc}", messages.ERROR)
    return done


class CycleOpenForm(forms.ModelForm):
    months = forms.IntegerField(label=_("months"), min_value=1, max_value=12, initial=2)

    class Meta:
        model = BillingCycle
        fields = ("company", "code")


@admin.register(BillingCycle)
class BillingCycleAdmin(ScopedAdmin):
    list_display = (
        "company",
        "code",
        "period_start",
        "period_end",
        "reading_window_end",
        "due_date",
        "state",
    )
    list_filter = ("state", "company")
    actions = ["start_reading", "close"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any
    ) -> Any:
        if obj is None:
            kw["form"] = CycleOpenForm
        return super().get_form(request, obj, change=change, **kw)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return [f.name for f in BillingCycle._meta.fields]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def _advance(self, request: HttpRequest, cycles: QuerySet[BillingCycle], to: str) -> None:
        scope = scope_of(request.user)
        done = _for_each(
            self,
            request,
            cycles,
            lambda cycle: cycle_advance(actor=request.user, cycle=cycle, to=to),
            lambda cycle: scope.can_change_company_data(cycle.company_id),
        )
        if done:
            self.message_user(request, _("%(n)d cycles moved on.") % {"n": done})

    @admin.action(
        description=_("Start reading the selected cycles (open → reading)"), permissions=["change"]
    )
    def start_reading(self, request: HttpRequest, queryset: QuerySet[BillingCycle]) -> None:
        self._advance(request, queryset, BillingCycle.State.READING)

    @admin.action(
        description=_("Close the selected cycles (issued → closed)"), permissions=["change"]
    )
    def close(self, request: HttpRequest, queryset: QuerySet[BillingCycle]) -> None:
        self._advance(request, queryset, BillingCycle.State.CLOSED)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        cycle = cycle_open(
            actor=request.user,
            company=form.cleaned_data["company"],
            code=form.cleaned_data["code"],
            months=form.cleaned_data["months"],
        )
        obj.pk = cycle.pk
        obj._state.adding = False


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class ReadingEntryForm(forms.Form):
    """A clerk's reading, typed as read (Arabic digits too): checked by `reading_enter`."""

    account_number = forms.CharField(label=_("account number"), max_length=40)
    reading = forms.CharField(label=_("reading"), max_length=20)
    read_on = forms.CharField(
        label=_("read on"), max_length=10, help_text=_("YYYY-MM-DD or DD/MM/YYYY")
    )
    note = forms.CharField(label=_("note"), max_length=100, required=False)


@admin.register(MeterReading)
class MeterReadingAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "account",
        "cycle",
        "value",
        "read_on",
        "source",
        "status",
        "flags",
        "consumption_kwh",
    )
    list_filter = ("status", "source", "company")
    search_fields = ("account__number",)
    list_select_related = ("account", "cycle")
    actions = ["accept", "reject"]
    change_list_template = "admin/billing/meterreading/change_list.html"
    show_full_result_count = False

    def get_urls(self) -> list[Any]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="billing_meterreading_import",
            ),
            path(
                "enter/",
                self.admin_site.admin_view(self.enter_view),
                name="billing_meterreading_enter",
            ),
            *super().get_urls(),
        ]

    def _may_record(self, request: HttpRequest) -> bool:
        scope = scope_of(request.user)
        return (scope.all_companies or scope.kind == "company") and request.user.has_perm(
            "billing.add_meterreading"
        )

    def _own_company(self, request: HttpRequest) -> int | None:
        """The company whose accounts company staff may record for (None: any)."""
        scope = scope_of(request.user)
        return None if scope.all_companies else scope.company_id

    def _page(self, request: HttpRequest, template: str, **context: Any) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, **context}
        return render(request, f"admin/billing/meterreading/{template}", context)

    def enter_view(self, request: HttpRequest) -> HttpResponse:
        """A reading taken at the office (source "office"), one at a time, with its outcome."""
        if not self._may_record(request):
            return HttpResponse(status=403)
        report = None
        form = ReadingEntryForm(
            request.POST or None, initial={"read_on": timezone.localdate().isoformat()}
        )
        if request.method == "POST" and form.is_valid():
            report = reading_enter(
                actor=request.user,
                account_number=form.cleaned_data["account_number"],
                reading=form.cleaned_data["reading"],
                read_on=form.cleaned_data["read_on"],
                source=MeterReading.Source.OFFICE,
                company_id=self._own_company(request),
                note=form.cleaned_data["note"],
            )
            if report.ok:  # ready for the next one, on the same day
                form = ReadingEntryForm(initial={"read_on": form.cleaned_data["read_on"]})
        return self._page(
            request, "enter.html", title=_("Enter a meter reading"), form=form, report=report
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self._may_record(request):
            return HttpResponse(status=403)
        reports = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > 10 * 1024 * 1024:
                form.add_error("file", _("The file is larger than 10 MB."))
            else:
                reports = readings_import_csv(
                    actor=request.user,
                    data=upload.read(),
                    company_id=self._own_company(request),
                )
        return self._page(
            request, "import.html", title=_("Import meter readings"), form=form, reports=reports
        )

    def _review(self, request: HttpRequest, queryset: QuerySet[MeterReading], accept: bool) -> None:
        scope = scope_of(request.user)
        done = _for_each(
            self,
            request,
            queryset.filter(status=MeterReading.Status.NEEDS_REVIEW),
            lambda reading: reading_review(actor=request.user, reading=reading, accept=accept),
            lambda reading: scope.can_view_company(reading.company_id),
        )
        self.message_user(request, _("%(n)d readings reviewed.") % {"n": done})

    @admin.action(description=_("Accept the selected readings"), permissions=["change"])
    def accept(self, request: HttpRequest, queryset: QuerySet[MeterReading]) -> None:
        self._review(request, queryset, True)

    @admin.action(description=_("Reject the selected readings"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[MeterReading]) -> None:
        self._review(request, queryset, False)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The review actions on the changelist, for those who record readings; the change
        # form itself stays read-only.
        return obj is None and self._may_record(request)


@admin.register(Bill)
class BillAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "number",
        "account",
        "cycle",
        "consumption_kwh",
        "estimated",
        "amount",
        "status",
        "documents",
    )
    list_filter = ("status", "estimated", "company")
    search_fields = ("number", "account__number")
    list_select_related = ("account", "cycle")
    show_full_result_count = False
    exclude = ("lines",)
    readonly_fields = ("line_table",)

    @admin.display(description=_("total"))
    def amount(self, obj: Bill) -> str:
        return format_amount(obj.total + obj.adjusted)

    @admin.display(description=_("lines"))
    def line_table(self, obj: Bill) -> str:
        """The bill's lines as printed: label, kWh, price per kWh, amount."""
        arabic = (get_language() or "ar").startswith("ar")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    line.label_ar if arabic else line.label_en,
                    "" if line.kwh is None else line.kwh,
                    "" if line.unit_price is None else format(line.unit_price.normalize(), "f"),
                    format_amount(line.amount),
                )
                for line in obj.line_items
            ),
        )
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("line"),
            _("kWh"),
            _("price per kWh"),
            _("amount"),
            rows,
        )

    @admin.display(description=_("documents"))
    def documents(self, obj: Bill) -> str:
        url = reverse("admin:billing_bill_document", args=[obj.pk])
        return format_html(
            '<a href="{}?format=pdf">PDF</a> · <a href="{}?format=html">HTML</a> · '
            '<a href="{}?format=thermal">80mm</a>',
            url,
            url,
            url,
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/document/",
                self.admin_site.admin_view(self.document_view),
                name="billing_bill_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        bill = get_object_or_404(self.get_queryset(request), pk=pk)
        doc = bill_document(bill=bill)
        language = (get_language() or "ar")[:2]
        kind = request.GET.get("format", "pdf")
        if kind == "html":
            return HttpResponse(bill_html(doc, language=language))
        if kind == "thermal":
            return HttpResponse(bill_thermal_html(doc, language=language))
        response = HttpResponse(bill_pdf(doc, language=language), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="bill-{bill.number}.pdf"'
        return response


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "company",
        "cycle",
        "state",
        "progress",
        "bills_created",
        "started_at",
        "finished_at",
    )
    list_filter = ("state", "company")

    @admin.display(description=_("progress"))
    def progress(self, obj: BillingRun) -> str:
        return format_html(
            '<progress max="100" value="{}"></progress> {}% ({} / {})',
            obj.percent,
            obj.percent,
            obj.accounts_done,
            obj.accounts_total,
        )


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ("bill", "kind", "amount", "reason", "note")


@admin.register(Adjustment)
class AdjustmentAdmin(ScopedAdmin):
    form = AdjustmentForm
    list_display = (
        "bill",
        "kind",
        "amount_display",
        "reason",
        "state",
        "requested_by",
        "approved_by",
    )
    list_filter = ("state", "kind", "reason")
    raw_id_fields = ("bill",)
    actions = ["approve", "reject"]

    @admin.display(description=_("amount"))
    def amount_display(self, obj: Adjustment) -> str:
        return format_amount(obj.amount)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "bill":
            kwargs["queryset"] = Bill.objects.filter(company__in=companies_visible(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Adjustment, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            saved = adjustment_request(
                actor=request.user,
                bill=data["bill"],
                kind=data["kind"],
                amount=data["amount"],
                reason=data["reason"],
                note=data.get("note", ""),
            )
        except ApplicationError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        obj.pk = saved.pk
        obj._state.adding = False

    def _decide(self, request: HttpRequest, queryset: QuerySet[Adjustment], approve: bool) -> None:
        _for_each(
            self,
            request,
            queryset.filter(state=Adjustment.State.PENDING),
            lambda item: adjustment_decide(actor=request.user, adjustment=item, approve=approve),
        )

    @admin.action(description=_("Approve the selected adjustments"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Adjustment]) -> None:
        self._decide(request, queryset, True)

    @admin.action(description=_("Reject the selected adjustments"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Adjustment]) -> None:
        self._decide(request, queryset, False)
