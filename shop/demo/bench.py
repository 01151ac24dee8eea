"""seed-bench: a large catalog for performance work (100,000 products in well under two minutes).

Rows are built as plain dicts and written with Core bulk INSERTs in batches, with ids assigned
here above the current maximum, so it adds to whatever the database holds. Names come from the
same vocabulary as the demo, so Korean search over the result is meaningful; the search rows
are computed by the search module's own `search_row` from lightweight stand-ins, not ORM loads.
Besides the catalog: ongoing exhibitions with special prices, consumer accounts with a history of
completed orders (one per five products), and an owner account for one bench enterprise, so
the benchmark (bench/) can sign in, buy and call the enterprise API.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.catalog.models import PriceTier, Product, ProductImage, ProductStatus, TaxType, Variant
from shop.core import cache as shop_cache
from shop.core.korea import SEOUL_DISTRICTS, make_business_number
from shop.core.money import vat_of
from shop.curation.models import Exhibition, ExhibitionItem, ExhibitionKind, ExhibitionPrice, OrganizerType
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
from shop.orders.models import (
    Order,
    OrderChannel,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    Shipment,
    ShipmentStatus,
)
from shop.orders.numbering import ALPHABET
from shop.payments.models import Payment, PaymentProvider, PaymentStatus
from shop.search.models import ProductSearch
from shop.search.services import FTS_TABLE, search_row

BATCH_SIZE = 5_000
BENCH_TABLES = ("enterprise", "product", "variant", "price_tier", "product_image", "user", "exhibition",
                "exhibition_item", "exhibition_price", "orders", "shipment", "order_item", "payment")
# Bench accounts share one password (the benchmark signs them in); never used outside seed-bench data.
BENCH_PASSWORD = "hamkke-bench-2026"
BENCH_BUYERS = 200
BENCH_DOMAIN = "bench.hamkke.example"
BENCH_OWNER_EMAIL = f"bench-owner@{BENCH_DOMAIN}"
BENCH_EXHIBITIONS = 3
EXHIBITION_SIZE = 48
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


def bench_buyer_email(index: int) -> str:
    return f"bench-buyer-{index:04d}@{BENCH_DOMAIN}"


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
               progress: Callable[[str], Callable[[int, int], None]] | None = None, *, seed: int = 7,
               orders: int | None = None) -> dict:
    """Add `enterprises` approved enterprises and `products` active products (plus exhibitions, bench
    accounts and `orders` completed orders, default one per five products); returns counts and the
    seconds it took."""
    started = time.perf_counter()
    progress = progress or _silent
    rng = random.Random(seed)
    now = datetime.now(UTC)
    categories = ensure_categories()
    db.session.commit()
    pictures = {top.slug: images.stored("demo/bench", top.slug, lambda top=top, index=index: images.product_image(
        None, top.color, top.motif, index), effort=0) for index, top in enumerate(CATEGORIES)}
    owners = _bench_enterprises(rng, now, enterprises, progress("벤치 입점기업"))
    counts = _bench_products(rng, now, products, owners, categories, pictures, progress("벤치 상품"))
    first_product = counts.pop("first_product_id")
    busiest = db.session.scalar(  # the owner's enterprise: the most options in stock one unit can be bought of
        sa.select(Product.enterprise_id).join(Variant, Variant.product_id == Product.id)
        .where(Product.id >= first_product, Product.min_order_qty == 1, Variant.track_stock.is_(True))
        .group_by(Product.enterprise_id).order_by(sa.func.count().desc(), Product.enterprise_id).limit(1))
    buyers = _bench_accounts(now, busiest or owners[0].id)
    counts["exhibitions"] = _bench_exhibitions(rng, now, first_product, counts["products"])
    counts["orders"] = _bench_orders(rng, now, buyers, first_product, counts["products"],
                                     products // 5 if orders is None else orders, progress("벤치 주문"))
    _sync_sequences()
    db.session.commit()
    _refresh_statistics()
    db.session.commit()
    # Rows went in as plain table INSERTs, which the cache's change listener does not see.
    shop_cache.bump("catalog")
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
    # An enterprise lists the same name in the same category many times; its search row differs only in id.
    search_rows: dict[tuple, dict] = {}
    product_ids, variant_ids = _Ids("product"), _Ids("variant")
    tier_ids, image_ids = _Ids("price_tier"), _Ids("product_image")
    counts = {"products": 0, "variants": 0, "price_tiers": 0, "first_product_id": product_ids.value}
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
            key = (choice.name, summary, owner.id, slug)  # everything search_row reads
            if key not in search_rows:
                search_rows[key] = search_row(SimpleNamespace(
                    id=pid, name=choice.name, summary=summary, enterprise=owner, category=stand_in[slug]))
            batch["search"].append({**search_rows[key], "product_id": pid})
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


def _bench_accounts(now: datetime, enterprise_id: int) -> list[int]:
    """Consumers the benchmark signs in as, and an owner of a bench enterprise (for API keys). Their
    password is published (BENCH_PASSWORD), so its hash is made once and cheap: a hash names its own cost,
    and the benchmark signs in a hundred buyers without measuring scrypt."""
    from werkzeug.security import generate_password_hash

    taken = set(db.session.scalars(sa.select(User.email).where(User.email.like(f"%@{BENCH_DOMAIN}"))))
    password_hash = generate_password_hash(BENCH_PASSWORD, method="scrypt:4096:8:1")
    ids = _Ids("user")
    rows = []
    for index in range(1, BENCH_BUYERS + 1):
        if bench_buyer_email(index) not in taken:
            rows.append({"id": ids.take(), "email": bench_buyer_email(index), "role": Role.CONSUMER,
                         "name": f"벤치구매자{index:03d}", "phone": f"010{5000_0000 + index:08d}",
                         "enterprise_id": None, "enterprise_owner": False})
    if BENCH_OWNER_EMAIL not in taken:
        rows.append({"id": ids.take(), "email": BENCH_OWNER_EMAIL, "role": Role.ENTERPRISE, "name": "벤치대표",
                     "phone": "01049990000", "enterprise_id": enterprise_id, "enterprise_owner": True})
    for row in rows:  # one key set for every row: an executemany INSERT takes its columns from the first
        row.update(password_hash=password_hash, is_active_member=True, membership_approved=True,
                   terms_agreed_at=now, privacy_agreed_at=now, created_at=now)
    _insert(User, rows)
    db.session.commit()
    return list(db.session.scalars(sa.select(User.id).where(User.email.like(f"bench-buyer-%@{BENCH_DOMAIN}"))))


def _catalog_rows(first_product: int, count: int) -> list[sa.Row]:
    """Each bench product's first option, with what an order item snapshots."""
    return list(db.session.execute(
        sa.select(Product.id, Product.enterprise_id, Product.name, Product.tax_type, Variant.id.label("variant_id"),
                  Variant.name.label("option"), Variant.sku, Variant.price_krw)
        .join(Variant, Variant.product_id == Product.id)
        .where(Product.id >= first_product, Product.id < first_product + count,
               Product.status == ProductStatus.ACTIVE, Variant.position == 0)
        .order_by(Product.id)
    ))


