"""Partner API fixtures: a bank with its virtual center and a key, and a signing client."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from kuwwa.organizations.models import CollectionCenter, Company, Partner
from kuwwa.partners.keys import partner_key_create
from kuwwa.partners.signing import sign_request
from tests.collection.conftest import billed_account, cashier, supervisor  # noqa: F401

API = "/api/v1/partner"


@dataclass
class Caller:
    """A partner's signed client over Django's test client."""

    partner: Partner
    key_id: str
    secret: str
    client: Client

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
        sign_path: str | None = None,
        sign_body: bytes | None = None,
        secret: str | None = None,
    ) -> Any:
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(16)
        full = path if path.startswith("/api/") else API + path
        signature = sign_request(
            secret=secret or self.secret,
            method=method,
            path=sign_path or full,
            timestamp=stamp,
            nonce=nonce,
            body=data if sign_body is None else sign_body,
        )
        all_headers = {
            "X-Kuwwa-Key": self.key_id,
            "X-Kuwwa-Timestamp": stamp,
            "X-Kuwwa-Nonce": nonce,
            "X-Kuwwa-Signature": signature,
            **(headers or {}),
        }
        return self.client.generic(
            method, full, data=data, content_type=content_type, headers=all_headers
        )

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, body, **kw)

    def pay(self, key: str, body: dict[str, Any], **kw: Any) -> Any:
        headers = {"Idempotency-Key": key, **kw.pop("headers", {})}
        return self.post("/payments", body, headers=headers, **kw)


def make_partner(code: str, center_code: str, kind: str = "bank") -> Partner:
    partner = Partner.objects.create(
        code=code, name_ar=f"شريك {code}", name_en=f"Partner {code}", kind=kind
    )
    CollectionCenter.objects.create(
        company=Company.objects.get(code="00"),
        code=center_code,
        name_ar=partner.name_ar,
        kind=CollectionCenter.Kind.VIRTUAL,
        partner=partner,
    )
    return partner


def make_caller(code: str, center_code: str, kind: str = "bank") -> Caller:
    partner = make_partner(code, center_code, kind)
    created = partner_key_create(actor=None, partner=partner, label="tests")
    return Caller(partner, created.key.key_id, created.secret, Client())


@pytest.fixture
def bank(db: Any) -> Caller:
    return make_caller("test-bank", "9101")


@pytest.fixture
def wallet(db: Any) -> Caller:
    return make_caller("test-wallet", "9102", kind="ewallet")
