"""seed-bench: a large catalog for performance work (100,000 products in well under two minutes).

Rows are built as plain dicts and written with Core bulk INSERTs in batches, with ids assigned
here above the current maximum, so it adds to whatever the database holds. Names come from the
same vocabulary as the demo, so Korean search over the result is meaningful; the search rows
are computed by the search module's own `search_row` from lightweight stand-ins, not ORM loads.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import sqlalchemy as sa

from shop.catalog.models import PriceTier, Product, ProductImage, ProductStatus, TaxType, Variant
from shop.core.korea import SEOUL_DISTRICTS, make_business_number
from shop.demo import images
from shop.demo.catalog_data import CATEGORIES, SUBS, TOP_OF
from shop.demo.data import MISSIONS, STREETS
from shop.demo.products import (
    SERVICE_ORIGIN,
    description_html,
    name_choices,
    round_won,
    sales_count,
    summary_for,
    tier_prices,
)
from shop.demo.seed import certificate_number, ensure_categories, person_name
from shop.enterprises.models import Enterprise, EnterpriseType
from shop.extensions import db
from shop.models_base import ApprovalStatus
from shop.search.models import ProductSearch
from shop.search.services import FTS_TABLE, search_row

BATCH_SIZE = 5_000
BENCH_TABLES = ("enterprise", "product", "variant", "price_tier", "product_image")
WORDS = ("햇살", "늘봄", "두레", "푸른", "함께", "나눔", "우리", "초록", "새싹", "다온", "모두", "이음", "온기",
         "해밀", "보듬", "한울", "동행", "소담", "다솜", "품앗이", "마을", "청년", "어울림", "바른")
NOUNS = ("농장", "공방", "베이커리", "커피", "인쇄", "상회", "살림", "부엌", "가게", "작업장", "디자인", "나무")
SUFFIX = {
    EnterpriseType.SOCIAL_ENTERPRISE: "",
    EnterpriseType.PRELIMINARY_SOCIAL_ENTERPRISE: "",
    EnterpriseType.COOPERATIVE: " 협동조합",
    EnterpriseType.SOCIAL_COOPERATIVE: " 사회적협동조합",
    EnterpriseType.VILLAGE_ENTERPRISE: " 마을기업",
    EnterpriseType.SELF_SUFFICIENCY_ENTERPRISE: " 자활기업",
}


def _silent(_label: str) -> Callable[[int, int], None]:
    return lambda done, total: None


def _next_id(table: str) -> int:
    return (db.session.scalar(sa.text(f'SELECT MAX(id) FROM "{table}"')) or 0) + 1


def _insert(model, rows: list[dict]) -> None:
    if rows:
        db.session.execute(sa.insert(model.__table__), rows)


def _sync_sequences() -> None:
    """PostgreSQL hands out ids from sequences; move them past the ids written here."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in BENCH_TABLES:
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
        ))