def _bench_exhibitions(rng: random.Random, now: datetime, first_product: int, count: int) -> int:
    """Ongoing exhibitions (slugs bench-expo-1…) with curated products and special prices."""
    rows = _catalog_rows(first_product, count)
    if not rows:
        return 0
    today = now.date()
    ex_ids, item_ids, price_ids = _Ids("exhibition"), _Ids("exhibition_item"), _Ids("exhibition_price")
    exhibitions, items, prices = [], [], []
    for number in range(1, BENCH_EXHIBITIONS + 1):
        eid = ex_ids.take()
        exhibitions.append({
            "id": eid, "title": f"벤치 기획전 {number}", "slug": f"bench-expo-{eid}",
            "organizer_type": OrganizerType.CENTER, "organizer_name": "서울시사회적경제지원센터",
            "kind": ExhibitionKind.THEME, "starts_on": today - timedelta(days=10), "ends_on": today + timedelta(days=60),
            "summary": "성능 측정용 기획전", "description_html": "<p>성능 측정용 기획전입니다.</p>",
            "banner_path": None, "banner_alt": "", "is_published": True, "created_at": now,
        })
        for position, row in enumerate(rng.sample(rows, min(EXHIBITION_SIZE, len(rows)))):
            items.append({"id": item_ids.take(), "exhibition_id": eid, "product_id": row.id, "position": position})
            special = int(row.price_krw * 0.85) // 100 * 100
            if position % 2 == 0 and 0 < special < row.price_krw:
                prices.append({"id": price_ids.take(), "exhibition_id": eid, "variant_id": row.variant_id,
                               "price_krw": special})
    _insert(Exhibition, exhibitions)
    _insert(ExhibitionItem, items)
    _insert(ExhibitionPrice, prices)
    db.session.commit()
    return len(exhibitions)


