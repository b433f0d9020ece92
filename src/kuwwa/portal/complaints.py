"""Complaints (الشكوى / الاعتراض): filed by a verified citizen, handled by company staff.

Reference C + company code + a gapless sequence per company (C03-000012). Staff of the owning
company (administrator, accountant, reading clerk) or an establishment administrator assign
and resolve; the citizen is told by SMS when it is resolved or rejected.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Account
from kuwwa.core.audit import audit_record
from kuwwa.core.counters import counter_next
from kuwwa.core.digits import strip_separators, to_latin_digits
from kuwwa.core.errors import Conflict, PermissionDenied, ValidationFailed
from kuwwa.core.sms import sms_queue
from kuwwa.organizations.roles import Role
from kuwwa.organizations.scopes import scope_of
from kuwwa.portal.models import Complaint
from kuwwa.portal.phones import phone_normalise
from kuwwa.portal.uploads import CheckedImage

COUNTER = "complaint"
HANDLERS = (Role.COMPANY_ADMIN, Role.ACCOUNTANT, Role.READING_CLERK)


def may_handle(user: Any, company_id: int) -> bool:
    """Whether a staff user may assign and resolve this company's complaints."""
    scope = scope_of(user)
    if scope.kind == "establishment":
        return scope.has_role(Role.ESTABLISHMENT_ADMIN)
    return scope.kind == "company" and scope.company_id == company_id and scope.has_role(*HANDLERS)


def may_view(user: Any, company_id: int) -> bool:
    return may_handle(user, company_id) or (
        scope_of(user).all_companies and scope_of(user).has_role(Role.AUDITOR)
    )


def reference_normalise(text: str) -> str:
    """ "c03-000012", "C03000012", Arabic digits → "C03-000012"."""
    raw = strip_separators(to_latin_digits(text or "")).upper()
    if len(raw) == 9 and raw[0] == "C" and raw[1:].isdigit():
        return f"{raw[:3]}-{raw[3:]}"
    return ""


@transaction.atomic
def complaint_file(
    *,
    account: Account,
    subject: str,
    reason: str,
    subject_reference: str = "",
    description: str = "",
    phone: str = "",
    attachment: CheckedImage | None = None,
) -> Complaint:
    if subject not in Complaint.Subject.values or reason not in Complaint.Reason.values:
        raise ValidationFailed(_("Choose what the complaint is about and the reason."))
    if phone and not phone_normalise(phone):
        raise ValidationFailed(_("Enter a Syrian mobile number, for example 0931234567."))
    seq = counter_next(company_id=account.company_id, name=COUNTER)
    complaint = Complaint.objects.create(
        company_id=account.company_id,
        account=account,
        reference=f"C{account.company.code}-{seq:06d}",
        subject=subject,
        subject_reference=subject_reference.strip()[:40],
        reason=reason,
        description=description.strip()[:2000],
        phone=phone_normalise(phone),
        attachment=attachment.as_file() if attachment is not None else "",
    )
    audit_record(
        company=account.company_id,
        action="complaint.file",
        obj=complaint,
        data={
            "reference": complaint.reference,
            "account": account.number,
            "subject": subject,
            "reason": reason,
            "subject_reference": complaint.subject_reference,
            "attachment": bool(attachment),
        },
    )
    return complaint


def complaint_track(*, reference: str, account_number: str) -> Complaint | None:
    """The complaint only when both the reference and the account number match."""
    ref = reference_normalise(reference)
    number = strip_separators(to_latin_digits(account_number or ""))
    if not ref or not number:
        return None
    return (
        Complaint.objects.select_related("account")
        .filter(company__code=ref[1:3], reference=ref, account__number=number)
        .first()
    )


def _locked(actor: Any, complaint: Complaint) -> Complaint:
    if not may_handle(actor, complaint.company_id):
        raise PermissionDenied(_("Only staff of the account's company may handle this complaint."))
    locked = Complaint.objects.select_for_update().select_related("account").get(pk=complaint.pk)
    if locked.status in (Complaint.Status.RESOLVED, Complaint.Status.REJECTED):
        raise Conflict(_("This complaint is already closed."))
    return locked


@transaction.atomic
def complaint_assign(*, actor: Any, complaint: Complaint) -> Complaint:
    """Take the complaint (or take it over from a colleague)."""
    locked = _locked(actor, complaint)
    before = locked.assigned_to_id
    locked.assigned_to = actor
    locked.status = Complaint.Status.ASSIGNED
    locked.save(update_fields=["assigned_to", "status"])
    audit_record(
        company=locked.company_id,
        actor=actor,
        action="complaint.assign",
        obj=locked,
        data={"reference": locked.reference, "from": before, "to": actor.pk},
    )
    return locked


def _sms_text(complaint: Complaint) -> str:
    with translation.override("ar"):  # subscribers get their SMS in Arabic
        if complaint.status == Complaint.Status.RESOLVED:
            message = gettext(
                "Kuwwa: your complaint %(reference)s has been resolved. "
                "See the answer on the portal's complaint page."
            )
        else:
            message = gettext(
                "Kuwwa: your complaint %(reference)s has been answered (not upheld). "
                "See the answer on the portal's complaint page."
            )
        return message % {"reference": complaint.reference}


@transaction.atomic
def complaint_resolve(
    *, actor: Any, complaint: Complaint, resolution: str, upheld: bool = True
) -> Complaint:
    """Close with the answer the citizen will read; the citizen is told by SMS."""
    text = (resolution or "").strip()
    if not text:
        raise ValidationFailed(_("Write the answer the citizen will read."))
    locked = _locked(actor, complaint)
    locked.status = Complaint.Status.RESOLVED if upheld else Complaint.Status.REJECTED
    locked.resolution = text[:2000]
    locked.resolved_at = timezone.now()
    if locked.assigned_to_id is None:
        locked.assigned_to = actor
    locked.save(update_fields=["status", "resolution", "resolved_at", "assigned_to"])
    audit_record(
        company=locked.company_id,
        actor=actor,
        action="complaint.resolve",
        obj=locked,
        data={"reference": locked.reference, "status": locked.status, "resolution": text[:2000]},
    )
    phone = locked.phone or phone_normalise(locked.account.phone)
    if phone:
        sms_queue(company_id=locked.company_id, phone=phone, text=_sms_text(locked))
    return locked
