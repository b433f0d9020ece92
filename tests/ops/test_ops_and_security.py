"""Operations endpoints and hardening: health, readiness, metrics, CSP, login lockout, idle
staff sessions, Argon2, and a clean `check --deploy` with production settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import Client, override_settings

from kuwwa.organizations.roles import Role

pytestmark = pytest.mark.django_db


def test_health_and_readiness() -> None:
    client = Client()
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_metrics_count_payments_and_can_require_a_token() -> None:
    client = Client()
    body = client.get("/metrics").content.decode()
    assert "kuwwa_payments_total" in body and "kuwwa_request_seconds" in body
    with override_settings(KUWWA_METRICS_TOKEN="s3cret"):
        assert client.get("/metrics").status_code == 403
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def test_every_page_carries_a_strict_content_security_policy() -> None:
    response = Client().get("/")
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_login_is_locked_after_repeated_failures(make_user, settings) -> None:
    make_user(Role.CASHIER, "01", "0001", username="locky")
    client = Client()
    for _ in range(settings.KUWWA_LOGIN_MAX_FAILURES):
        response = client.post("/admin/login/", {"username": "locky", "password": "wrong"})
        assert response.status_code == 200
    # Now even the right password is refused until the lock expires.
    assert not client.login(username="locky", password="pw-for-tests-123")
    from kuwwa.core.models import LoginThrottle

    assert LoginThrottle.objects.get(username="locky").locked_until is not None


def test_a_successful_login_resets_the_count(make_user) -> None:
    make_user(Role.CASHIER, "01", "0001", username="okay")
    client = Client()
    client.post("/admin/login/", {"username": "okay", "password": "wrong"})
    assert client.login(username="okay", password="pw-for-tests-123")
    from kuwwa.core.models import LoginThrottle

    assert not LoginThrottle.objects.filter(username="okay").exists()


def test_an_idle_staff_session_ends(make_user, settings) -> None:
    user = make_user(Role.COMPANY_ADMIN, "01", username="idle")
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session["kuwwa_seen"] = 0  # long ago
    session.save()
    assert client.get("/admin/").status_code == 302


def test_passwords_are_hashed_with_argon2_in_production_settings() -> None:
    import kuwwa.settings as real

    assert real.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=real.PASSWORD_HASHERS):
        assert get_hasher().algorithm == "argon2"


def test_check_deploy_is_clean_with_production_settings(tmp_path) -> None:
    env = {
        **os.environ,
        "KUWWA_ENV": "production",
        "SECRET_KEY": "x" * 64 + "-production-secret-key-for-the-check",
        "ALLOWED_HOSTS": "kuwwa.example.sy",
        "KUWWA_RECEIPT_SIGNING_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "KUWWA_API_KEY_ENCRYPTION_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "KUWWA_VAR_DIR": str(tmp_path),
    }
    env.pop("KUWWA_DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "-m", "kuwwa.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sms_retry_resends_failed_messages(company) -> None:
    from django.core.management import call_command

    from kuwwa.core.models import SmsMessage

    message = SmsMessage.objects.create(
        company=company("01"), phone="0944000000", text="x", status="failed", attempts=1
    )
    call_command("sms_retry")
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2


def test_logs_mask_account_and_phone_numbers() -> None:
    import logging

    from kuwwa.core.logging import JsonFormatter, RedactPersonalData

    record = logging.makeLogRecord(
        {"msg": "Forbidden: /portal/account/%s/ phone %s", "args": ("030000000145", "0944123456")}
    )
    assert RedactPersonalData().filter(record)
    line = JsonFormatter().format(record)
    assert "030000000145" not in line and "0944123456" not in line
    assert "03******0145" in line and "094*****56" in line
