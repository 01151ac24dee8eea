"""Stored images are re-encoded pixels only: WebP (or JPEG), no metadata, inside the upload folder."""
import io
import os

import pytest
from PIL import Image

from shop.core import storage
from shop.core.storage import ImageRejected, save_image


def image_bytes(fmt: str, size=(800, 600), mode="RGB", **save_args) -> bytes:
    image = Image.new(mode, size, (200, 80, 40) if mode == "RGB" else (200, 80, 40, 128))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save_args)
    return buffer.getvalue()


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0110] = "Model X1"  # Model
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 58.0)}  # GPS
    return exif


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_images_are_reencoded_to_webp_with_a_thumbnail(tmp_path, fmt):
    path = save_image(image_bytes(fmt), "products", root=tmp_path)
    assert path.startswith("products/") and path.endswith(".webp")
    with Image.open(tmp_path / path) as saved:
        assert saved.format == "WEBP"
        assert saved.size == (800, 600)
    with Image.open(tmp_path / storage.thumbnail_path(path)) as thumb:
        assert thumb.format == "WEBP"
        assert max(thumb.size) <= max(storage.THUMBNAIL_SIZE)


def test_large_images_are_scaled_down_to_max_size(tmp_path):
    path = save_image(image_bytes("PNG", size=(3000, 1500)), "banners", max_size=(1200, 1200), root=tmp_path)
    with Image.open(tmp_path / path) as saved:
        assert saved.size == (1200, 600)


def test_exif_gps_and_comments_are_stripped(tmp_path):
    original = image_bytes("JPEG", exif=camera_exif(), comment=b"secret comment")
    assert b"SecretCam" in original
    path = save_image(original, "reviews", root=tmp_path)
    stored = (tmp_path / path).read_bytes()
    assert b"SecretCam" not in stored and b"secret comment" not in stored
    with Image.open(tmp_path / path) as saved:
        assert len(saved.getexif()) == 0
        assert "exif" not in saved.info and "xmp" not in saved.info


def test_exif_orientation_is_applied_before_it_is_dropped(tmp_path):
    rotated = image_bytes("JPEG", size=(400, 200), exif=camera_exif(orientation=6))  # "rotate 90° clockwise"
    path = save_image(rotated, "reviews", root=tmp_path)
    with Image.open(tmp_path / path) as saved:
        assert saved.size == (200, 400)


def test_file_like_sources_and_pillow_images_are_accepted(tmp_path):
    from_file = save_image(io.BytesIO(image_bytes("PNG")), "a", root=tmp_path)
    from_image = save_image(Image.new("RGB", (50, 50), "blue"), "b", root=tmp_path)
    assert (tmp_path / from_file).is_file() and (tmp_path / from_image).is_file()


def test_jpeg_output_flattens_transparency(tmp_path):
    path = save_image(image_bytes("PNG", mode="RGBA"), "logos", image_format="JPEG", root=tmp_path)
    assert path.endswith(".jpg")
    with Image.open(tmp_path / path) as saved:
        assert saved.format == "JPEG" and saved.mode == "RGB"


def test_webp_keeps_transparency(tmp_path):
    path = save_image(image_bytes("PNG", mode="RGBA"), "logos", root=tmp_path)
    with Image.open(tmp_path / path) as saved:
        assert saved.mode == "RGBA"


@pytest.mark.parametrize(
    "data",
    [
        b"<?php system($_GET['c']); ?>",
        b"%PDF-1.7\n1 0 obj<<>>endobj",
        image_bytes("PNG")[:120],  # truncated
        image_bytes("BMP"),  # an image, but not a format we accept
    ],
    ids=["script", "pdf", "truncated-png", "bmp"],
)
def test_non_images_are_refused_in_korean(tmp_path, data):
    with pytest.raises(ImageRejected) as refused:
        save_image(data, "products", root=tmp_path)
    assert isinstance(refused.value, ValueError)
    assert any("가" <= ch <= "힣" for ch in str(refused.value))
    assert not any(tmp_path.rglob("*.*"))


def test_empty_and_oversized_files_are_refused(tmp_path):
    with pytest.raises(ImageRejected, match="빈 파일"):
        save_image(b"", "products", root=tmp_path)
    with pytest.raises(ImageRejected, match="MB 이하"):
        save_image(image_bytes("PNG", size=(2000, 2000)), "products", max_bytes=1024 * 1024 // 100, root=tmp_path)


@pytest.mark.parametrize("folder", ["../outside", "/etc", "a/../../b", "", "products/", "상품"])
def test_folders_must_stay_inside_the_upload_folder(tmp_path, folder):
    with pytest.raises(ValueError):
        save_image(image_bytes("PNG"), folder, root=tmp_path)


@pytest.mark.parametrize("name", ["../x", "a/b", "x.php", ""])
def test_file_names_cannot_escape_or_choose_an_extension(tmp_path, name):
    with pytest.raises(ValueError):
        save_image(image_bytes("PNG"), "products", name=name, root=tmp_path)


@pytest.mark.parametrize("relative", ["../secret.txt", "/etc/passwd", "a/../../secret.txt", "a\\..\\b"])
def test_resolve_refuses_paths_outside(tmp_path, relative):
    with pytest.raises(ValueError):
        storage.resolve(relative, root=tmp_path / "uploads")
    assert storage.exists(relative, root=tmp_path / "uploads") is False


def test_named_images_are_replaced_and_deleted_with_their_thumbnail(tmp_path):
    first = save_image(image_bytes("PNG"), "demo/products", name="rice-1", root=tmp_path)
    second = save_image(image_bytes("PNG", size=(300, 300)), "demo/products", name="rice-1", root=tmp_path)
    assert first == second == "demo/products/rice-1.webp"
    with Image.open(tmp_path / second) as saved:
        assert saved.size == (300, 300)
    storage.delete_image(second, root=tmp_path)
    assert not storage.exists(second, root=tmp_path)
    assert not storage.exists(storage.thumbnail_path(second), root=tmp_path)


def test_default_root_is_the_apps_upload_folder(app):
    path = save_image(image_bytes("PNG"), "test-uploads")
    absolute = os.path.join(app.config["UPLOAD_FOLDER"], path)
    assert os.path.isfile(absolute)
    storage.delete_image(path)
    assert not os.path.exists(absolute)
