"""Saving images under UPLOAD_FOLDER: verified, re-encoded, stripped of metadata, with a thumbnail.

Nothing a user uploads is stored as it came: the bytes must decode as a JPEG, PNG, WebP or GIF
image of sane dimensions, and what we keep is a fresh WebP (or JPEG) encoding of the pixels only,
so EXIF (GPS position, camera serial), XMP, comments and anything smuggled after the image data
never reach the disk or another user's browser. Paths handed back are relative to the upload
folder (the storefront serves them under /media/), and every path is checked to stay inside it.

The upload folder is the current app's UPLOAD_FOLDER unless `root` is passed; Flask is imported
only when it is needed, so the rest of `shop.core` stays framework-free.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import warnings
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
OUTPUT_FORMATS = {"WEBP": ".webp", "JPEG": ".jpg"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 7,000 x 5,700; larger images are refused before decoding
DEFAULT_MAX_SIZE = (1600, 1600)
THUMBNAIL_SIZE = (400, 400)
THUMBNAIL_SUFFIX = ".thumb"

_FOLDER = re.compile(r"[a-z0-9][a-z0-9_\-]*(?:/[a-z0-9][a-z0-9_\-]*)*")
_NAME = re.compile(r"[a-z0-9][a-z0-9_\-]{0,99}")


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message is Korean and shown to the user."""


def upload_root(root: str | os.PathLike | None = None) -> Path:
    if root is None:
        from flask import current_app

        root = current_app.config["UPLOAD_FOLDER"]
    return Path(root).resolve()


def resolve(relative: str, *, root: str | os.PathLike | None = None) -> Path:
    """The absolute path of a stored file; refuses anything that would leave the upload folder."""
    base = upload_root(root)
    if not relative or relative.startswith(("/", "\\")) or "\\" in relative or "\x00" in relative:
        raise ValueError("올바르지 않은 파일 경로입니다.")
    path = (base / relative).resolve()
    if path == base or base not in path.parents:
        raise ValueError("올바르지 않은 파일 경로입니다.")
    return path


def exists(relative: str, *, root: str | os.PathLike | None = None) -> bool:
    try:
        return resolve(relative, root=root).is_file()
    except ValueError:
        return False


def thumbnail_path(relative: str) -> str:
    """`products/ab12.webp` -> `products/ab12.thumb.webp` (made alongside every saved image)."""
    stem, dot, ext = relative.rpartition(".")
    return f"{stem}{THUMBNAIL_SUFFIX}.{ext}" if dot else relative + THUMBNAIL_SUFFIX


def delete_image(relative: str, *, root: str | os.PathLike | None = None) -> None:
    """Remove an image and its thumbnail; missing files are fine."""
    for candidate in (relative, thumbnail_path(relative)):
        try:
            resolve(candidate, root=root).unlink(missing_ok=True)
        except ValueError:
            pass


def _read(source: bytes | BinaryIO, max_bytes: int) -> bytes:
    data = source if isinstance(source, (bytes, bytearray)) else source.read(max_bytes + 1)
    if not data:
        raise ImageRejected("빈 파일입니다. 이미지 파일을 선택해 주세요.")
    if len(data) > max_bytes:
        raise ImageRejected(f"이미지 파일은 {max_bytes // (1024 * 1024)}MB 이하만 올릴 수 있습니다.")
    return bytes(data)


def open_image(source: Image.Image | bytes | BinaryIO, *, max_bytes: int = MAX_UPLOAD_BYTES) -> Image.Image:
    """Decode `source` fully, refusing non-images, unsupported formats and decompression bombs."""
    if isinstance(source, Image.Image):
        return source
    data = _read(source, max_bytes)
    not_an_image = ImageRejected("이미지 파일이 아니거나 손상된 파일입니다. JPG, PNG, WebP 이미지를 올려 주세요.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise ImageRejected("JPG, PNG, WebP, GIF 이미지만 올릴 수 있습니다.")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected("이미지의 가로·세로 크기가 너무 큽니다.")
            probe.verify()  # checks the structure; the image must be reopened afterwards
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise not_an_image from exc
    return image


def _pixels_only(image: Image.Image, image_format: str) -> Image.Image:
    """The upright first frame in RGB (or RGBA for WebP with transparency), with no metadata."""
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    if image.getexif().get(0x0112, 1) != 1:  # Orientation: turn the pixels upright before it is dropped
        image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha and image_format == "WEBP":
        clean = image.convert("RGBA")
    elif has_alpha:
        rgba = image.convert("RGBA")
        clean = Image.new("RGB", rgba.size, (255, 255, 255))
        clean.paste(rgba, mask=rgba.getchannel("A"))
    else:
        clean = image.convert("RGB")
    if clean is image:
        clean = image.copy()
    clean.info = {}
    return clean


def _write(image: Image.Image, path: Path, image_format: str, quality: int, effort: int) -> None:
    params = {"quality": quality}
    if image_format == "WEBP":
        params["method"] = effort
    else:
        params.update(optimize=True, progressive=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        image.save(tmp, image_format, **params)
        os.replace(tmp, path)  # readers never see a half-written file
    finally:
        tmp.unlink(missing_ok=True)


def save_image(
    source: Image.Image | bytes | BinaryIO,
    folder: str,
    *,
    max_size: tuple[int, int] = DEFAULT_MAX_SIZE,
    thumbnail_size: tuple[int, int] = THUMBNAIL_SIZE,
    name: str | None = None,
    image_format: str = "WEBP",
    quality: int = 82,
    effort: int = 4,
    max_bytes: int = MAX_UPLOAD_BYTES,
    root: str | os.PathLike | None = None,
) -> str:
    """Verify, re-encode and store an image (plus its thumbnail); return its path relative to the
    upload folder, e.g. `products/3f9c….webp`.

    `folder` is a relative path of lower-case ASCII segments. `name` (optional, same alphabet)
    makes the file name predictable, and an existing file of that name is replaced; by default the
    name is random. `effort` is WebP's method (0 fast … 6 small).
    """
    image_format = image_format.upper()
    if image_format not in OUTPUT_FORMATS:
        raise ValueError(f"지원하지 않는 저장 형식입니다: {image_format}")
    if not _FOLDER.fullmatch(folder or ""):
        raise ValueError("저장 폴더 이름이 올바르지 않습니다.")
    if name is not None and not _NAME.fullmatch(name):
        raise ValueError("파일 이름이 올바르지 않습니다.")
    image = _pixels_only(open_image(source, max_bytes=max_bytes), image_format)
    if image.width > max_size[0] or image.height > max_size[1]:
        image.thumbnail(max_size, Image.Resampling.LANCZOS)

    relative = f"{folder}/{name or secrets.token_hex(12)}{OUTPUT_FORMATS[image_format]}"
    path = resolve(relative, root=root)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(image, path, image_format, quality, effort)

    thumb = image.copy()
    thumb.thumbnail(thumbnail_size, Image.Resampling.LANCZOS)
    _write(thumb, resolve(thumbnail_path(relative), root=root), image_format, quality, effort)
    return relative
