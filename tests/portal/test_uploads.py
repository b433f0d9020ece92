"""Upload rules: JPEG or PNG by content, at most 2 MB, stored under a random name."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from kuwwa.core.errors import ValidationFailed
from kuwwa.portal.uploads import MAX_BYTES, image_check

from .images import fake, gif_named_png, image_bytes, jpeg, png, too_big, truncated_png


def test_png_and_jpeg_pass_and_get_a_random_name() -> None:
    assert image_check(png()).kind == "png"
    checked = image_check(jpeg("../../etc/passwd.jpg"))
    assert checked.kind == "jpeg"
    name = checked.as_file().name
    assert name.endswith(".jpg") and "/" not in name and "passwd" not in name


@pytest.mark.parametrize(
    "upload", [fake(), gif_named_png(), truncated_png()], ids=["html", "gif", "cut"]
)
def test_content_that_is_not_jpeg_or_png_is_refused(upload) -> None:
    with pytest.raises(ValidationFailed):
        image_check(upload)


def test_a_real_photo_with_another_extension_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        image_check(SimpleUploadedFile("meter.svg", image_bytes("PNG"), "image/svg+xml"))


def test_more_than_two_megabytes_is_refused() -> None:
    upload = too_big()
    assert upload.size == MAX_BYTES + 1
    with translation.override("en"), pytest.raises(ValidationFailed, match="2 MB"):
        image_check(upload)


def test_exactly_two_megabytes_of_header_is_judged_by_content() -> None:
    head = image_bytes("PNG")
    upload = SimpleUploadedFile("m.png", head + b"\0" * (MAX_BYTES - len(head)), "image/png")
    # Trailing bytes after the PNG's end are ignored by Pillow: size rule met, content is PNG.
    assert image_check(upload).kind == "png"
