"""The authorization matrix: every URL and API route × every role, with the expected outcome
written down here. A route missing from the table fails the test, so each new route must be
classified before it ships (DESIGN.md invariant 7).

Outcomes: A = allowed (the request reaches the view: not 401/403/404 and no login redirect),
L = sent to log in, D = denied (401, 403 or 404: staff of another scope must not learn that
an object exists), P = public (allowed for everyone).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kuwwa.cashiering.services import handover_create, shift_open
from kuwwa.collection.services import PaymentRequest, payment_create
from kuwwa.organizations.models import CollectionCenter
from kuwwa.organizations.roles import Role
from kuwwa.portal.access import VERIFIED
from kuwwa.settlement.services import settlement_run

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "citizen",
    "cashier_a",
    "supervisor_a",
    "accountant_b",
    "company_admin_a",
    "establishment_admin",
    "auditor",
    "partner",
)


def row(**outcomes: str) -> dict[str, str]:
    """Expected outcome per role; `other` covers the roles not named."""
    other = outcomes.pop("other", None)
    table = {role: outcomes.get(role, other or "?") for role in ROLES}
    assert "?" not in table.values(), outcomes
    return table


PUBLIC = row(other="P")
STAFF_LOGIN = {"anonymous": "L", "citizen": "L", "partner": "L"}
COUNTER = row(**STAFF_LOGIN, cashier_a="A", supervisor_a="A", other="D")
SUPERVISOR = row(**STAFF_LOGIN, supervisor_a="A", other="D")
# Only the drawer's own cashier: a supervisor acts through the supervisor screens.
CASHIER_ONLY = row(**STAFF_LOGIN, cashier_a="A", other="D")
BACKOFFICE = row(**STAFF_LOGIN, cashier_a="D", supervisor_a="D", other="A")
RECEIPT = row(**STAFF_LOGIN, other="A")  # collecting center, owning company, establishment
PARTNER = row(partner="A", other="D")
CITIZEN_ONLY = row(citizen="A", other="D")  # needs a verified account in the session
ADMIN = row(anonymous="L", citizen="L", partner="L", other="A")

# route pattern → (method, expected outcomes); see `world` for the objects behind the ids.
MATRIX: dict[str, tuple[str, dict[str, str]]] = {
    "": ("GET", PUBLIC),
    "start/": ("GET", row(anonymous="L", citizen="L", partner="L", other="A")),
    "healthz": ("GET", PUBLIC),
    "readyz": ("GET", PUBLIC),
    "metrics": ("GET", PUBLIC),
    "i18n/setlang/": ("POST", PUBLIC),
    "login/": ("GET", PUBLIC),
    "logout/": ("POST", PUBLIC),
    "verify/": ("GET", PUBLIC),
    "api/docs": ("GET", PUBLIC),
    "api/docs/": ("GET", PUBLIC),
    "api/v1/": ("GET", row(other="D")),  # Ninja's root: nothing there
    "api/v1/openapi.json": ("GET", PUBLIC),
    "api/v1/docs": ("GET", PUBLIC),
    "api/v1/receipts/verify": ("GET", PUBLIC),
    "api/v1/receipts/public-key": ("GET", PUBLIC),
    "api/v1/partner/me": ("GET", PARTNER),
    "api/v1/partner/accounts/<number>": ("GET", PARTNER),
    "api/v1/partner/payments": ("POST", PARTNER),
    "api/v1/partner/payments/<reference>": ("GET", PARTNER),
    "api/v1/partner/payments/<reference>/reversal": ("POST", PARTNER),
    "api/v1/partner/reconciliations": ("POST", PARTNER),
    "api/v1/partner/reconciliations/<run_id>": ("GET", PARTNER),
    "receipts/<str:number>/": ("GET", RECEIPT),
    "counter/": ("GET", COUNTER),
    "counter/shift/open/": ("POST", COUNTER),
    "counter/lookup/": ("POST", COUNTER),
    "counter/pay/": ("POST", COUNTER),
    "counter/shift/": ("GET", row(**STAFF_LOGIN, cashier_a="A", supervisor_a="A", other="D")),
    "counter/shift/payments/<int:pk>/reverse/": ("POST", CASHIER_ONLY),
    "counter/shift/handover/": ("GET", COUNTER),
    "counter/shift/handover/<int:pk>/cancel/": ("POST", CASHIER_ONLY),
    "counter/shift/close/": ("GET", COUNTER),
    "counter/shift/<int:pk>/z/": ("GET", COUNTER),
    "counter/supervisor/": ("GET", SUPERVISOR),
    "counter/supervisor/handovers/<int:pk>/<str:action>/": ("POST", SUPERVISOR),
    "counter/supervisor/shifts/<int:pk>/approve/": ("POST", SUPERVISOR),
    "counter/supervisor/deposits/": ("POST", SUPERVISOR),
    "portal/": ("GET", PUBLIC),
    "portal/account/<str:number>/": ("GET", PUBLIC),
    "portal/account/<str:number>/verify/meter/": ("POST", PUBLIC),
    "portal/account/<str:number>/verify/send-code/": ("POST", PUBLIC),
    "portal/account/<str:number>/verify/code/": ("POST", PUBLIC),
    "portal/account/<str:number>/forget/": ("POST", PUBLIC),
    "portal/account/<str:number>/bills/<str:bill>.pdf": ("GET", CITIZEN_ONLY),
    "portal/account/<str:number>/receipts/<str:receipt>.pdf": ("GET", CITIZEN_ONLY),
    "portal/account/<str:number>/reading/": ("GET", CITIZEN_ONLY),
    "portal/account/<str:number>/reading/<int:pk>/": ("GET", CITIZEN_ONLY),
    "portal/account/<str:number>/pay/": ("GET", CITIZEN_ONLY),
    "portal/account/<str:number>/complaint/": ("GET", CITIZEN_ONLY),
    "portal/account/<str:number>/complaint/<str:reference>/": ("GET", CITIZEN_ONLY),
    "portal/pay/callback/": ("GET", PUBLIC),  # reached by any browser; the signature decides
    "portal/pay/<str:reference>/": ("GET", row(other="D")),
    "portal/pay/<str:reference>/receipt.pdf": ("GET", row(other="D")),
    "portal/sandbox-bank/pay/<str:reference>/": ("GET", PUBLIC),
    "portal/complaints/track/": ("GET", PUBLIC),
    "portal/signin/": ("GET", PUBLIC),
    "portal/signin/code/": ("GET", row(other="L")),  # back to sign-in without a code sent
    "portal/signout/": ("POST", PUBLIC),
    "portal/my/": ("GET", row(other="L")),
    "portal/my/<int:link_id>/remove/": ("POST", row(other="L")),
    "backoffice/": ("GET", BACKOFFICE),
    "backoffice/rate/": ("GET", BACKOFFICE),
    "backoffice/arrears/": ("GET", BACKOFFICE),
    "backoffice/matrix/": ("GET", BACKOFFICE),
    "backoffice/centers/": ("GET", BACKOFFICE),
    "backoffice/readings/": ("GET", BACKOFFICE),
    "backoffice/complaints/": ("GET", BACKOFFICE),
    "backoffice/statements/": ("GET", BACKOFFICE),
    "backoffice/digits/": ("POST", PUBLIC),  # a display preference kept in the session
    "admin/": ("GET", ADMIN),
}
# The statement file of company 03 for the settled day: its own staff and the establishment.
STATEMENT = row(**STAFF_LOGIN, accountant_b="A", establishment_admin="A", auditor="A", other="D")


def _routes() -> list[str]:
    def walk(patterns: list[Any], prefix: str = "") -> list[str]:
        found = []
        for p in patterns:
            if isinstance(p, URLResolver):
                found += walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                found.append(prefix + str(p.pattern))
        return found

    return walk(get_resolver().url_patterns)


def test_every_route_is_classified() -> None:
    missing = [
        r
        for r in _routes()
        if not r.startswith("admin/") and r not in MATRIX and "statements/(?P<day>" not in r
    ]
    assert missing == [], f"classify these routes in MATRIX: {missing}"


@dataclass
class World:
    clients: dict[str, Callable[[], Client]]
    values: dict[str, str]
    partner_call: Callable[[str, str], int]


@pytest.fixture
def world(billed_account, make_user, center, supervisor) -> World:
    from kuwwa.partners.keys import partner_key_create
    from kuwwa.portal.models import Complaint

    account = billed_account("03")
    bill = account.bills.first()
    cashier = make_user(Role.CASHIER, "01", "0001", username="m_cashier")
    shift = shift_open(actor=cashier, opening_float=10_000_00)
    paid = payment_create(
        actor=cashier,
        request=PaymentRequest(
            account_number=account.number,
            amount=1000_00,
            center=center("01"),
            client_reference="matrix-1",
            shift_id=shift.pk,
        ),
    )
    handover = handover_create(actor=cashier, shift=shift, count={"5000": 1})
    from kuwwa.cashiering.services import shift_close

    closed = shift_open(
        actor=make_user(Role.CASHIER, "01", "0001", username="m_closed"), opening_float=0
    )
    shift_close(actor=closed.cashier, shift=closed, count={})
    from kuwwa.cashiering.models import Shift

    Shift.objects.filter(pk=closed.pk).update(cashier=cashier)  # the cashier's own past shift
    run = settlement_run(actor=None, day=paid.payment.business_date, force=True)
    complaint = Complaint.objects.create(
        company=account.company,
        account=account,
        reference="C03-000001",
        subject="bill",
        reason="other",
    )
    users = {
        "cashier_a": cashier,
        "supervisor_a": supervisor,
        "accountant_b": make_user(Role.ACCOUNTANT, "03", username="m_acc_b"),
        "company_admin_a": make_user(Role.COMPANY_ADMIN, "01", username="m_admin_a"),
        "establishment_admin": make_user(Role.ESTABLISHMENT_ADMIN, username="m_est"),
        "auditor": make_user(Role.AUDITOR, username="m_auditor"),
    }
    sandbox = CollectionCenter.objects.filter(kind="virtual").first()
    from kuwwa.organizations.models import Partner

    partner = (
        sandbox.partner
        if sandbox
        else Partner.objects.create(code="p-matrix", name_ar="م", name_en="P", kind="bank")
    )
    key = partner_key_create(actor=None, partner=partner)

    def client_for(role: str) -> Callable[[], Client]:
        def make() -> Client:
            client = Client()
            if role in users:
                client.force_login(users[role])
            if role == "citizen":
                session = client.session
                session[VERIFIED] = {account.number: {"until": time.time() + 600, "via": "meter"}}
                session.save()
            return client

        return make

    def partner_call(method: str, path: str) -> int:
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "docs" / "examples"))
        from partner_client import sign

        stamp, nonce = str(int(time.time())), f"n{time.time_ns()}"
        body = b"{}" if method == "POST" else b""
        headers = {
            "HTTP_X_KUWWA_KEY": key.key.key_id,
            "HTTP_X_KUWWA_TIMESTAMP": stamp,
            "HTTP_X_KUWWA_NONCE": nonce,
            "HTTP_X_KUWWA_SIGNATURE": sign(key.secret, method, path, stamp, nonce, body),
            "HTTP_IDEMPOTENCY_KEY": "matrix-key",
        }
        client = Client()
        if method == "POST":
            return client.post(
                path, data=body, content_type="application/json", **headers
            ).status_code
        return client.get(path, **headers).status_code

    return World(
        clients={role: client_for(role) for role in ROLES},
        values={
            "number": account.number,
            "bill": bill.number,
            "receipt": paid.receipt.number,
            "str:number/": "",
            "reference": complaint.reference,
            "pk": str(handover.pk),
            "payment": str(paid.payment.pk),
            "reading": str(account.meterreading_set.values_list("pk", flat=True).first()),
            "closed_shift": str(closed.pk),
            "run_id": "1",
            "link_id": "1",
            "action": "confirm",
            "day": run.business_date.isoformat(),
        },
        partner_call=partner_call,
    )


def _url(pattern: str, values: dict[str, str], route: str) -> str:
    url = "/" + pattern
    if "payments/<int:pk>/reverse" in route:
        url = url.replace("<int:pk>", values["payment"])
    if "reading/<int:pk>" in route:
        url = url.replace("<int:pk>", values["reading"])
    if route.endswith("/z/") or route.endswith("/approve/"):
        url = url.replace("<int:pk>", values["closed_shift"])
    replacements = {
        "<str:number>": values["receipt"] if route.startswith("receipts/") else values["number"],
        "<number>": values["number"],
        "<str:bill>": values["bill"],
        "<str:receipt>": values["receipt"],
        "<str:reference>": values["reference"],
        "<reference>": "matrix-missing",
        "<run_id>": values["run_id"],
        "<int:pk>": values["pk"],
        "<int:link_id>": values["link_id"],
        "<str:action>": values["action"],
    }
    for placeholder, value in replacements.items():
        url = url.replace(placeholder, value)
    return url


def _outcome(status: int, location: str) -> str:
    if status in (401, 403, 404):
        return "D"
    if status in (301, 302) and ("/login/" in location or "/signin/" in location):
        return "L"
    return "A"


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_route_obeys_the_matrix(route: str, world: World) -> None:
    method, expected = MATRIX[route]
    url = _url(route, world.values, route)
    for role in ROLES:
        cache.clear()  # every client is 127.0.0.1: keep the throttles out of the picture
        if route.startswith("api/v1/partner/") and role == "partner":
            status = world.partner_call(method, url)
            got = "D" if status in (401, 403) else "A"
        else:
            client = world.clients[role]()
            response = client.post(url) if method == "POST" else client.get(url)
            assert response.status_code < 500, (route, role, response.status_code)
            got = _outcome(response.status_code, response.headers.get("Location", ""))
        want = expected[role]
        if want == "P":
            want = "A"
        assert got == want, f"{method} {url} as {role}: expected {want}, got {got}"


def test_statement_files_follow_company_scope(world: World) -> None:
    url = f"/backoffice/statements/{world.values['day']}/03.pdf"
    for role in ROLES:
        response = world.clients[role]().get(url)
        got = _outcome(response.status_code, response.headers.get("Location", ""))
        assert got == STATEMENT[role], (role, response.status_code)