def _order_number(placed: datetime, ident: int) -> str:
    """Date plus the id in the order alphabet: unique without the random suffix live orders use."""
    suffix = ""
    for _ in range(6):
        ident, digit = divmod(ident, len(ALPHABET))
        suffix = ALPHABET[digit] + suffix
    return f"{placed:%Y%m%d}-{suffix}"


def _bench_orders(rng: random.Random, now: datetime, buyers: list[int], first_product: int, count: int,
                  total: int, report) -> int:
    """Completed, paid orders over the past year: one to three items, one shipment per enterprise."""
    rows = _catalog_rows(first_product, count)
    if not rows or not buyers or total <= 0:
        return 0
    order_ids, shipment_ids, item_ids, payment_ids = _Ids("orders"), _Ids("shipment"), _Ids("order_item"), _Ids("payment")
    done = 0
    while done < total:
        batch = {"order": [], "shipment": [], "item": [], "payment": []}
        for _ in range(min(BATCH_SIZE, total - done)):
            oid = order_ids.take()
            placed = now - timedelta(seconds=rng.randrange(10 * 86400, 365 * 86400))
            delivered = placed + timedelta(days=3)
            by_enterprise: dict[int, list] = {}
            for row in rng.sample(rows, rng.randint(1, 3) if len(rows) >= 3 else 1):
                by_enterprise.setdefault(row.enterprise_id, []).append((row, rng.randint(1, 3)))
            items_total = vat = 0
            for enterprise_id, lines in by_enterprise.items():
                sid = shipment_ids.take()
                subtotal = sum(row.price_krw * qty for row, qty in lines)
                batch["shipment"].append({
                    "id": sid, "order_id": oid, "enterprise_id": enterprise_id, "status": ShipmentStatus.CONFIRMED,
                    "items_total_krw": subtotal, "shipping_fee_krw": 0, "return_fee_krw": 0, "courier": "cj",
                    "tracking_number": f"{oid:012d}", "shipped_at": placed + timedelta(days=1),
                    "delivered_at": delivered, "confirmed_at": delivered + timedelta(days=7)})
                for row, qty in lines:
                    line_total = row.price_krw * qty
                    vat += vat_of(line_total) if row.tax_type is TaxType.TAXABLE else 0
                    batch["item"].append({
                        "id": item_ids.take(), "order_id": oid, "shipment_id": sid, "product_id": row.id,
                        "variant_id": row.variant_id, "product_name": row.name, "option_name": row.option,
                        "sku": row.sku, "regular_price_krw": row.price_krw, "unit_price_krw": row.price_krw,
                        "quantity": qty, "line_total_krw": line_total, "tax_type": row.tax_type,
                        "stock_tracked": True})
                items_total += subtotal
            batch["order"].append({
                "id": oid, "number": _order_number(placed, oid), "buyer_id": buyers[rng.randrange(len(buyers))],
                "institution_id": None, "channel": OrderChannel.CONSUMER, "payment_method": PaymentMethod.CARD,
                "status": OrderStatus.PAID, "idempotency_key": f"bench-order-{oid:010d}", "recipient_name": "벤치구매자",
                "recipient_phone": "01050000000", "recipient_department": "", "postcode": "04524",
                "address1": "서울특별시 중구 세종대로 110", "address2": "", "delivery_memo": "",
                "items_total_krw": items_total, "shipping_total_krw": 0, "total_krw": items_total, "vat_krw": vat,
                "placed_at": placed, "expires_at": None, "paid_at": placed, "cancelled_at": None})
            batch["payment"].append({
                "id": payment_ids.take(), "order_id": oid, "provider": PaymentProvider.TEST,
                "status": PaymentStatus.PAID, "amount_krw": items_total, "currency": "krw",
                "created_at": placed, "paid_at": placed})
        _insert(Order, batch["order"])
        _insert(Shipment, batch["shipment"])
        _insert(OrderItem, batch["item"])
        _insert(Payment, batch["payment"])
        db.session.commit()
        done += len(batch["order"])
        report(done, total)
    return done
