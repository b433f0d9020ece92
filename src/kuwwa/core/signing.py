"""Ed25519 signatures for documents anyone can verify (receipts).

The private key comes from KUWWA_RECEIPT_SIGNING_KEY (32 raw bytes, base64); outside
production a key is generated once under var/. The public key can be published so that
third parties verify receipts offline.
"""

from __future__ import annotations

import base64
import functools

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.cache
def _private_key() -> Ed25519PrivateKey:
    configured = settings.KUWWA_RECEIPT_SIGNING_KEY
    if configured:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(configured))
    path = settings.VAR_DIR / "receipt_signing_key"
    if not path.exists():
        raw = Ed25519PrivateKey.generate().private_bytes_raw()
        path.write_text(base64.b64encode(raw).decode("ascii"))
        path.chmod(0o600)
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_text().strip()))


def public_key() -> Ed25519PublicKey:
    return _private_key().public_key()


def public_key_b64() -> str:
    """The raw public key, base64: what verifiers need."""
    raw = public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def sign(message: str) -> str:
    """The signature of a UTF-8 message, base64url without padding (86 characters)."""
    return b64url(_private_key().sign(message.encode("utf-8")))


def verify(message: str, signature: str) -> bool:
    try:
        public_key().verify(b64url_decode(signature), message.encode("utf-8"))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
