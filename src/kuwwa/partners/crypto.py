"""Secrets at rest: partner API secrets and webhook secrets, encrypted with AES-256-GCM.

An HMAC can only be checked by someone who knows the secret, so the server cannot keep just
a hash of it. It keeps the secret encrypted under KUWWA_API_KEY_ENCRYPTION_KEY, a key that
lives outside the database (environment or a file under var/ for a demo): a stolen backup
alone signs nothing. The row's identity is bound in as associated data, so an encrypted
secret copied onto another key's row does not decrypt.

KUWWA_API_KEY_ENCRYPTION_KEY is one or more base64 32-byte keys separated by commas; the
first encrypts, all are tried for decryption (rotation: put the new key first, run
`kuwwa partner-keys-reencrypt`, then drop the old one). Required in production.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = "v1"
KEY_FILE = "api_key_encryption_key"


def _b64decode(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    if "-" in text or "_" in text:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded)


def _configured() -> str:
    value = getattr(settings, "KUWWA_API_KEY_ENCRYPTION_KEY", None)
    return str(value or os.environ.get("KUWWA_API_KEY_ENCRYPTION_KEY", "")).strip()


def _demo_key() -> str:
    """Outside production a key is generated once under var/, like the other demo keys."""
    path = settings.VAR_DIR / KEY_FILE
    if not path.exists():
        path.write_text(base64.b64encode(secrets.token_bytes(32)).decode("ascii"))
        path.chmod(0o600)
    return path.read_text().strip()


@functools.cache
def _keys() -> tuple[tuple[str, bytes], ...]:
    """(key id, key) pairs; the first one encrypts."""
    raw = _configured()
    if not raw:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured(
                "KUWWA_API_KEY_ENCRYPTION_KEY is required when KUWWA_ENV=production"
            )
        raw = _demo_key()
    keys = []
    for part in raw.split(","):
        if not part.strip():
            continue
        key = _b64decode(part)
        if len(key) != 32:
            raise ImproperlyConfigured("KUWWA_API_KEY_ENCRYPTION_KEY: each key is 32 bytes, base64")
        keys.append((hashlib.sha256(key).hexdigest()[:8], key))
    if not keys:
        raise ImproperlyConfigured("KUWWA_API_KEY_ENCRYPTION_KEY is empty")
    return tuple(keys)


def keys_reload() -> None:
    """Forget the cached keys (tests, and after changing the setting in a running shell)."""
    _keys.cache_clear()
    _opened.cache_clear()


def encrypt(secret: str, *, context: str) -> str:
    """ "v1:<key id>:<base64url(nonce + ciphertext)>" of a secret, bound to `context`."""
    kid, key = _keys()[0]
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode("utf-8"), context.encode("utf-8"))
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return f"{VERSION}:{kid}:{body}"


def decrypt(token: str, *, context: str) -> str:
    """The secret; ValueError when no configured key opens it or it was moved to another row.

    Every signed request needs its key's secret, so what opened is kept per process (a
    rotated or re-encrypted secret is another token); a failure is not kept.
    """
    return _opened(token, context)


@functools.lru_cache(maxsize=1024)
def _opened(token: str, context: str) -> str:
    version, _sep, rest = token.partition(":")
    kid, _sep, body = rest.partition(":")
    if version != VERSION or not body:
        raise ValueError("not an encrypted secret")
    blob = _b64decode(body)
    for key_id, key in _keys():
        if key_id != kid:
            continue
        try:
            plain = AESGCM(key).decrypt(blob[:12], blob[12:], context.encode("utf-8"))
        except InvalidTag as exc:
            raise ValueError("secret does not decrypt") from exc
        return plain.decode("utf-8")
    raise ValueError("the key that encrypted this secret is not configured")


def needs_reencryption(token: str) -> bool:
    """True when the secret is not under the current (first) key."""
    return token.split(":", 2)[1:2] != [_keys()[0][0]]
