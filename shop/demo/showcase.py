"""Demo curation: exhibitions (past, ongoing and upcoming, relative to the seed day) with special
prices, and art collaborations with their before/after packaging."""
from __future__ import annotations

import random
import zlib
from datetime import date, timedelta

from shop.catalog.models import Product, ProductStatus
from shop.core.html import sanitize_html
from shop.curation.models import (
    ArtCollaboration,
    Artist,
    Exhibition,
    ExhibitionItem,
    ExhibitionKind,
    ExhibitionPrice,
    OrganizerType,
)
from shop.demo import images
from shop.demo.catalog_data import CATEGORIES
from shop.demo.data import ART_COLLABS, ARTISTS, EXHIBITIONS
from shop.demo.products import josa
from shop.enterprises.models import Enterprise
from shop.extensions import db

_COLOUR = {top.slug: top.color for top in CATEGORIES}


def _top_slug(product: Product) -> str:
    category = product.category
    return category.parent.slug if category.parent else category.slug


def special_price(price: int, rng: random.Random) -> int | None:
    """8–20% off, in 100원 steps, always strictly below the regular price; None when too cheap."""
    special = int(price * rng.uniform(0.8, 0.92)) // 100 * 100
    special = min(special, price - 100)
    return special if special > 0 else None


def _period(start: date, end: date) -> str:
    return f"{start:%Y.%m.%d} ~ {end:%Y.%m.%d}"


def seed_exhibitions(rng: random.Random, products: list[Product], today: date, report) -> list[Exhibition]:
    active = [p for p in products if p.status is ProductStatus.ACTIVE]
    exhibitions = []
    for index, (title, slug, organizer_type, organizer, kind, offset, days, tops, summary) in enumerate(EXHIBITIONS):
        starts = today + timedelta(days=offset)
        ends = starts + timedelta(days=days - 1)
        pool = [p for p in active if _top_slug(p) in tops]
        curated = rng.sample(pool, min(len(pool), rng.randint(8, 20)))
        exhibition = Exhibition(
            title=title, slug=slug, organizer_type=OrganizerType(organizer_type), organizer_name=organizer,
            kind=ExhibitionKind(kind), starts_on=starts, ends_on=ends, summary=summary, is_published=True,
            description_html=sanitize_html(
                f"<p>{summary}</p><p>{josa(organizer, '이', '가')} 주최하고 서울시사회적경제지원센터가 함께 준비했습니다. "
                f"기간 중에는 표시된 특가로 구매할 수 있으며, 공공기관은 후불 결제와 견적 요청을 이용할 수 있습니다.</p>"
                f"<ul><li>기간: {_period(starts, ends)}</li><li>참여 상품: {len(curated)}개</li></ul>"
            ),
            banner_alt=f"{title} 배너 — {organizer} 주최, {_period(starts, ends)}",
        )
        exhibition.banner_path = images.stored("demo/exhibitions", slug, lambda: images.banner_image(
            title, f"{organizer} · {_period(starts, ends)}", _COLOUR[tops[0]], zlib.crc32(slug.encode())))
        for position, product in enumerate(curated):
            exhibition.items.append(ExhibitionItem(product=product, position=position))
            if rng.random() < 0.6:
                for variant in product.variants[: rng.randint(1, 2)]:
                    price = special_price(variant.price_krw, rng)
                    if price:
                        exhibition.special_prices.append(ExhibitionPrice(variant=variant, price_krw=price))
        exhibitions.append(exhibition)
        report(index + 1, len(EXHIBITIONS))
    db.session.add_all(exhibitions)
    return exhibitions


def seed_art_collabs(rng: random.Random, products: list[Product], enterprises: dict[str, Enterprise]):
    artists = [Artist(name=name, bio=bio, link=link) for name, bio, link in ARTISTS]
    collabs = []
    for title, slug, artist_index, enterprise_slug, year, summary, colours in ART_COLLABS:
        enterprise = enterprises[enterprise_slug]
        artist = artists[artist_index]
        carried = [p for p in products if p.enterprise is enterprise and p.status is ProductStatus.ACTIVE][:3]
        label = carried[0].name if carried else enterprise.name
        seed = zlib.crc32(slug.encode())
        collab = ArtCollaboration(
            title=title, slug=slug, artist=artist, enterprise=enterprise, year=year, summary=summary,
            is_published=True,
            story_html=sanitize_html(
                f"<p>{summary}.</p><p>{artist.name} 작가는 {josa(enterprise.name, '과', '와')} 석 달 동안 작업장을 오가며 "
                f"만드는 사람들의 이야기를 들었습니다. 그 이야기가 새 포장의 그림이 되었습니다.</p>"
                f"<h3>무엇이 달라졌나요</h3><ul><li>밋밋한 크라프트 상자가 작가의 그림을 입었습니다.</li>"
                f"<li>포장재는 재생지와 콩기름 잉크로 바꾸었습니다.</li>"
                f"<li>판매 수익의 일부는 작가에게 돌아갑니다.</li></ul>"
            ),
            before_image_alt=f"바뀌기 전 포장: 상표 스티커만 붙은 갈색 크라프트 상자 ({label})",
            after_image_alt=f"{artist.name} 작가가 그린 새 포장: 밝은 색 도형과 그림으로 덮인 상자 ({label})",
        )
        collab.before_image_path = images.stored(
            "demo/art", f"{slug}-before", lambda: images.packaging_image(label, colours, seed, after=False))
        collab.after_image_path = images.stored(
            "demo/art", f"{slug}-after", lambda: images.packaging_image(label, colours, seed, after=True))
        collab.products.extend(carried)
        collabs.append(collab)
    db.session.add_all(collabs)
    return collabs
