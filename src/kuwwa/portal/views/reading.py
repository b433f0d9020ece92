"""Submitting a meter reading (تأشيرة العداد) for a verified account, and its result."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kuwwa.accounts.models import Account
from kuwwa.billing.models import MeterReading
from kuwwa.billing.readings import reading_messages
from kuwwa.core.errors import ApplicationError
from kuwwa.portal.access import Access
from kuwwa.portal.forms import ReadingForm
from kuwwa.portal.readings import citizen_reading_submit
from kuwwa.portal.selectors import reading_window
from kuwwa.portal.views.common import not_found, verified_account


@verified_account
@require_http_methods(["GET", "POST"])
def reading_form(request: HttpRequest, account: Account, access: Access) -> HttpResponse:
    window = reading_window(account=account)
    form = ReadingForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                outcome = citizen_reading_submit(
                    account=account,
                    value_text=form.cleaned_data["value"],
                    photo=form.cleaned_data.get("photo"),
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(
                    "portal:reading-result", number=account.number, pk=outcome.reading.pk
                )
        status = 400
    return render(
        request,
        "portal/reading.html",
        {"account": account, "form": form, "window": window},
        status=status,
    )


@verified_account
def reading_result(request: HttpRequest, account: Account, access: Access, pk: int) -> HttpResponse:
    # Any source: sending the value a meter reader already sent returns the reader's reading.
    reading = MeterReading.objects.filter(
        company_id=account.company_id, account=account, pk=pk
    ).first()
    if reading is None:
        return not_found(request)
    return render(
        request,
        "portal/reading_result.html",
        {"account": account, "reading": reading, "messages_": reading_messages(reading)},
    )
