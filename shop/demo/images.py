"""Demo pictures drawn locally with Pillow: product shots, logos, exhibition banners and packaging.

Each picture is a flat illustration on the category's colour. Names are written on it only when a
font with Hangul is installed; without one the pictures are shapes only, so the seed works anywhere.
"""
from __future__ import annotations

import functools
import os
import random
import shutil
import subprocess

from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/AppleSDGothicNeo.ttc",
    "C:/Windows/Fonts/malgun.ttf",
)
INK = (38, 38, 44)
WHITE = (255, 255, 255)


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """A font file that has Hangul, or None: HAMKKE_DEMO_FONT, fontconfig, then common paths."""
    configured = os.environ.get("HAMKKE_DEMO_FONT")
    if configured is not None:
        return configured if os.path.isfile(configured) else None
    if shutil.which("fc-list"):
        try:
            listed = subprocess.run(
                ["fc-list", ":lang=ko", "file"], capture_output=True, text=True, timeout=5, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            listed = ""
        files = sorted(line.split(":")[0].strip() for line in listed.splitlines() if line.strip())
        preferred = [f for f in files if "Regular" in f or "Gothic" in f] or files
        if preferred:
            return preferred[0]
    return next((path for path in FONT_CANDIDATES if os.path.isfile(path)), None)


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | None:
    path = find_cjk_font()
    if not path:
        return None
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        return None


def _mix(colour, other, amount: float):
    return tuple(round(a + (b - a) * amount) for a, b in zip(colour, other))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int = 2) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1:])]
    while lines and draw.textlength(lines[-1], font=font) > width and len(lines[-1]) > 2:
        lines[-1] = lines[-1][:-2] + "…"
    return lines


def _text_block(draw, text: str, box: tuple[int, int, int, int], size: int, fill=INK, max_lines: int = 2) -> None:
    font = _font(size)
    if font is None or not text:
        return
    left, top, right, bottom = box
    lines = _wrap(draw, text, font, right - left, max_lines)
    line_height = round(size * 1.3)
    y = (top + bottom) / 2 - line_height * (len(lines) - 1) / 2
    for line in lines:
        draw.text(((left + right) / 2, y), line, font=font, fill=fill, anchor="mm")
        y += line_height


def _motif(draw: ImageDraw.ImageDraw, motif: str, cx: int, cy: int, s: int, colour, accent) -> None:
    """A simple object for the category, centred on (cx, cy), about 2s wide."""
    dark = _mix(colour, INK, 0.45)
    if motif == "bowl":
        draw.pieslice((cx - s, cy - s, cx + s, cy + s), 0, 180, fill=accent, outline=dark, width=6)
        for i in range(9):
            x = cx - s * 0.7 + i * s * 0.175
            lift = (i % 3) * 14
            draw.ellipse((x - 12, cy - 22 - lift, x + 12, cy + 2 - lift), fill=WHITE, outline=dark, width=2)
    elif motif == "cup":
        draw.rounded_rectangle((cx - s * 0.7, cy - s * 0.5, cx + s * 0.5, cy + s * 0.9), 28,
                               fill=accent, outline=dark, width=6)
        draw.arc((cx + s * 0.3, cy - s * 0.2, cx + s * 0.95, cy + s * 0.5), -90, 90, fill=dark, width=14)
        for i in range(3):
            x = cx - s * 0.35 + i * s * 0.3
            draw.arc((x - 20, cy - s * 1.1, x + 20, cy - s * 0.6), 100, 260, fill=WHITE, width=6)
    elif motif in ("bottle", "jar"):
        neck = s * (0.28 if motif == "bottle" else 0.6)
        draw.rectangle((cx - neck, cy - s, cx + neck, cy - s * 0.7), fill=dark)
        draw.rounded_rectangle((cx - s * 0.7, cy - s * 0.72, cx + s * 0.7, cy + s), 40,
                               fill=accent, outline=dark, width=6)
        draw.ellipse((cx - s * 0.35, cy - s * 0.1, cx + s * 0.35, cy + s * 0.5), fill=WHITE)
    elif motif in ("paper", "note", "book", "print"):
        for i in range(3):
            off = (2 - i) * 18
            draw.rectangle((cx - s * 0.7 + off, cy - s + off, cx + s * 0.7 + off, cy + s * 0.8 + off),
                           fill=WHITE if i < 2 else accent, outline=dark, width=5)
        for i in range(4):
            y = cy - s * 0.5 + i * s * 0.3
            draw.line((cx - s * 0.4, y, cx + s * 0.5, y), fill=dark, width=6)
    elif motif in ("bag", "gift"):
        draw.arc((cx - s * 0.45, cy - s * 1.1, cx + s * 0.45, cy - s * 0.1), 180, 360, fill=dark, width=12)
        draw.rounded_rectangle((cx - s * 0.8, cy - s * 0.6, cx + s * 0.8, cy + s), 24,
                               fill=accent, outline=dark, width=6)
        if motif == "gift":
            draw.rectangle((cx - 14, cy - s * 0.6, cx + 14, cy + s), fill=WHITE)
    elif motif == "plate":
        draw.ellipse((cx - s, cy - s * 0.6, cx + s, cy + s * 0.6), fill=WHITE, outline=dark, width=6)
        for i, (dx, dy) in enumerate(((-0.4, -0.1), (0.1, -0.2), (0.35, 0.15), (-0.1, 0.2))):
            r = s * 0.22
            draw.ellipse((cx + dx * s - r, cy + dy * s - r, cx + dx * s + r, cy + dy * s + r),
                         fill=_mix(accent, WHITE, i * 0.15))
    else:  # chair, and anything new
        draw.rectangle((cx - s * 0.6, cy - s, cx + s * 0.6, cy - s * 0.1), fill=accent, outline=dark, width=6)
        draw.rectangle((cx - s * 0.75, cy - s * 0.1, cx + s * 0.75, cy + s * 0.15), fill=dark)
        for x in (cx - s * 0.65, cx + s * 0.5):
            draw.rectangle((x, cy + s * 0.15, x + s * 0.15, cy + s), fill=dark)


