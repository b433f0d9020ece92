"""The cashier's counter and the center supervisor's screens.

Thin on purpose: every rule lives in kuwwa.cashiering.services, kuwwa.collection.services and
kuwwa.collection.inquiry; a view parses the form, calls one service and renders the answer.
Every refusal is an ApplicationError whose translated text is shown in place (role="alert"),
so no input a cashier can type ends in a 500. htmx requests get partials; the pages also work
as plain forms.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuwwa.accounts.models import Account
from kuwwa.billing.models import Bill
from kuwwa.cashiering.models import Handover, Shift
from kuwwa.cashiering.services import (
    deposit_create,
    handover_cancel,
    handover_confirm,
    handover_create,
    shift_approve,
    shift_close,
    shift_current,
    shift_open,
    vault_balance,
)
from kuwwa.collection.errors import AccountClosed, BillAlreadyPaid, NothingDue
from kuwwa.collection.inquiry import AccountSummary, Found, account_summary, inquiry_find
from kuwwa.collection.models import Tender
from kuwwa.collection.services import (
    PaymentRequest,
    ReversalReason,
    payment_create,
    payment_reverse,
)
from kuwwa.core.errors import ApplicationError
from kuwwa.core.money import currency, format_amount
from kuwwa.counter import selectors
from kuwwa.counter.forms import CountForm, DepositForm, OpenShiftForm, PayForm, ReverseForm
from kuwwa.organizations.models import CollectionCenter, User
from kuwwa.organizations.roles import Role
from kuwwa.organizations.scopes import scope_of

View = Callable[..., HttpResponse]
REASONS = dict(ReversalReason.CHOICES)


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _staff(*roles: Role) -> Callable[[View], View]:
    """Login, then center scope with one of `roles`; anyone else gets 403 (never a redirect
    loop), and an htmx call after the session expired sends the whole page to the login."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if _htmx(request):
                    login = redirect_to_login(reverse("counter:home"))
                    return HttpResponse(status=204, headers={"HX-Redirect": login["Location"]})
                return redirect_to_login(request.get_full_path())
            scope = scope_of(request.user)
            if scope.kind != "center" or not scope.has_role(*roles):
                return render(request, "counter/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


cashier_view = _staff(Role.CASHIER, Role.SUPERVISOR)
supervisor_view = _staff(Role.SUPERVISOR)


def _me(request: HttpRequest) -> User:
    """The signed-in staff user (the decorators checked login and scope)."""
    return cast(User, request.user)


def _center(request: HttpRequest) -> CollectionCenter:
    center_id = _me(request).center_id
    assert center_id is not None  # center scope; a database constraint on User
    return CollectionCenter.objects.select_related("company").get(pk=center_id)


def _is_supervisor(request: HttpRequest) -> bool:
    return scope_of(request.user).has_role(Role.SUPERVISOR)


# --- the counter: open a shift, look up, pay ----------------------------------------------


@cashier_view
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The search screen, or the form that opens a shift when there is none."""
    shift = shift_current(cashier=request.user)
    if shift is None and not scope_of(request.user).has_role(Role.CASHIER):
        return redirect("counter:supervisor")  # a supervisor opens no shift of their own
    if shift is None:
        return render(request, "counter/open_shift.html", {"form": OpenShiftForm()})
    return render(request, "counter/home.html", _bar(request, shift))


def _bar(request: HttpRequest, shift: Shift) -> dict[str, Any]:
    return {"shift": shift, "payments_count": selectors.shift_payments_count(shift=shift)}


@cashier_view
@require_POST
def open_shift(request: HttpRequest) -> HttpResponse:
    form = OpenShiftForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            shift_open(actor=request.user, opening_float=form.cleaned_data["opening_float"])
        except ApplicationError as exc:
            error = str(exc)
        else:
            return redirect("counter:home")
    return render(request, "counter/open_shift.html", {"form": form, "error": error}, status=422)


def _error(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "counter/_error.html", {"message": message}, status=422)


@cashier_view
@require_POST
def lookup(request: HttpRequest) -> HttpResponse:
    """What the customer brought (account number, bill number, scanned bill code) → the
    account, its owner company, its open bills and a confirm form."""
    text = request.POST.get("q", "")[:200]
    if not text.strip():
        return _error(request, _("Type or scan an account number, a bill number or a bill code."))
    try:
        found = inquiry_find(user=request.user, text=text)
        summary = account_summary(user=request.user, account=found.account, history=3)
    except ApplicationError as exc:
        return _error(request, str(exc))
    return render(request, "counter/_lookup.html", _lookup_context(request, found, summary))


def _lookup_context(request: HttpRequest, found: Found, summary: AccountSummary) -> dict[str, Any]:
    """Decide what to prefill and what to warn about; the service decides again on pay."""
    account, bill = found.account, found.bill
    notice, offer_credit, bill_number, amount = "", False, "", summary.due_now
    closed = account.status == Account.Status.CLOSED
    if closed:
        notice = str(AccountClosed())
    elif bill is not None and bill.status == Bill.Status.PAID:
        notice, offer_credit = str(BillAlreadyPaid()), True
    elif bill is not None and bill.status == Bill.Status.CANCELLED:
        notice = _("This bill was cancelled.")
    elif bill is not None:
        bill_number, amount = bill.number, bill.outstanding
    if not closed and not bill_number and summary.due_now == 0:
        offer_credit = True
        notice = notice or _("Nothing is due on this account; to pay in advance, pay to credit.")
    pay = {
        "account_number": account.number,
        "bill_number": bill_number,
        "client_reference": uuid.uuid4().hex,
        "amount": format_amount(amount, language="en", symbol=False) if amount else "",
        "tender": "cash",
        "tendered": "",
        "to_credit": offer_credit and summary.due_now == 0,
    }
    return {
        "summary": summary,
        "account": account,
        "cross_company": account.company_id != scope_of(request.user).company_id,
        "scanned_bill": bill.number if bill is not None else "",
        "notice": notice,
        "closed": closed,
        "pay": pay,
        "offer_credit": offer_credit,
    }


def _pay_panel(
    request: HttpRequest, form: PayForm, *, error: str = "", offer_credit: bool = False
) -> HttpResponse:
    """The confirm form again, with the error, in place of the old one (same reference)."""
    context = {
        "pay": {
            name: form[name].value() or ""
            for name in ("account_number", "bill_number", "client_reference", "amount", "tendered")
        }
        | {
            "tender": form["tender"].value() or "cash",
            "to_credit": bool(form["to_credit"].value()),
        },
        "form": form,
        "error": error,
        "offer_credit": offer_credit or bool(form["to_credit"].value()),
    }
    response = render(request, "counter/_pay_form.html", context, status=422)
    response["HX-Retarget"] = "#pay-panel"
    response["HX-Reswap"] = "outerHTML"
    return response


@cashier_view
@require_POST
def pay(request: HttpRequest) -> HttpResponse:
    """Take the payment (once per client reference) and show its receipt."""
    form = PayForm(request.POST)
    if not form.is_valid():
        return _pay_panel(request, form)
    data = form.cleaned_data
    shift = shift_current(cashier=request.user)
    payment_request = PaymentRequest(
        account_number=data["account_number"],
        amount=data["amount"],
        center=_center(request),
        client_reference=data["client_reference"],
        tender=data["tender"],
        bill_number=data["bill_number"] or None,
        to_credit=data["to_credit"],
        shift_id=shift.pk if shift else None,
    )
    try:
        result = payment_create(actor=request.user, request=payment_request)
    except ApplicationError as exc:
        offer = isinstance(exc, BillAlreadyPaid | NothingDue)
        return _pay_panel(request, form, error=str(exc), offer_credit=offer)
    number = result.receipt.number
    context = {
        "payment": result.payment,
        "receipt": result.receipt,
        "replayed": result.replayed,
        "tendered": data["tendered"],
        "change": form.change if data["tender"] == "cash" else 0,
        "print_url": reverse("collection:receipt", args=[number]) + "?format=thermal",
        **(_bar(request, shift) if shift else {}),
    }
    return render(request, "counter/_paid.html", context)


# --- the cashier's shift: payments and reversals, handovers, close, Z report ---------------


def _open_shift_or_home(request: HttpRequest) -> Shift | None:
    shift = shift_current(cashier=request.user)
    if shift is None:
        messages.error(request, _("You have no open shift."))
    return shift


def _shift_page(request: HttpRequest, shift: Shift, **extra: Any) -> dict[str, Any]:
    return {
        **_bar(request, shift),
        "payments": selectors.shift_payments(shift=shift),
        "handovers": selectors.shift_handovers(shift=shift),
        "handover_form": extra.pop("handover_form", None) or CountForm(),
        "reasons": REASONS,
        **extra,
    }


@cashier_view
@require_GET
def shift_page(request: HttpRequest) -> HttpResponse:
    shift = _open_shift_or_home(request)
    if shift is None:
        return redirect("counter:home")
    return render(request, "counter/shift.html", _shift_page(request, shift))


@cashier_view
@require_http_methods(["GET", "POST"])
def reverse_payment(request: HttpRequest, pk: int) -> HttpResponse:
    """POS-style override: the supervisor types their username and password at the counter;
    authenticate() checks them without logging anyone in or out."""
    shift = shift_current(cashier=request.user)
    payment = selectors.shift_payment_get(shift=shift, pk=pk) if shift else None
    if shift is None or payment is None:
        raise Http404
    template = "counter/_reverse_form.html" if _htmx(request) else "counter/reverse.html"
    if request.method == "GET":
        return render(request, template, {"payment": payment, "form": ReverseForm()})
    form = ReverseForm(request.POST)
    error = ""
    if form.is_valid():
        approver = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if approver is None:
            error = _("Wrong supervisor username or password. Nothing was changed.")
        else:
            try:
                payment_reverse(
                    actor=request.user,
                    payment=payment,
                    reason=form.cleaned_data["reason"],
                    approver=approver,
                )
            except ApplicationError as exc:
                error = str(exc)
            else:
                done = _("Payment %(receipt)s reversed, approved by %(approver)s.") % {
                    "receipt": payment.receipt_number,
                    "approver": approver.get_username(),
                }
                if not _htmx(request):
                    messages.success(request, done)
                    return redirect("counter:shift")
                context = _shift_page(request, shift, done=done)
                return render(request, "counter/_reversed.html", context)
    return render(request, template, {"payment": payment, "form": form, "error": error}, status=422)


@cashier_view
@require_POST
def handover(request: HttpRequest) -> HttpResponse:
    """The cashier counts the notes handed to the supervisor; the supervisor confirms later."""
    shift = _open_shift_or_home(request)
    if shift is None:
        return redirect("counter:home")
    form = CountForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            made = handover_create(actor=request.user, shift=shift, count=form.count())
        except ApplicationError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Handover of %(amount)s is awaiting the supervisor's confirmation.")
                % {"amount": format_amount(made.amount)},
            )
            return redirect("counter:shift")
    context = _shift_page(request, shift, handover_form=form, handover_error=error)
    return render(request, "counter/shift.html", context, status=422)


@cashier_view
@require_POST
def handover_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _open_shift_or_home(request)
    found = shift and selectors.shift_handovers(shift=shift).filter(pk=pk).first()
    if not found:
        raise Http404
    try:
        handover_cancel(actor=request.user, handover=found)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The handover was cancelled."))
    return redirect("counter:shift")


@cashier_view
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest) -> HttpResponse:
    """Blind count: the expected cash is shown only after the count is submitted."""
    shift = _open_shift_or_home(request)
    if shift is None:
        return redirect("counter:home")
    form = CountForm(request.POST if request.method == "POST" else None)
    error = ""
    if form.is_bound and form.is_valid():
        try:
            closed = shift_close(actor=request.user, shift=shift, count=form.count())
        except ApplicationError as exc:
            error = str(exc)
        else:
            return redirect("counter:z_report", pk=closed.pk)
    context = {**_bar(request, shift), "form": form, "error": error}
    return render(request, "counter/close.html", context, status=422 if form.is_bound else 200)


@cashier_view
@require_GET
def z_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable end-of-shift report; never for an open shift (that would unblind it)."""
    shift = selectors.shift_with_people(pk=pk)
    if shift is None or shift.status == Shift.Status.OPEN:
        raise Http404
    own = shift.cashier_id == request.user.pk
    if not own and not (_is_supervisor(request) and shift.center_id == _me(request).center_id):
        raise Http404
    totals = selectors.shift_totals(shift=shift)
    context = {
        "shift": shift,
        "own": own,
        "totals": totals,
        "tenders": [(_tender_label(t.tender), t.count, t.total) for t in totals.by_tender],
        "count_rows": _count_rows(shift.count),
    }
    return render(request, "counter/z_report.html", context)


def _tender_label(code: str) -> str:
    return str(Tender(code).label) if code in Tender.values else code


def _count_rows(count: dict[str, int]) -> list[tuple[int, int, int]]:
    """(face in minor units, pieces, subtotal in minor units), largest note first."""
    factor = currency().factor
    rows = [(int(face) * factor, int(n), int(face) * factor * int(n)) for face, n in count.items()]
    return sorted(rows, reverse=True)


# --- the supervisor ---------------------------------------------------------------------------


@supervisor_view
@require_GET
def supervisor(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    return render(request, "counter/supervisor.html", _supervisor_context(center))


def _supervisor_context(center: CollectionCenter, **extra: Any) -> dict[str, Any]:
    open_shifts = selectors.center_shifts(center=center, status=Shift.Status.OPEN)
    expected = selectors.expected_cash_of(shifts=open_shifts)
    undeposited = list(selectors.center_undeposited_shifts(center=center))
    return {
        "center": center,
        "open_shifts": [(s, expected[s.pk]) for s in open_shifts],
        "handovers": selectors.center_pending_handovers(center=center),
        "to_approve": selectors.center_shifts(center=center, status=Shift.Status.CLOSED),
        "reversals": selectors.center_reversals_today(center=center),
        "reasons": REASONS,
        "vault": vault_balance(center=center),
        "undeposited": undeposited,
        "deposits": selectors.center_deposits(center=center),
        "deposit_form": extra.pop("deposit_form", None)
        or DepositForm(shift_ids=[s.pk for s in undeposited]),
        **extra,
    }


def _run(request: HttpRequest, action: Callable[[], Any], done: str) -> HttpResponse:
    """Call one service; its refusal or success becomes a message on the supervisor's page."""
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("counter:supervisor")


@supervisor_view
@require_POST
def supervisor_handover(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    center = _center(request)
    found = Handover.objects.filter(
        company_id=center.company_id, shift__center=center, pk=pk
    ).first()
    if found is None or action not in ("confirm", "cancel"):
        raise Http404
    if action == "confirm":
        return _run(
            request,
            lambda: handover_confirm(actor=request.user, handover=found),
            _("Handover confirmed: the cash is in the vault."),
        )
    return _run(
        request,
        lambda: handover_cancel(actor=request.user, handover=found),
        _("The handover was cancelled."),
    )


@supervisor_view
@require_POST
def supervisor_approve(request: HttpRequest, pk: int) -> HttpResponse:
    center = _center(request)
    shift = Shift.objects.filter(company_id=center.company_id, center=center, pk=pk).first()
    if shift is None:
        raise Http404
    return _run(
        request,
        lambda: shift_approve(actor=request.user, shift=shift),
        _("Shift %(id)s approved.") % {"id": shift.pk},
    )


@supervisor_view
@require_POST
def supervisor_deposit(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    undeposited = list(selectors.center_undeposited_shifts(center=center))
    form = DepositForm(request.POST, shift_ids=[s.pk for s in undeposited])
    if form.is_valid():
        chosen = [s for s in undeposited if s.pk in set(form.cleaned_data["shifts"])]
        try:
            deposit = deposit_create(
                actor=request.user,
                shifts=chosen,
                slip_number=form.cleaned_data["slip_number"],
                bank_name=form.cleaned_data["bank_name"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Deposit %(slip)s of %(amount)s recorded.")
                % {"slip": deposit.slip_number, "amount": format_amount(deposit.amount)},
            )
            return redirect("counter:supervisor")
    context = _supervisor_context(center, deposit_form=form)
    return render(request, "counter/supervisor.html", context, status=422)
