"""Citizen sign-in by phone and a code, and the citizen's list of accounts (home, shop…).

Sign-in codes belong to a phone, not to an account, so they are kept (and their SMS sent) in
the establishment's books. An account joins the list only after a verification — or at once
when the account's registered mobile is the citizen's own, which the sign-in code proved.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Account
from kuwwa.core.audit import audit_record
from kuwwa.core.errors import NotFound, ValidationFailed
from kuwwa.organizations.models import ESTABLISHMENT_CODE, Company
from kuwwa.portal.models import CitizenAccountLink, CitizenProfile, OneTimeCode
from kuwwa.portal.otp import CodeCheck, code_check, code_issue
from kuwwa.portal.phones import phone_mask, phone_normalise, phone_parse
from kuwwa.portal.throttle import HOUR, limit, throttle_hit

MAX_LINKS = 20


def _establishment_id() -> int:
    return int(Company.objects.values_list("pk", flat=True).get(code=ESTABLISHMENT_CODE))


@transaction.atomic
def sign_in_code_send(*, phone_text: str) -> str:
    """Send a sign-in code to the phone; returns the normalised phone."""
    phone = phone_parse(phone_text)
    throttle_hit(
        bucket="portal:signin",
        who=phone,
        allowed=limit("CODES_PER_HOUR", 3),
        window=HOUR,
        message=str(_("Too many codes were requested for this phone. Try again in an hour.")),
    )
    code_issue(company_id=_establishment_id(), purpose=OneTimeCode.Purpose.SIGN_IN, phone=phone)
    return phone


@transaction.atomic
def _profile_for(phone: str) -> CitizenProfile:
    now = timezone.now()
    profile = CitizenProfile.objects.filter(phone=phone).first()
    if profile is None:
        try:
            with transaction.atomic():
                profile = CitizenProfile.objects.create(phone=phone, last_sign_in_at=now)
        except IntegrityError:  # a concurrent first sign-in of the same phone
            profile = CitizenProfile.objects.get(phone=phone)
        else:
            audit_record(
                company=_establishment_id(),
                action="citizen.create",
                obj=profile,
                data={"phone": phone_mask(phone)},
            )
            return profile
    CitizenProfile.objects.filter(pk=profile.pk).update(last_sign_in_at=now)
    return profile


def sign_in(*, phone: str, code: str) -> CitizenProfile | None:
    """The citizen's profile (created at the first sign-in) when the code is right."""
    with transaction.atomic():
        result = code_check(
            company_id=_establishment_id(),
            purpose=OneTimeCode.Purpose.SIGN_IN,
            code=code,
            phone=phone,
        )
    if result is not CodeCheck.OK:
        return None
    return _profile_for(phone)


def same_phone(profile: CitizenProfile, account: Account) -> bool:
    return bool(account.phone) and phone_normalise(account.phone) == profile.phone


@transaction.atomic
def link_add(
    *, profile: CitizenProfile, account: Account, via: str, label: str = ""
) -> CitizenAccountLink:
    """Add a verified account to the list (again: the label is updated)."""
    if via not in CitizenAccountLink.Via.values:
        raise ValueError(via)
    existing = CitizenAccountLink.objects.filter(
        company_id=account.company_id, profile=profile, account=account
    ).first()
    if existing is not None:
        if label.strip() and label.strip()[:40] != existing.label:
            existing.label = label.strip()[:40]
            existing.save(update_fields=["label"])
            audit_record(
                company=account.company_id,
                action="citizen.link.label",
                obj=existing,
                data={"label": existing.label},
            )
        return existing
    if CitizenAccountLink.objects.filter(profile=profile).count() >= MAX_LINKS:
        raise ValidationFailed(_("A list holds at most 20 accounts."))
    link = CitizenAccountLink.objects.create(
        company_id=account.company_id,
        profile=profile,
        account=account,
        label=label.strip()[:40],
        verified_via=via,
    )
    audit_record(
        company=account.company_id,
        action="citizen.link",
        obj=link,
        data={"account": account.number, "via": via, "citizen": profile.pk},
    )
    return link


@transaction.atomic
def link_remove(*, profile: CitizenProfile, link_id: int) -> None:
    link = CitizenAccountLink.objects.filter(pk=link_id, profile=profile).first()
    if link is None:
        raise NotFound()
    audit_record(
        company=link.company_id,
        action="citizen.unlink",
        obj=link,
        data={"account_id": link.account_id, "citizen": profile.pk},
    )
    link.delete()


def links_of(profile: CitizenProfile) -> list[CitizenAccountLink]:
    return list(
        CitizenAccountLink.objects.filter(profile=profile)
        .select_related("account__company")
        .order_by("created_at", "pk")
    )
