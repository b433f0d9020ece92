"""Complaints: filed by a verified citizen, tracked by reference + account, resolved by staff."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from kuwwa.core.errors import Conflict, PermissionDenied, ValidationFailed
from kuwwa.core.models import AuditEvent, SmsMessage
from kuwwa.organizations.roles import Role
from kuwwa.portal.complaints import complaint_assign, complaint_resolve, complaint_track
from kuwwa.portal.models import Complaint

from .conftest import PHONE, verify
from .images import fake, jpeg

pytestmark = pytest.mark.django_db


def file(client: Client, account, **data) -> Client:
    data = {"subject": "bill", "reason": "wrong_amount", "description": "الفاتورة مرتفعة", **data}
    return client.post(f"/portal/account/{account.number}/complaint/", data)


@pytest.fixture
def client(account) -> Client:
    client = Client()
    verify(client, account)
    return client


@pytest.fixture
def complaint(account, client) -> Complaint:
    assert file(client, account).status_code == 302
    return Complaint.objects.get()


def test_filing_needs_verification(account) -> None:
    assert file(Client(), account).status_code == 403
    assert not Complaint.objects.exists()


def test_the_form_offers_every_reason(account, client) -> None:
    html = client.get(f"/portal/account/{account.number}/complaint/").content.decode()
    for code in Complaint.Reason.values:
        assert f'value="{code}"' in html


def test_filing_gives_a_reference_per_company(account, client, billed_account) -> None:
    response = file(client, account, attachment=jpeg())
    complaint = Complaint.objects.get()
    assert complaint.reference == "C03-000001" and complaint.company.code == "03"
    assert response["Location"] == f"/portal/account/{account.number}/complaint/C03-000001/"
    assert Path(complaint.attachment.path).is_file()
    assert AuditEvent.objects.filter(action="complaint.file").count() == 1
    html = client.get(response["Location"]).content.decode()
    assert "C\u200e-\u200e" in html or "C03-000001" in html
    file(client, account, subject="payment", reason="duplicate_payment")
    assert Complaint.objects.order_by("-pk").first().reference == "C03-000002"
    other = billed_account("01")
    verify(client, other)
    file(client, other)
    assert Complaint.objects.get(account=other).reference == "C01-000001"


def test_a_bad_attachment_saves_nothing(account, client, media_root) -> None:
    response = file(client, account, attachment=fake())
    assert response.status_code == 400
    assert not Complaint.objects.exists()
    assert not Path(media_root).exists() or not any(
        p.is_file() for p in Path(media_root).rglob("*")
    )


def test_tracking_needs_the_reference_and_the_account_number(
    account, complaint, billed_account
) -> None:
    client = Client()
    found = client.post(
        "/portal/complaints/track/", {"reference": "c03-000001", "number": account.formatted_number}
    )
    assert found.status_code == 200 and complaint.get_status_display() in found.content.decode()
    other = billed_account("03")
    wrong = client.post(
        "/portal/complaints/track/", {"reference": "C03-000001", "number": other.number}
    )
    assert wrong.status_code == 404
    assert "الفاتورة مرتفعة" not in wrong.content.decode()


def test_tracking_is_throttled(account, complaint) -> None:
    client = Client(REMOTE_ADDR="10.7.7.7")
    for _n in range(20):
        client.post(
            "/portal/complaints/track/", {"reference": "C03-000009", "number": account.number}
        )
    response = client.post(
        "/portal/complaints/track/", {"reference": "C03-000001", "number": account.number}
    )
    assert response.status_code == 429


def test_staff_assign_and_resolve_and_the_citizen_gets_an_sms(
    complaint, make_user, account
) -> None:
    clerk = make_user(Role.ACCOUNTANT, "03")
    complaint = complaint_assign(actor=clerk, complaint=complaint)
    assert complaint.status == "assigned" and complaint.assigned_to == clerk
    complaint = complaint_resolve(actor=clerk, complaint=complaint, resolution="صُحّحت القراءة.")
    assert complaint.status == "resolved" and complaint.resolved_at is not None
    sms = SmsMessage.objects.filter(phone=PHONE).order_by("-pk").first()
    assert sms is not None and "C03-000001" in sms.text
    assert (
        AuditEvent.objects.filter(action__in=["complaint.assign", "complaint.resolve"]).count() == 2
    )
    found = complaint_track(reference="C03-000001", account_number=account.number)
    html = (
        Client()
        .post("/portal/complaints/track/", {"reference": found.reference, "number": account.number})
        .content.decode()
    )
    assert "صُحّحت القراءة." in html


def test_the_phone_given_in_the_complaint_gets_the_sms(account, client, make_user) -> None:
    file(client, account, phone="+963 944 111 222")
    complaint = Complaint.objects.get()
    assert complaint.phone == "0944111222"
    complaint_resolve(
        actor=make_user(Role.COMPANY_ADMIN, "03"), complaint=complaint, resolution="x", upheld=False
    )
    assert SmsMessage.objects.filter(phone="0944111222").exists()
    assert Complaint.objects.get().status == "rejected"


def test_only_the_owning_companys_staff_handle_it(complaint, make_user) -> None:
    for outsider in (
        make_user(Role.COMPANY_ADMIN, "01"),
        make_user(Role.CASHIER, "03", "0001"),
        make_user(Role.AUDITOR),
    ):
        with pytest.raises(PermissionDenied):
            complaint_assign(actor=outsider, complaint=complaint)
    complaint_resolve(
        actor=make_user(Role.ESTABLISHMENT_ADMIN), complaint=complaint, resolution="ok"
    )


def test_resolution_needs_text_and_happens_once(complaint, make_user) -> None:
    admin = make_user(Role.COMPANY_ADMIN, "03")
    with pytest.raises(ValidationFailed):
        complaint_resolve(actor=admin, complaint=complaint, resolution="  ")
    complaint_resolve(actor=admin, complaint=complaint, resolution="done")
    with pytest.raises(Conflict):
        complaint_resolve(actor=admin, complaint=complaint, resolution="again")
    assert SmsMessage.objects.filter(text__contains="C03-000001").count() == 1
