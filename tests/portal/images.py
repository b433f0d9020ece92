"""Small test images made with Pillow, and files that only pretend to be images."""

from __future__ import annotations

import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 93, 75)).save(buffer, format=kind)
    return buffer.getvalue()


def png(name: str = "meter.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


def jpeg(name: str = "meter.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG"), content_type="image/jpeg")


def too_big(name: str = "meter.jpg") -> SimpleUploadedFile:
    """A real JPEG header followed by noise: 2 MB + 1 byte."""
    head = image_bytes("JPEG")
    return SimpleUploadedFile(
        name, head + os.urandom(2 * 1024 * 1024 + 1 - len(head)), content_type="image/jpeg"
    )


def fake(name: str = "meter.jpg") -> SimpleUploadedFile:
    """An HTML file named like a photo, sent with an image content type."""
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", "image/jpeg")


def gif_named_png() -> SimpleUploadedFile:
    return SimpleUploadedFile("meter.png", image_bytes("GIF"), content_type="image/png")


def truncated_png() -> SimpleUploadedFile:
    return SimpleUploadedFile("meter.png", image_bytes("PNG")[:30], content_type="image/png")
