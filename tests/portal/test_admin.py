"""The complaints back office: scoped lists, assign-to-me and resolve actions, attachments."""

from __future__ import annotations

import pytest
from django.test import Client

from kuwwa.core.models import SmsMessage
from kuwwa.organizations.roles import Role
from kuwwa.portal.models import Complaint

from .conftest import verify
from .images import png

pytestmark = pytest.mark.django_db
LIST = "/admin/portal/complaint/"


@pytest.fixture
def complaint(account) -> Complaint:
    client = Client()
    verify(client, account)
    client.post(
        f"/portal/account/{account.number}/complaint/",
        {"subject": "reading", "reason": "estimated_too_high", "attachment": png()},
    )
    return Complaint.objects.get()


def staff(make_user, role, company=None) -> Client:
    client = Client()
    client.force_login(make_user(role, company))
    return client


def test_company_staff_see_only_their_company(complaint, make_user) -> None:
    assert complaint.reference in staff(make_user, Role.ACCOUNTANT, "03").get(LIST).content.decode()
    other = staff(make_user, Role.COMPANY_ADMIN, "01").get(LIST)
    assert complaint.reference not in other.content.decode()
    assert staff(make_user, Role.AUDITOR).get(LIST).status_code == 200


def test_assign_to_me_and_resolve_through_actions(complaint, make_user) -> None:
    client = staff(make_user, Role.ACCOUNTANT, "03")
    response = client.post(LIST, {"action": "assign_to_me", "_selected_action": [complaint.pk]})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "assigned"
    form = client.post(LIST, {"action": "resolve", "_selected_action": [complaint.pk]})
    assert form.status_code == 200 and 'name="resolution"' in form.content.decode()
    client.post(
        LIST,
        {
            "action": "resolve",
            "_selected_action": [complaint.pk],
            "upheld": "1",
            "resolution": "قُبلت.",
        },
    )
    complaint.refresh_from_db()
    assert complaint.status == "resolved" and complaint.resolution == "قُبلت."
    assert SmsMessage.objects.filter(text__contains=complaint.reference).exists()


def test_auditors_have_no_actions(complaint, make_user) -> None:
    client = staff(make_user, Role.AUDITOR)
    client.post(LIST, {"action": "assign_to_me", "_selected_action": [complaint.pk]})
    complaint.refresh_from_db()
    assert complaint.status == "open"


def test_the_attachment_is_served_only_in_scope(complaint, make_user) -> None:
    url = f"/admin/portal/complaint/{complaint.pk}/attachment/"
    response = staff(make_user, Role.ACCOUNTANT, "03").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert staff(make_user, Role.COMPANY_ADMIN, "01").get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_the_change_page_is_read_only(complaint, make_user) -> None:
    html = (
        staff(make_user, Role.ACCOUNTANT, "03")
        .get(f"{LIST}{complaint.pk}/change/")
        .content.decode()
    )
    assert complaint.reference in html and 'name="resolution"' not in html
