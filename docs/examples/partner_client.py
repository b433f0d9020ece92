"""A small client for the Kuwwa partner API (docs/partner-api.md), with httpx.

It signs every request (HMAC-SHA256 over method, path with query, timestamp, nonce and the
SHA-256 of the body), sends a fresh nonce each time, and retries a payment safely: the same
Idempotency-Key, so a retry after a timeout never pays twice.

    client = KuwwaPartnerClient("https://kuwwa.example", key_id="pk_…", secret="sk_…")
    bill = client.inquiry("030000000145")
    payment = client.pay("BNK-20261128-000042", "030000000145", bill["amount_due"])

    python partner_client.py --base http://127.0.0.1:8000 --key pk_… --secret sk_… \\
        inquiry 030000000145
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import httpx

PREFIX = "/api/v1/partner"


class KuwwaError(Exception):
    """A refusal of the API: `code` is stable (see the error table), `message` readable."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.code = str(body.get("code", f"HTTP_{status}"))
        self.message = str(body.get("message_en") or body.get("message") or "")
        self.message_ar = str(body.get("message_ar") or "")
        self.retry_after = 0.0
        super().__init__(f"{self.code} ({status}): {self.message}")


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """hex HMAC-SHA256(secret, METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n sha256(body))."""
    text = "\n".join((method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()))
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def verify_webhook(secret: str, headers: dict[str, str], body: bytes, max_age: int = 300) -> bool:
    """Check a webhook from Kuwwa: signature over timestamp, event id and body; fresh."""
    lowered = {k.lower(): v for k, v in headers.items()}
    stamp = lowered.get("x-kuwwa-timestamp", "")
    event_id = lowered.get("x-kuwwa-event-id", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > max_age:
        return False
    text = "\n".join((stamp, event_id, hashlib.sha256(body).hexdigest()))
    expected = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, lowered.get("x-kuwwa-signature", ""))


class KuwwaPartnerClient:
    def __init__(
        self,
        base_url: str,
        *,
        key_id: str,
        secret: str,
        timeout: float = 10.0,
        language: str = "en",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.key_id = key_id
        self.secret = secret
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            headers={"Accept-Language": language},
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        content_type: str = "application/json",
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Sign and send one request; the decoded JSON, or KuwwaError."""
        body = content if content is not None else b""
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        url = self.http.build_request(method, PREFIX + path, params=params).url
        signed_path = url.raw_path.decode("ascii")  # exactly what goes on the request line
        stamp, nonce = str(int(time.time())), secrets.token_hex(16)
        all_headers = {
            "X-Kuwwa-Key": self.key_id,
            "X-Kuwwa-Timestamp": stamp,
            "X-Kuwwa-Nonce": nonce,
            "X-Kuwwa-Signature": sign(self.secret, method, signed_path, stamp, nonce, body),
            **({"Content-Type": content_type} if body else {}),
            **(headers or {}),
        }
        response = self.http.request(method, url, content=body, headers=all_headers)
        data = response.json() if response.content else {}
        if response.status_code >= 400:
            error = KuwwaError(response.status_code, data)
            error.retry_after = float(response.headers.get("Retry-After", "0") or 0)
            raise error
        return data

    def me(self) -> dict[str, Any]:
        return self.request("GET", "/me")

    def inquiry(self, account_number: str) -> dict[str, Any]:
        return self.request("GET", f"/accounts/{account_number}")

    def pay(
        self,
        reference: str,
        account_number: str,
        amount: int,
        *,
        bill_number: str | None = None,
        to_credit: bool = False,
        attempts: int = 5,
    ) -> dict[str, Any]:
        """Pay once. `reference` is your unique id of this payment (the Idempotency-Key):
        retries reuse it, so a lost answer is recovered, never paid twice."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError("amount is an int of minor units (SYP: 1 pound = 100)")
        body: dict[str, Any] = {"account_number": account_number, "amount": amount}
        if bill_number:
            body["bill_number"] = bill_number
        if to_credit:
            body["to_credit"] = True
        for attempt in range(attempts):
            try:
                return self.request(
                    "POST", "/payments", json_body=body, headers={"Idempotency-Key": reference}
                )
            except KuwwaError as exc:
                if exc.code != "REQUEST_IN_FLIGHT" or attempt == attempts - 1:
                    raise
                time.sleep(exc.retry_after or 1)
            except httpx.TransportError:
                if attempt == attempts - 1:
                    raise
                time.sleep(2**attempt)
        raise RuntimeError("unreachable")

    def status(self, reference: str) -> dict[str, Any]:
        return self.request("GET", f"/payments/{reference}")

    def reverse(self, reference: str, reason: str, note: str = "") -> dict[str, Any]:
        return self.request(
            "POST", f"/payments/{reference}/reversal", json_body={"reason": reason, "note": note}
        )

    def reconcile(self, business_date: str, payments: list[dict[str, Any]]) -> dict[str, Any]:
        return self.request(
            "POST",
            "/reconciliations",
            json_body={"payments": payments},
            params={"business_date": business_date},
        )

    def reconcile_csv(self, business_date: str, csv_text: str) -> dict[str, Any]:
        return self.request(
            "POST",
            "/reconciliations",
            content=csv_text.encode("utf-8"),
            content_type="text/csv",
            params={"business_date": business_date},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="Kuwwa partner API client")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("command", choices=["me", "inquiry", "pay", "status", "reverse"])
    parser.add_argument("args", nargs="*")
    ns = parser.parse_args()
    client = KuwwaPartnerClient(ns.base, key_id=ns.key, secret=ns.secret)
    try:
        if ns.command == "me":
            result = client.me()
        elif ns.command == "inquiry":
            result = client.inquiry(ns.args[0])
        elif ns.command == "pay":  # pay REFERENCE ACCOUNT AMOUNT_MINOR
            result = client.pay(ns.args[0], ns.args[1], int(ns.args[2]))
        elif ns.command == "status":
            result = client.status(ns.args[0])
        else:  # reverse REFERENCE REASON
            result = client.reverse(ns.args[0], ns.args[1])
    except KuwwaError as exc:
        result = {"error": exc.code, "status": exc.status, "message": exc.message}
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