def _refresh_statistics() -> None:
    """Fresh planner statistics (and a merged FTS index on SQLite): without them the first
    searches after a bulk load can pick a sequential scan over 100,000 rows."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE " + ", ".join(f'"{t}"' for t in (*BENCH_TABLES, "product_search"))))
    else:
        db.session.execute(sa.text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')"))
        db.session.execute(sa.text("ANALYZE"))


def seed_bench(products: int = 100_000, enterprises: int = 2_000,
               progress: Callable[[str], Callable[[int, int], None]] | None = None, *, seed: int = 7) -> dict:
    """Add `enterprises` approved enterprises and `products` active products; returns counts and
    the seconds it took."""
    started = time.perf_counter()
    progress = progress or _silent
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    categories = ensure_categories()
    db.session.commit()
    pictures = {top.slug: images.stored("demo/bench", top.slug, lambda: images.product_image(
        None, top.color, top.motif, index), effort=0) for index, top in enumerate(CATEGORIES)}
    owners = _bench_enterprises(rng, now, enterprises, progress("벤치 입점기업"))
    counts = _bench_products(rng, now, products, owners, categories, pictures, progress("벤치 상품"))
    _sync_sequences()
    db.session.commit()
    _refresh_statistics()
    db.session.commit()
    return {"enterprises": len(owners), **counts, "seconds": round(time.perf_counter() - started, 1)}


def _bench_enterprises(rng: random.Random, now: datetime, count: int, report) -> list[SimpleNamespace]:
    """Insert the enterprises; return what the products need to know about each."""
    taken = set(db.session.scalars(sa.select(Enterprise.business_number)))
    first = _next_id("enterprise")
    kinds = list(EnterpriseType)
    sub_slugs = list(SUBS)
    owners, rows = [], []
    for offset in range(count):
        ident = first + offset
        kind = kinds[offset % len(kinds)]
        district = SEOUL_DISTRICTS[rng.randrange(len(SEOUL_DISTRICTS))]
        place = district[:-1] if len(district) > 2 else district
        name = f"{place} {rng.choice(WORDS)}{rng.choice(NOUNS)}{SUFFIX[kind]}"
        serial = ident
        number = make_business_number(f"9{serial % 10**8:08d}")
        while number in taken:
            serial += 10**7
            number = make_business_number(f"9{serial % 10**8:08d}")
        taken.add(number)
        founded = rng.randint(2008, 2023)
        created = now - timedelta(days=rng.randint(30, 1500))
        fee = rng.choice((0, 2500, 3000, 3500))
        rows.append({
            "id": ident, "name": name, "slug": f"bench-e{ident}", "business_number": number,
            "representative": person_name(rng), "enterprise_type": kind,
            "certificate_number": certificate_number(rng, kind, rng.randint(founded, 2024)),
            "district": district, "address": f"서울특별시 {district} {STREETS[district]} {rng.randint(1, 400)}",
            "phone": f"02{rng.randint(300, 9999)}{rng.randint(0, 9999):04d}", "email": None,
            "summary": f"{district}의 {SUFFIX[kind].strip() or kind.label}", "story_html": f"<p>{MISSIONS[kind]}</p>",
            "logo_path": None, "founded_year": founded, "shipping_base_fee_krw": fee,
            "free_shipping_threshold_krw": None if fee == 0 else 50000, "shipping_island_fee_krw": 3000,
            "status": ApprovalStatus.APPROVED, "decision_reason": None, "decided_at": created, "created_at": created,
        })
        owners.append(SimpleNamespace(id=ident, name=name, subs=rng.sample(sub_slugs, rng.randint(1, 3))))
        if len(rows) == BATCH_SIZE or offset == count - 1:
            _insert(Enterprise, rows)
            rows = []
            report(offset + 1, count)
    db.session.commit()
    return owners


class _Ids:
    def __init__(self, table: str):
        self.value = _next_id(table)

    def take(self) -> int:
        self.value += 1
        return self.value - 1


def _bench_products(rng: random.Random, now: datetime, total: int, owners: list[SimpleNamespace],
                    categories: dict, pictures: dict[str, str], report) -> dict:
    choices = {slug: name_choices(sub) for slug, sub in SUBS.items()}
    stand_in = {  # what search_row reads from a product's category
        slug: SimpleNamespace(name=c.name, parent=SimpleNamespace(name=c.parent.name) if c.parent else None)
        for slug, c in categories.items() if slug in SUBS
    }
    descriptions: dict[str, str] = {}
    product_ids, variant_ids = _Ids("product"), _Ids("variant")
    tier_ids, image_ids = _Ids("price_tier"), _Ids("product_image")
    counts = {"products": 0, "variants": 0, "price_tiers": 0}
    span = 2 * 365 * 86400
    while counts["products"] < total:
        batch = {"product": [], "variant": [], "tier": [], "image": [], "search": []}
        for _ in range(min(BATCH_SIZE, total - counts["products"])):
            owner = owners[rng.randrange(len(owners))]
            slug = rng.choice(owner.subs)
            sub = SUBS[slug]
            choice = rng.choice(choices[slug])
            pid = product_ids.take()
            summary = summary_for(sub, choice)
            if choice.name not in descriptions:
                descriptions[choice.name] = description_html(
                    sub, choice.name, summary, "입점기업", sub.origin[0], sub.lead[0],
                    [label for label, _ in sub.options], random.Random(choice.name))
            created = now - timedelta(seconds=rng.randrange(span))
            variants = _variants(rng, sub, choice.base_price, pid, variant_ids, tier_ids, batch)
            batch["product"].append({
                "id": pid, "enterprise_id": owner.id, "category_id": categories[slug].id, "name": choice.name,
                "slug": f"bench-{pid}", "summary": summary, "description_html": descriptions[choice.name],
                "tax_type": TaxType.EXEMPT if sub.tax_exempt else TaxType.TAXABLE,
                "status": ProductStatus.HIDDEN if rng.random() < 0.02 else ProductStatus.ACTIVE,
                "min_order_qty": sub.min_qty[0], "lead_time_days": rng.randint(*sub.lead),
                "origin": SERVICE_ORIGIN if sub.service else rng.choice(sub.origin),
                "price_krw": min(v["price_krw"] for v in variants),
                "in_stock": any(not v["track_stock"] or v["stock"] > 0 for v in variants),
                "sales_count": sales_count(rng, sub.service), "created_at": created, "updated_at": created,
            })
            batch["image"].append({"id": image_ids.take(), "product_id": pid, "path": pictures[TOP_OF[slug].slug],
                                   "alt": f"{choice.name} 제품 사진", "position": 0})
            batch["search"].append(search_row(SimpleNamespace(
                id=pid, name=choice.name, summary=summary, enterprise=owner, category=stand_in[slug])))
        _insert(Product, batch["product"])
        _insert(Variant, batch["variant"])
        _insert(PriceTier, batch["tier"])
        _insert(ProductImage, batch["image"])
        _insert(ProductSearch, batch["search"])
        db.session.commit()
        counts["products"] += len(batch["product"])
        counts["variants"] += len(batch["variant"])
        counts["price_tiers"] += len(batch["tier"])
        report(counts["products"], total)
    return counts


def _variants(rng, sub, base_price: int, pid: int, variant_ids: _Ids, tier_ids: _Ids, batch) -> list[dict]:
    """One option for most products, two or three for some; bulk prices where the category has them."""
    count = 1 if rng.random() < 0.85 else min(len(sub.options), rng.randint(2, 3))
    rows = []
    for position, (label, factor) in enumerate(sub.options[:count]):
        vid = variant_ids.take()
        price = round_won(base_price * factor * rng.uniform(0.9, 1.15))
        stock = 0 if sub.service or rng.random() < 0.05 else rng.randint(1, 500)
        rows.append({"id": vid, "product_id": pid, "name": label, "sku": f"BN{vid}", "price_krw": price,
                     "stock": stock, "track_stock": not sub.service, "position": position})
        if sub.tiers and position == 0:
            batch["tier"].extend({"id": tier_ids.take(), "variant_id": vid, "min_qty": q, "unit_price_krw": p}
                                 for q, p in tier_prices(price))
    batch["variant"].extend(rows)
    return rows