def product_image(title: str | None, colour, motif: str, seed: int, size: int = 600) -> Image.Image:
    """A square product shot: background, scattered dots, the category's object, a name label."""
    rng = random.Random(seed)
    background = _mix(colour, WHITE, rng.uniform(0.35, 0.6))
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        r = rng.randint(6, 26)
        x, y = rng.randint(0, size), rng.randint(0, size)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_mix(colour, WHITE, rng.uniform(0.1, 0.4)))
    accent = _mix(colour, (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)), 0.3)
    has_label = bool(title and _font(34))
    cy = size * (0.42 if has_label else 0.5)
    _motif(draw, motif, size // 2, int(cy), int(size * 0.24), colour, accent)
    if has_label:
        draw.rounded_rectangle((40, size - 150, size - 40, size - 40), 24, fill=WHITE)
        _text_block(draw, title, (60, size - 146, size - 60, size - 44), 34)
    return image


def logo_image(name: str, colour, seed: int, size: int = 240) -> Image.Image:
    """A round badge with the enterprise's first syllable (or a leaf shape without a font)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (size, size), WHITE)
    draw = ImageDraw.Draw(image)
    fill = _mix(colour, INK, rng.uniform(0.1, 0.35))
    draw.ellipse((8, 8, size - 8, size - 8), fill=fill)
    initial = name.strip()[:1]
    if _font(size // 2):
        _text_block(draw, initial, (0, 0, size, size - 12), size // 2, fill=WHITE, max_lines=1)
    else:
        draw.pieslice((size * 0.3, size * 0.25, size * 0.9, size * 0.85), 90, 270, fill=WHITE)
    return image


def banner_image(title: str, subtitle: str, colour, seed: int, width: int = 1200, height: int = 400) -> Image.Image:
    """A wide exhibition banner: colour field, a row of category objects, the title."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), _mix(colour, WHITE, 0.25))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height - 90, width, height), fill=_mix(colour, INK, 0.6))
    motifs = ("bowl", "cup", "bottle", "bag", "gift", "note", "plate", "chair")
    for i in range(4):
        accent = _mix(colour, (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)), 0.5)
        _motif(draw, rng.choice(motifs), width - 520 + i * 130, height - 190, 55, colour, accent)
    _text_block(draw, title, (50, 60, width - 560, 200), 48, max_lines=2)
    _text_block(draw, subtitle, (50, height - 90, width - 50, height), 28, fill=WHITE, max_lines=1)
    return image


def packaging_image(title: str, colours, seed: int, *, after: bool, size: int = 600) -> Image.Image:
    """Packaging before (a plain kraft box) and after an artist's redesign (bright pattern)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (size, size), (236, 234, 228) if not after else _mix(colours[0], WHITE, 0.75))
    draw = ImageDraw.Draw(image)
    box = (110, 150, size - 110, size - 90)
    if not after:
        draw.rectangle(box, fill=(196, 170, 132), outline=(150, 125, 95), width=4)
        draw.rectangle((box[0], box[1] + 60, box[2], box[1] + 70), fill=(170, 145, 110))
        draw.rectangle((size // 2 - 110, size // 2 - 10, size // 2 + 110, size // 2 + 60), fill=WHITE)
        _text_block(draw, title, (size // 2 - 105, size // 2 - 8, size // 2 + 105, size // 2 + 58), 22, max_lines=1)
        return image
    draw.rectangle(box, fill=colours[0])
    for _ in range(26):
        r = rng.randint(14, 46)
        x, y = rng.randint(box[0], box[2]), rng.randint(box[1], box[3])
        shape = rng.choice((draw.ellipse, draw.rectangle))
        shape((max(box[0], x - r), max(box[1], y - r), min(box[2], x + r), min(box[3], y + r)),
              fill=rng.choice(colours[1:]))
    draw.rounded_rectangle((size // 2 - 130, size // 2 - 20, size // 2 + 130, size // 2 + 70), 20, fill=WHITE)
    _text_block(draw, title, (size // 2 - 125, size // 2 - 18, size // 2 + 125, size // 2 + 68), 24, max_lines=1)
    return image


def stored(folder: str, name: str, draw, *, effort: int = 2) -> str:
    """The stored path of a demo picture, drawing and saving it only when it is not on disk yet
    (the pictures are deterministic, so a second seed reuses the first one's files)."""
    from shop.core import storage

    path = f"{folder}/{name}.webp"
    if storage.exists(path) and storage.exists(storage.thumbnail_path(path)):
        return path
    return storage.save_image(draw(), folder, name=name, effort=effort, quality=80)
