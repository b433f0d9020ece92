"""Back office and commands: keys are made and revoked by establishment admins only; the
secret is shown once and never stored in clear."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from kuwwa.core.models import AuditEvent
from kuwwa.organizations.roles import Role
from kuwwa.partners import crypto
from kuwwa.partners.keys import key_context
from kuwwa.partners.models import PartnerKey, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_establishment_admin_creates_a_key_and_sees_the_secret_once(bank, make_user) -> None:
    admin = _login(make_user(Role.ESTABLISHMENT_ADMIN, username="est"))
    page = admin.post(
        "/admin/partners/partnerkey/add/", {"partner": bank.partner.pk, "label": "rotation"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    secret = re.search(r"sk_[A-Za-z0-9_\-]{20,}", html).group(0)
    key = PartnerKey.objects.get(label="rotation")
    assert key.key_id in html and "no-store" in page["Cache-Control"]
    assert crypto.decrypt(key.secret_encrypted, context=key_context(key.key_id)) == secret
    assert secret not in admin.get(f"/admin/partners/partnerkey/{key.pk}/change/").content.decode()
    assert AuditEvent.objects.filter(action="partnerkey.create", object_id=str(key.pk)).exists()
    admin.post(
        "/admin/partners/partnerkey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_others_cannot_manage_keys(bank, make_user) -> None:
    auditor = _login(make_user(Role.AUDITOR, username="aud"))
    assert auditor.get("/admin/partners/partnerkey/").status_code == 200
    assert auditor.get("/admin/partners/partnerkey/add/").status_code == 403
    company_admin = _login(make_user(Role.COMPANY_ADMIN, "01", username="c01"))
    assert company_admin.get("/admin/partners/partnerkey/").status_code == 403
    cashier = _login(make_user(Role.CASHIER, "01", "0001", username="cash"))
    assert cashier.get("/admin/partners/partnerkey/").status_code in (302, 403)


def test_webhook_set_in_the_back_office_shows_its_secret(bank, make_user) -> None:
    admin = _login(make_user(Role.ESTABLISHMENT_ADMIN, username="est"))
    page = admin.post(
        "/admin/partners/webhookendpoint/add/",
        {"partner": bank.partner.pk, "url": "https://bank.example/kuwwa"},
    )
    assert page.status_code == 200 and "whsec_" in page.content.decode()
    endpoint = WebhookEndpoint.objects.get()
    assert "whsec_" not in endpoint.secret_encrypted
    assert admin.get("/admin/partners/webhookdelivery/").status_code == 200
    assert WebhookDelivery.objects.count() == 0


def test_key_commands(bank) -> None:
    out = StringIO()
    call_command("partner_key_create", partner=bank.partner.code, label="cli", stdout=out)
    key_id = re.search(r"pk_[0-9a-f]{24}", out.getvalue()).group(0)
    assert "sk_" in out.getvalue()
    call_command("partner_key_revoke", key=key_id, stdout=StringIO())
    assert PartnerKey.objects.get(key_id=key_id).revoked_at is not None
    cleanup = StringIO()
    call_command("partner_api_cleanup", stdout=cleanup)
    assert "nonces purged" in cleanup.getvalue()
    hook = StringIO()
    call_command(
        "partner_webhook_set", partner=bank.partner.code, url="https://x.example/h", stdout=hook
    )
    assert "whsec_" in hook.getvalue()
