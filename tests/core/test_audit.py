"""The audit log is hash-chained: a changed, removed or truncated event is detected."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from kuwwa.accounts.services import account_update
from kuwwa.core.audit import audit_record, audit_verify_all, audit_verify_chain
from kuwwa.core.errors import AppendOnly
from kuwwa.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_changes_write_events_and_the_chain_verifies(make_account, company) -> None:
    account = make_account("02")
    account_update(actor=None, account=account, changes={"phone": "0944000111"})
    actions = list(
        AuditEvent.objects.filter(company=company("02"))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["account.create", "meter.install", "account.update"]
    assert audit_verify_all() == []
    call_command("audit_verify")


def test_a_changed_event_is_detected(make_account, company) -> None:
    make_account("02")
    event = AuditEvent.objects.filter(company=company("02"), action="account.create").get()
    _raw(
        f"UPDATE {AuditEvent._meta.db_table} SET data = %s WHERE id = %s",
        ['{"number": "x"}', event.pk],
    )
    found = audit_verify_chain(company("02").pk)
    assert found is not None and found.seq == event.seq and "changed" in found.reason
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_a_deleted_event_is_detected(make_account, company) -> None:
    make_account("02")
    make_account("02")
    first = AuditEvent.objects.filter(company=company("02")).order_by("seq").first()
    assert first is not None
    _raw(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [first.pk])
    found = audit_verify_chain(company("02").pk)
    assert found is not None and found.seq == first.seq


def test_a_removed_last_event_is_detected(make_account, company) -> None:
    make_account("02")
    last = AuditEvent.objects.filter(company=company("02")).order_by("-seq").first()
    assert last is not None
    _raw(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [last.pk])
    found = audit_verify_chain(company("02").pk)
    assert found is not None and "end" in found.reason


def test_events_cannot_be_changed_or_deleted_through_the_orm(make_account) -> None:
    make_account("02")
    event = AuditEvent.objects.first()
    assert event is not None
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.update(action="x")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_audit_outside_a_transaction_is_refused(company) -> None:
    with pytest.raises(RuntimeError):
        audit_record(company=company("01"), action="x")
    with transaction.atomic():
        audit_record(company=company("01"), action="x")
