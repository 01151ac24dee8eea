"""Composing demo products from the category vocabulary: names, prices, options, stock, copy.

Pure functions over plain values (no database), shared by seed-demo (which turns them into ORM
objects) and seed-bench (which inserts them in bulk).
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from shop.core.html import sanitize_html
from shop.demo.catalog_data import Sub

SERVICE_ORIGIN = "서울 전역 (서비스)"
TIER_STEPS = ((10, 0.95), (50, 0.9), (100, 0.85))


@dataclass(frozen=True)
class NameChoice:
    name: str
    item: str
    base_price: int


@dataclass
class VariantSpec:
    name: str
    price_krw: int
    stock: int
    track_stock: bool
    tiers: list[tuple[int, int]]


def has_final_consonant(word: str) -> bool:
    """True when the last Hangul syllable has a 받침 (digits and Latin read as Korean numbers do)."""
    for ch in reversed(word.strip()):
        if "가" <= ch <= "힣":
            return (ord(ch) - 0xAC00) % 28 != 0
        if ch.isdigit():
            return ch in "013678"
        if ch.isalpha():
            return ch.lower() in "lmn"
    return False


def josa(word: str, with_final: str, without_final: str) -> str:
    """The word with its particle: josa("현미", "이", "가") -> "현미가"."""
    return word + (with_final if has_final_consonant(word) else without_final)


def round_won(amount: float, unit: int = 100) -> int:
    """Round to the nearest `unit` won, never below one unit."""
    return max(unit, int(round(amount / unit)) * unit)


def name_choices(sub: Sub) -> list[NameChoice]:
    """Every product name the sub-category's words make, e.g. "유기농 현미 4kg"."""
    choices = []
    for prefix in sub.prefixes:
        for entry in sub.items:
            item, price = entry[0], entry[1]
            sizes = entry[2] if len(entry) > 2 else sub.sizes
            for size, factor in sizes:
                name = " ".join(part for part in (prefix, item, size) if part)
                choices.append(NameChoice(name, item, round(price * factor)))
    return choices


def variant_specs(sub: Sub, base_price: int, rng: random.Random, *, sold_out: bool = False) -> list[VariantSpec]:
    """1–4 options with prices rounded to 100원, varied stock (some low, some none) and bulk prices."""
    count = rng.randint(1, min(4, len(sub.options)))
    picked = sorted(rng.sample(range(len(sub.options)), count))
    jitter = rng.uniform(0.9, 1.15)
    specs = []
    for index in picked:
        label, factor = sub.options[index]
        price = round_won(base_price * factor * jitter)
        if sub.service:
            stock, track = 0, False
        elif sold_out:
            stock, track = 0, True
        else:
            roll = rng.random()
            stock = 0 if roll < 0.07 else rng.randint(1, 5) if roll < 0.2 else rng.randint(12, 400)
            track = True
        specs.append(VariantSpec(label, price, stock, track, tier_prices(price) if sub.tiers else []))
    return specs


def tier_prices(price: int) -> list[tuple[int, int]]:
    """Bulk prices (10개 이상, 50개 이상, 100개 이상), each strictly below the one before."""
    tiers, last = [], price
    for min_qty, factor in TIER_STEPS:
        unit = min(last - 10, max(10, int(price * factor) // 10 * 10))
        if unit <= 0:
            break
        tiers.append((min_qty, unit))
        last = unit
    return tiers


def summary_for(sub: Sub, choice: NameChoice) -> str:
    return sub.summary.format(item=choice.item, eul=josa(choice.item, "을", "를")[-1:])


def description_html(sub: Sub, name: str, summary: str, enterprise: str, origin: str, lead_days: int,
                     options: list[str], rng: random.Random) -> str:
    """Sanitised product copy: what it is, why it is good, and a small facts table."""
    features = rng.sample(sub.features, min(3, len(sub.features))) if sub.features else []
    if sub.service:
        verb, timing = "제공하는", ("준비 기간", f"주문 후 {lead_days}일 (일정은 협의해 정합니다)")
    else:
        verb, timing = "만든", ("출고", f"주문 후 {lead_days}일 이내" if lead_days else "당일 출고")
    rows = [("원산지·제공 지역", origin), ("옵션", ", ".join(options)), timing]
    html = [f"<p>{josa(enterprise, '이', '가')} {verb} <strong>{name}</strong>입니다. {summary}.</p>"]
    if features:
        html.append("<h3>이런 점이 좋아요</h3><ul>" + "".join(f"<li>{f}</li>" for f in features) + "</ul>")
    html.append("<h3>상품 정보</h3><table><tbody>"
                + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</tbody></table>")
    if sub.service:
        html.append("<p>일정과 수량은 주문 전에 문의해 주시면 맞춰 드립니다. 공공기관은 견적 요청을 이용해 주세요.</p>")
    return sanitize_html("".join(html))


def sales_count(rng: random.Random, service: bool) -> int:
    """A long-tailed number of past sales: most products sell a little, a few sell a lot."""
    value = int((rng.paretovariate(1.3) - 1) * (8 if service else 40))
    return min(value, 4000)
