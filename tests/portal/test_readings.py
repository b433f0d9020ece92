"""Submitting a reading: only inside the window, with the result and a reference at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from kuwwa.billing.models import MeterReading
from kuwwa.collection.documents import format_number
from kuwwa.core.digits import to_arabic_digits
from kuwwa.core.models import AuditEvent

from .conftest import verify
from .images import fake, png, too_big

pytestmark = pytest.mark.django_db


def last_value(account) -> int:
    return (
        MeterReading.objects.filter(account=account, status="accepted")
        .order_by("-read_on", "-pk")
        .values_list("value", flat=True)
        .first()
    )


@pytest.fixture
def client(account) -> Client:
    client = Client()
    verify(client, account)
    return client


def files_in(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def test_reading_needs_verification(account) -> None:
    assert Client().get(f"/portal/account/{account.number}/reading/").status_code == 403
    response = Client().post(f"/portal/account/{account.number}/reading/", {"value": "1"})
    assert response.status_code == 403
    assert not MeterReading.objects.filter(source="citizen").exists()


def test_outside_the_window_the_reading_is_refused(account, client) -> None:
    html = client.get(f"/portal/account/{account.number}/reading/").content.decode()
    assert 'name="value"' not in html and 'class="notice warn"' in html
    response = client.post(
        f"/portal/account/{account.number}/reading/", {"value": str(last_value(account) + 450)}
    )
    assert response.status_code == 400
    assert not MeterReading.objects.filter(source="citizen").exists()


def test_a_normal_reading_is_accepted_with_a_reference(account, client, reading_cycle) -> None:
    reading_cycle(account)
    value = last_value(account) + 480
    response = client.post(
        f"/portal/account/{account.number}/reading/", {"value": to_arabic_digits(str(value))}
    )
    assert response.status_code == 302
    reading = MeterReading.objects.get(source="citizen")
    assert reading.value == value and reading.status == "accepted"
    html = client.get(response["Location"]).content.decode()
    assert format_number(reading.reference, "ar") in html
    assert 'class="notice ok"' in html
    assert AuditEvent.objects.filter(action="reading.submit", object_id=str(reading.pk)).exists()


def test_a_very_high_reading_needs_review_and_says_why(account, client, reading_cycle) -> None:
    reading_cycle(account)
    response = client.post(
        f"/portal/account/{account.number}/reading/", {"value": str(last_value(account) + 90_000)}
    )
    html = client.get(response["Location"]).content.decode()
    assert MeterReading.objects.get(source="citizen").status == "needs_review"
    assert 'class="notice warn"' in html
    assert "Consumption is much higher" in html or "أعلى" in html


def test_a_reading_below_the_previous_is_rejected_and_says_why(
    account, client, reading_cycle
) -> None:
    reading_cycle(account)
    response = client.post(
        f"/portal/account/{account.number}/reading/", {"value": str(last_value(account) - 5)}
    )
    html = client.get(response["Location"]).content.decode()
    assert MeterReading.objects.get(source="citizen").status == "rejected"
    assert 'class="notice bad"' in html
    assert "below the previous" in html or "أقل" in html


def test_a_photo_is_stored_under_media_with_a_random_name(
    account, client, reading_cycle, media_root
) -> None:
    reading_cycle(account)
    response = client.post(
        f"/portal/account/{account.number}/reading/",
        {"value": str(last_value(account) + 400), "photo": png("my meter.png")},
    )
    assert response.status_code == 302
    reading = MeterReading.objects.get(source="citizen")
    stored = Path(reading.photo.path)
    assert stored.is_file() and str(stored).startswith(str(media_root))
    assert "my meter" not in stored.name and stored.suffix == ".png"
    assert Client().get(f"/media/{reading.photo.name}").status_code == 404


@pytest.mark.parametrize("photo", [too_big, fake], ids=["too-big", "not-an-image"])
def test_a_bad_photo_refuses_everything_and_saves_nothing(
    account, client, reading_cycle, media_root, photo
) -> None:
    reading_cycle(account)
    response = client.post(
        f"/portal/account/{account.number}/reading/",
        {"value": str(last_value(account) + 400), "photo": photo()},
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not MeterReading.objects.filter(source="citizen").exists()
    assert files_in(media_root) == []


def test_garbage_value_is_refused(account, client, reading_cycle) -> None:
    reading_cycle(account)
    response = client.post(f"/portal/account/{account.number}/reading/", {"value": "12a4"})
    assert response.status_code == 400
    assert not MeterReading.objects.filter(source="citizen").exists()


def test_the_result_page_is_only_for_the_account(
    account, billed_account, client, reading_cycle
) -> None:
    reading_cycle(account)
    response = client.post(
        f"/portal/account/{account.number}/reading/", {"value": str(last_value(account) + 400)}
    )
    reading = MeterReading.objects.get(source="citizen")
    other = billed_account("03")
    verify(client, other)
    assert client.get(f"/portal/account/{other.number}/reading/{reading.pk}/").status_code == 404
    assert Client().get(response["Location"]).status_code == 403
