"""Signed requests: good and bad signatures, clock window, nonce replay, keys, rate limit."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from kuwwa.partners import crypto, keys
from kuwwa.partners.auth import NONCE_KEEP, nonces_purge
from kuwwa.partners.keys import key_context, partner_key_create, partner_key_revoke
from kuwwa.partners.models import PartnerKey, PartnerNonce

pytestmark = pytest.mark.django_db


def test_a_signed_request_is_accepted(bank) -> None:
    response = bank.get("/me")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["partner"] == "test-bank" and body["key_id"] == bank.key_id
    assert abs(body["server_time"] - time.time()) < 10


def test_a_wrong_signature_is_refused_in_both_languages(bank) -> None:
    response = bank.get("/me", secret="sk_not-the-secret")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "SIGNATURE_INVALID"
    assert body["message_en"] == "The request signature does not match."
    assert body["message"] and body["message_ar"]


def test_the_signature_covers_body_path_and_query(bank) -> None:
    tampered_body = bank.post(
        "/payments",
        {"account_number": "1", "amount": 5},
        sign_body=b'{"amount": 1}',
        headers={"Idempotency-Key": "k-1"},
    )
    assert tampered_body.json()["code"] == "SIGNATURE_INVALID"
    other_path = bank.get("/accounts/030000000145", sign_path="/api/v1/partner/accounts/1")
    assert other_path.json()["code"] == "SIGNATURE_INVALID"
    query = bank.get("/reconciliations/1?x=1", sign_path="/api/v1/partner/reconciliations/1")
    assert query.json()["code"] == "SIGNATURE_INVALID"
    method = bank.request("DELETE", "/me", sign_path=None)
    assert method.status_code in (401, 405)


@pytest.mark.parametrize("skew", [-305, 305, -10_000_000, 10**11])
def test_a_timestamp_more_than_five_minutes_away_is_refused(bank, skew: int) -> None:
    response = bank.get("/me", timestamp=int(time.time()) + skew)
    assert response.status_code == 401
    assert response.json()["code"] == "TIMESTAMP_OUT_OF_RANGE"


def test_a_timestamp_within_the_window_is_accepted(bank) -> None:
    assert bank.get("/me", timestamp=int(time.time()) - 250).status_code == 200
    assert bank.get("/me", timestamp=int(time.time()) + 250).status_code == 200


def test_a_nonce_is_accepted_once(bank) -> None:
    nonce = "n" * 32
    assert bank.get("/me", nonce=nonce).status_code == 200
    again = bank.get("/me", nonce=nonce)
    assert again.status_code == 401 and again.json()["code"] == "NONCE_REUSED"
    assert PartnerNonce.objects.filter(nonce=nonce).count() == 1


def test_old_nonces_are_purged(bank) -> None:
    bank.get("/me")
    PartnerNonce.objects.update(seen_at=PartnerNonce.objects.get().seen_at - NONCE_KEEP * 2)
    assert nonces_purge() == 1


def test_unknown_and_revoked_keys_are_refused(bank) -> None:
    bank.key_id = "pk_" + "0" * 24
    assert bank.get("/me").json()["code"] == "KEY_UNKNOWN"
    bank.key_id = "not-a-key"
    assert bank.get("/me").json()["code"] == "KEY_UNKNOWN"


def test_a_revoked_key_stops_at_once_and_rotation_keeps_the_partner_working(bank) -> None:
    new = partner_key_create(actor=None, partner=bank.partner, label="2027")
    old_id = bank.key_id
    assert bank.get("/me").status_code == 200
    partner_key_revoke(actor=None, key=PartnerKey.objects.get(key_id=old_id))
    response = bank.get("/me")
    assert response.status_code == 401 and response.json()["code"] == "KEY_UNKNOWN"
    bank.key_id, bank.secret = new.key.key_id, new.secret
    assert bank.get("/me").status_code == 200


def test_an_inactive_partner_is_refused_at_once(bank) -> None:
    assert bank.get("/me").status_code == 200  # the key is now kept by this process
    bank.partner.is_active = False
    bank.partner.save()
    response = bank.get("/me")
    assert response.status_code == 401 and response.json()["code"] == "KEY_UNKNOWN"
    assert PartnerNonce.objects.count() == 1  # the refused request recorded nothing


def test_a_key_is_read_once_then_kept_for_seconds(bank, monkeypatch) -> None:
    """Every request needs its key: the process keeps it for a few seconds, then reads it
    again, so other changes (a partner's channel, its names) reach requests soon."""
    reads = []
    read = keys._active_key_read
    monkeypatch.setattr(
        keys, "_active_key_read", lambda key_id: reads.append(key_id) or read(key_id)
    )
    assert bank.get("/me").status_code == 200
    assert bank.get("/me").status_code == 200
    assert reads == [bank.key_id]
    _deadline, kept = keys._kept[bank.key_id]
    monkeypatch.setitem(keys._kept, bank.key_id, (time.monotonic() - 1, kept))  # expired
    assert bank.get("/me").status_code == 200
    assert reads == [bank.key_id, bank.key_id]


def test_missing_or_malformed_headers_are_a_clear_401() -> None:
    response = Client().get("/api/v1/partner/me")
    assert response.status_code == 401
    assert response.json()["code"] == "AUTHENTICATION_REQUIRED"


def test_malformed_headers(bank) -> None:
    for headers in (
        {"X-Kuwwa-Timestamp": "١٧٠٠٠٠٠٠٠٠"},
        {"X-Kuwwa-Nonce": "short"},
        {"X-Kuwwa-Signature": "zz" * 32},
    ):
        response = bank.get("/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["code"] == "AUTHENTICATION_REQUIRED"


def test_rate_limit_per_partner(bank, wallet, settings, monkeypatch) -> None:
    from django.utils import timezone

    # The limit counts per clock minute: keep the server's clock mid-minute for this test.
    moment = timezone.now().replace(second=30)
    monkeypatch.setattr("kuwwa.partners.auth.timezone.now", lambda: moment)
    settings.KUWWA_PARTNER_RATE_PER_MINUTE = 3
    assert [bank.get("/me").status_code for _ in range(3)] == [200, 200, 200]
    limited = bank.get("/me")
    assert limited.status_code == 429
    assert limited.json()["code"] == "RATE_LIMITED"
    assert int(limited["Retry-After"]) == 30
    assert wallet.get("/me").status_code == 200  # another partner has its own allowance


def test_the_secret_is_stored_encrypted_and_bound_to_its_row(bank) -> None:
    row = PartnerKey.objects.get(key_id=bank.key_id)
    assert bank.secret not in row.secret_encrypted
    assert crypto.decrypt(row.secret_encrypted, context=key_context(bank.key_id)) == bank.secret
    with pytest.raises(ValueError, match="decrypt"):
        crypto.decrypt(row.secret_encrypted, context=key_context("pk_other"))


def test_the_key_is_rotated_with_reencryption(bank, settings) -> None:
    import base64
    import os

    from kuwwa.partners.keys import secrets_reencrypt

    assert bank.get("/me").status_code == 200  # kept with the secret as encrypted now
    current = crypto._keys()[0][1]
    fresh = base64.b64encode(os.urandom(32)).decode()
    settings.KUWWA_API_KEY_ENCRYPTION_KEY = f"{fresh},{base64.b64encode(current).decode()}"
    crypto.keys_reload()
    try:
        assert secrets_reencrypt() == 1
        settings.KUWWA_API_KEY_ENCRYPTION_KEY = fresh
        crypto.keys_reload()
        assert bank.get("/me").status_code == 200
    finally:
        del settings.KUWWA_API_KEY_ENCRYPTION_KEY
        crypto.keys_reload()
