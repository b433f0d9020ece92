"""Filing a complaint about a verified account, and tracking one by reference + account."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kuwwa.accounts.models import Account
from kuwwa.core.errors import ApplicationError
from kuwwa.portal.access import Access, client_ip
from kuwwa.portal.complaints import complaint_file, complaint_track, reference_normalise
from kuwwa.portal.forms import ComplaintForm, TrackForm
from kuwwa.portal.models import Complaint
from kuwwa.portal.throttle import lookup_hit
from kuwwa.portal.views.common import not_found, portal_view, verified_account


@verified_account
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest, account: Account, access: Access) -> HttpResponse:
    initial = {
        "subject": request.GET.get("about", ""),
        "subject_reference": request.GET.get("ref", ""),
    }
    form = ComplaintForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = complaint_file(
                    account=account,
                    subject=data["subject"],
                    reason=data["reason"],
                    subject_reference=data["subject_reference"],
                    description=data["description"],
                    phone=data["phone"],
                    attachment=data.get("attachment"),
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(
                    "portal:complaint-filed", number=account.number, reference=complaint.reference
                )
        status = 400
    return render(
        request, "portal/complaint_new.html", {"account": account, "form": form}, status=status
    )


@verified_account
def complaint_filed(
    request: HttpRequest, account: Account, access: Access, reference: str
) -> HttpResponse:
    complaint = Complaint.objects.filter(
        company_id=account.company_id, account=account, reference=reference_normalise(reference)
    ).first()
    if complaint is None:
        return not_found(request)
    return render(request, "portal/complaint_filed.html", {"complaint": complaint})


@portal_view
@require_http_methods(["GET", "POST"])
def complaint_track_view(request: HttpRequest) -> HttpResponse:
    """Status by reference and account number; both must match (one message either way)."""
    form = TrackForm(request.POST or None)
    complaint = None
    status = 200
    if request.method == "POST" and form.is_valid():
        lookup_hit(client=client_ip(request))
        complaint = complaint_track(
            reference=form.cleaned_data["reference"], account_number=form.cleaned_data["number"]
        )
        if complaint is None:
            form.add_error(None, "")
            status = 404
    return render(
        request,
        "portal/complaint_track.html",
        {"form": form, "complaint": complaint, "missing": status == 404},
        status=status,
    )
