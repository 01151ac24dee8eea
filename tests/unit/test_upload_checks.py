"""Product image uploads: only real JPEG, PNG or WebP pictures of at most 5 MB and sane dimensions get
in, each refusal says why in Korean, and what is stored is a fresh encoding of the pixels only."""
from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from PIL import Image

from shop.catalog.editing import MAX_IMAGE_BYTES, checked_image, store_image
from shop.core.storage import ImageRejected
from tests.services.test_storage import camera_exif, image_bytes


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: it would take gigabytes once decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * 3 * 16
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * 16))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_pictures_are_accepted(fmt):
    assert checked_image(image_bytes(fmt)).format == fmt


@pytest.mark.parametrize("bomb", [
    png_header_claiming(60_000, 60_000),  # past Pillow's own bomb limit
    png_header_claiming(8_000, 8_000),  # under Pillow's limit, over ours
])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(bomb):
    assert len(bomb) < 1024
    with pytest.raises(ImageRejected, match="크기가 너무 큽니다|이미지 파일이 아니거나"):
        checked_image(bomb)


def test_a_real_many_megapixel_picture_that_compresses_to_little_is_refused():
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")  # 100 megapixels in a few kilobytes
    with pytest.raises(ImageRejected):
        checked_image(buffer.getvalue())


@pytest.mark.parametrize("lie, message", [
    (b"<html><script>alert(document.cookie)</script></html>", "JPG, PNG, WebP 이미지만"),  # named photo.jpg
    (image_bytes("GIF"), "JPG, PNG, WebP 이미지만"),  # a GIF named .png
    (image_bytes("BMP"), "JPG, PNG, WebP 이미지만"),
    (b"\xff\xd8\xff\xe0" + b"<?php system($_GET['c']); ?>" * 20, "이미지 파일이 아니거나 손상된"),  # JPEG magic only
    (b"\xff\xd8\xff" + image_bytes("PNG"), "이미지 파일이 아니거나 손상된"),
    (image_bytes("PNG")[:200], "이미지 파일이 아니거나 손상된"),  # cut short
    (b"MZ\x90\x00" + os.urandom(2000), "JPG, PNG, WebP 이미지만"),  # an executable
])
def test_a_file_that_lies_about_its_type_is_refused(lie, message):
    with pytest.raises(ImageRejected, match=message):
        checked_image(lie)


def test_an_oversized_file_is_refused_with_the_limit():
    width = 1_500
    noise = Image.frombytes("RGB", (width, width), os.urandom(width * width * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG", compress_level=0)
    data = buffer.getvalue()
    assert len(data) > MAX_IMAGE_BYTES
    with pytest.raises(ImageRejected, match="5MB 이하만"):
        checked_image(data)
    with pytest.raises(ImageRejected, match="5MB 이하만"):
        checked_image(io.BytesIO(data))  # an upload stream is read no further than the limit


@pytest.mark.parametrize("svg", [
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
    b'<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("/")</script></svg>',
    b"\xef\xbb\xbf  <SVG><SCRIPT>alert(1)</SCRIPT></SVG>",
])
def test_an_svg_with_script_is_refused_by_name(svg):
    with pytest.raises(ImageRejected, match="SVG 파일은 올릴 수 없습니다"):
        checked_image(svg)


def test_an_empty_upload_asks_for_a_file():
    with pytest.raises(ImageRejected, match="선택해 주세요"):
        checked_image(b"")


def test_the_stored_image_is_reencoded_without_metadata(tmp_path):
    original = image_bytes("JPEG", size=(900, 600), exif=camera_exif(), comment=b"shot at home, 37.5N")
    trailer = b"<script>alert(1)</script>"
    uploaded = original + trailer  # bytes smuggled after the picture
    path = store_image(checked_image(uploaded), root=tmp_path)
    stored = (tmp_path / path).read_bytes()
    assert stored != uploaded
    assert b"SecretCam" not in stored and b"37.5N" not in stored and trailer not in stored
    with Image.open(tmp_path / path) as saved:
        assert saved.format == "WEBP" and saved.size == (900, 600)
        assert len(saved.getexif()) == 0
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(saved.info)
    assert (tmp_path / path.replace(".webp", ".thumb.webp")).is_file()
