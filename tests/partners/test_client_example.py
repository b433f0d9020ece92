"""docs/examples/partner_client.py works against a running server (live_server)."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kuwwa.billing.models import Bill
from kuwwa.collection.models import Payment
from kuwwa.core.clock import business_date
from kuwwa.partners.signing import sign_webhook

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "partner_client.py"


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("partner_client", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["partner_client"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_example_client_against_a_live_server(live_server, bank, billed_account) -> None:
    pc = _load()
    bill = Bill.objects.get(account=billed_account("03"))
    client = pc.KuwwaPartnerClient(live_server.url, key_id=bank.key_id, secret=bank.secret)
    try:
        assert client.me()["partner"] == "test-bank"
        formatted = (
            f"{bill.account.number[:2]}-{bill.account.number[2:10]}-{bill.account.number[10:]}"
        )
        inquiry = client.inquiry(formatted)
        assert inquiry["amount_due"] == bill.total
        paid = client.pay("CLIENT-1", bill.account.number, inquiry["amount_due"])
        assert paid["status"] == "posted"
        assert client.pay("CLIENT-1", bill.account.number, bill.total) == paid  # a retry
        assert client.status("CLIENT-1")["receipt_number"] == paid["receipt_number"]
        with pytest.raises(pc.KuwwaError) as refused:
            client.pay("CLIENT-2", bill.account.number, 100, bill_number=bill.number)
        assert refused.value.code == "BILL_ALREADY_PAID" and refused.value.status == 409
        day = business_date().isoformat()
        csv_text = f"reference,account_number,amount\nCLIENT-1,{bill.account.number},{bill.total}\n"
        assert client.reconcile_csv(day, csv_text)["matched"] == 1
        assert client.reverse("CLIENT-1", "customer_request")["status"] == "reversed"
        run = client.reconcile(day, [])
        assert run["kuwwa_count"] == 0
    finally:
        client.close()
    assert Payment.objects.count() == 1


def test_the_example_verifies_webhooks() -> None:
    pc = _load()
    body = b'{"event": "payment.reversed"}'
    stamp = str(int(time.time()))
    headers = {
        "X-Kuwwa-Timestamp": stamp,
        "X-Kuwwa-Event-Id": "e1",
        "X-Kuwwa-Signature": sign_webhook(
            secret="whsec_x", timestamp=stamp, event_id="e1", body=body
        ),
    }
    assert pc.verify_webhook("whsec_x", headers, body)
    assert not pc.verify_webhook("whsec_y", headers, body)
    assert not pc.verify_webhook("whsec_x", headers, body + b" ")
