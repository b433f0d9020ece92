"""Photos and attachments from citizens: JPEG or PNG only, at most 2 MB, judged by content.

The name a browser sends is not trusted: the bytes must start like a JPEG or PNG and Pillow
must parse them as one. Files are stored under MEDIA_ROOT (var/media, never served by the web
server) with a random name, so nothing typed by a visitor reaches the file system.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image

from kuwwa.core.errors import ValidationFailed

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is a decompression bomb
EXTENSIONS = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png"}
SIGNATURES = {"jpeg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n"}


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    kind: str  # "jpeg" or "png"

    def as_file(self) -> ContentFile:
        ext = "jpg" if self.kind == "jpeg" else "png"
        return ContentFile(self.content, name=f"{uuid.uuid4().hex}.{ext}")


def _refuse() -> ValidationFailed:
    return ValidationFailed(_("Only a JPEG or PNG photo can be attached."))


def image_check(upload: Any) -> CheckedImage:
    """The upload's bytes if they are a JPEG or PNG of at most 2 MB; ValidationFailed if not."""
    if getattr(upload, "size", 0) > MAX_BYTES:
        raise ValidationFailed(_("The photo is larger than 2 MB."))
    name = str(getattr(upload, "name", "") or "").lower()
    ext = name[name.rfind(".") :] if "." in name else ""
    if ext not in EXTENSIONS:
        raise _refuse()
    upload.seek(0)
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise ValidationFailed(_("The photo is larger than 2 MB."))
    kind = next((k for k, sig in SIGNATURES.items() if content.startswith(sig)), None)
    if kind is None:
        raise _refuse()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if (image.format or "").lower() != kind:
                    raise _refuse()
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise _refuse()
                image.verify()
    except ValidationFailed:
        raise
    except Exception as exc:  # any parse failure means "not a usable image"
        raise _refuse() from exc
    return CheckedImage(content=content, kind=kind)
