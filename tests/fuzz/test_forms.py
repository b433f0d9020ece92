"""Fuzz every form the project posts to: random text in every field a page knows, sent by a
user allowed to use the page. Never a 500, and bad input writes nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuwwa.billing.models import Bill, MeterReading
from kuwwa.cashiering.models import Deposit, Handover, Shift
from kuwwa.collection.models import Payment, Receipt
from kuwwa.core.models import AuditEvent
from kuwwa.ledger.models import JournalEntry
from kuwwa.portal.models import Complaint
from tests.security.test_authorization_matrix import MATRIX, _url, world  # noqa: F401

pytestmark = pytest.mark.django_db

# Field names used by the project's forms; random values go into a random subset of them.
FIELDS = [
    "q",
    "account_number",
    "bill_number",
    "client_reference",
    "amount",
    "tender",
    "tendered",
    "to_credit",
    "opening_float",
    "reason",
    "supervisor",
    "password",
    "username",
    "slip_number",
    "bank_name",
    "shifts",
    "number",
    "value",
    "code",
    "phone",
    "meter_last4",
    "subject",
    "subject_reference",
    "description",
    "reference",
    "bills",
    "language",
    "next",
    "digits",
    "count_5000",
    "count_1000",
    "count_500",
    "n5000",
    "n1000",
    "date",
    "period",
    "c",
    "s",
]
TABLES = (
    Payment,
    Receipt,
    JournalEntry,
    Bill,
    MeterReading,
    Shift,
    Handover,
    Deposit,
    Complaint,
    AuditEvent,
)
POST_ROUTES = sorted(
    route
    for route, (method, expected) in MATRIX.items()
    if method == "POST" and not route.startswith("api/")
)
text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "-1", "١٢٣", "9" * 25, "<script>", "' OR 1=1 --", "\x00", "٫٫"]),
)


def _role_for(route: str) -> str:
    expected = MATRIX[route][1]
    for role in ("cashier_a", "supervisor_a", "company_admin_a", "citizen", "anonymous"):
        if expected[role] in ("A", "P"):
            return role
    return "anonymous"


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in TABLES)


@pytest.mark.parametrize("route", POST_ROUTES)
def test_random_posts_never_fail_and_write_nothing(route: str, world) -> None:  # noqa: F811
    url = _url(route, world.values, route)
    client = world.clients[_role_for(route)]()

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.dictionaries(st.sampled_from(FIELDS), text, max_size=6))
    def post(data: dict[str, str]) -> None:
        cache.clear()
        data = {k: v.replace("\x00", "") for k, v in data.items()}
        before = _counts()
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code < 500, (route, data, response.status_code)
        if (
            response.status_code >= 400
            or b'role="alert"' in response.content
            or b"errorlist" in response.content
        ):
            assert _counts() == before, (route, data)

    post()
