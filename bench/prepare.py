"""Work inside the app against the bench database: pick what to request, set up stock for buying, issue
an API key, and read back totals. The harness calls these in its own app context (bench_app); by hand:
`python -m bench.prepare <command> [json]` with DATABASE_URL set prints one JSON document.
`setup` writes stock directly, so it runs before the bench server starts; the rest only read."""
from __future__ import annotations

import json
import random
import sys
from datetime import datetime

import sqlalchemy as sa

from shop import create_app
from shop.accounts.models import User
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Category, Product, ProductStatus, Variant
from shop.config import database_url as shop_database_url
from shop.core.text import _alnum, compact
from shop.curation.models import Exhibition
from shop.demo.bench import BENCH_DOMAIN, BENCH_OWNER_EMAIL
from shop.enterprises import api_tokens
from shop.enterprises.models import ApiToken, Enterprise
from shop.extensions import db
from shop.models_base import ApprovalStatus, utcnow
from shop.orders.models import Order, OrderItem, OrderStatus

QUERIES = {  # syllables -> words shoppers type, all present in the seed vocabulary
    1: ["차", "빵", "떡", "숯"],
    2: ["커피", "비누", "원두", "수제"],
    4: ["업사이클", "일러스트", "리사이클", "스페셜티"],
}
POOL_STOCK = 1_000_000  # options the benchmark buys from: never the reason an order is refused
RACE_STOCK = 10
API_KEY_NAME = "벤치마크"
LIVE = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.ORDERED)


def _buyable(limit: int, rng: random.Random, exclude: set[int] = frozenset(), enterprise_id: int | None = None):
    """Single-option, stock-tracked, active products one unit of which may be ordered."""
    counted = (sa.select(Variant.product_id).group_by(Variant.product_id)
               .having(sa.func.count(Variant.id) == 1).scalar_subquery())
    stmt = (sa.select(Variant.id, Variant.sku, Product.slug)
            .join(Product, Product.id == Variant.product_id).join(Enterprise, Enterprise.id == Product.enterprise_id)
            .where(Product.status == ProductStatus.ACTIVE, Enterprise.status == ApprovalStatus.APPROVED,
                   Product.min_order_qty == 1, Variant.track_stock.is_(True), Product.slug.like("bench-%"),
                   Product.id.in_(counted)))
    if enterprise_id is not None:
        stmt = stmt.where(Product.enterprise_id == enterprise_id)
    candidates = db.session.execute(stmt.order_by(Variant.id).limit(limit * 20 + 50 + len(exclude)))
    rows = [r for r in candidates if r.id not in exclude]
    return rng.sample(rows, min(limit, len(rows)))


def _stocked_counts():
    return (sa.select(Product.enterprise_id, sa.func.count(Variant.id).label("stocked"))
            .join(Variant, Variant.product_id == Product.id)
            .where(Product.status == ProductStatus.ACTIVE, Product.min_order_qty == 1, Variant.track_stock.is_(True),
                   Product.slug.like("bench-%")).group_by(Product.enterprise_id))


def _give_owner_a_stocked_enterprise(owner: User) -> None:
    """The API leg of the soak restocks options by SKU; an owner whose enterprise sells only services
    (no stock) would leave it nothing to do, so move the bench owner to the enterprise with the most
    stock-tracked options (bench data only)."""
    counts = _stocked_counts().subquery()
    mine = db.session.scalar(sa.select(counts.c.stocked).where(counts.c.enterprise_id == owner.enterprise_id))
    if (mine or 0) >= 8:
        return
    best = db.session.scalar(sa.select(counts.c.enterprise_id).order_by(counts.c.stocked.desc(),
                                                                          counts.c.enterprise_id).limit(1))
    if best is not None:
        owner.enterprise_id = best
        db.session.commit()


def _set_stock(variant_ids: list[int], stock: int) -> None:
    db.session.execute(sa.update(Variant).where(Variant.id.in_(variant_ids)).values(stock=stock))
    product_ids = sa.select(Variant.product_id).where(Variant.id.in_(variant_ids)).scalar_subquery()
    db.session.execute(sa.update(Product).where(Product.id.in_(product_ids)).values(in_stock=stock > 0))


def expected_matches(queries: list[str]) -> dict[str, int]:
    """How many visible products contain each query in a searched field, by a plain scan (no index)."""
    terms = {query: _alnum(compact(query)) for query in queries}
    found = dict.fromkeys(queries, 0)
    parent = sa.orm.aliased(Category)
    rows = db.session.execute(
        sa.select(Product.name, Product.summary, Enterprise.name, Category.name, parent.name)
        .join(Enterprise, Enterprise.id == Product.enterprise_id).join(Category, Category.id == Product.category_id)
        .outerjoin(parent, parent.id == Category.parent_id)
        .where(Product.status == ProductStatus.ACTIVE, Enterprise.status == ApprovalStatus.APPROVED))
    seen: dict[str, str] = {}  # names repeat a lot: compact each distinct text once
    for row in rows:
        fields = []
        for text in row:
            if text:
                if text not in seen:
                    seen[text] = _alnum(compact(text))
                fields.append(seen[text])
        for query, term in terms.items():
            if any(term in field for field in fields):
                found[query] += 1
    return found


def setup(seed: int = 11, race_stock: int = RACE_STOCK) -> dict:
    """Everything the load phase needs; resets bench carts and the stock of the options it buys."""
    rng = random.Random(seed)
    owner = db.session.scalar(sa.select(User).where(User.email == BENCH_OWNER_EMAIL))
    buyers = list(db.session.scalars(sa.select(User.email).where(User.email.like(f"bench-buyer-%@{BENCH_DOMAIN}"))
                                     .order_by(User.email)))
    slugs = list(db.session.scalars(
        sa.select(Product.slug).join(Enterprise, Enterprise.id == Product.enterprise_id)
        .where(Product.status == ProductStatus.ACTIVE, Enterprise.status == ApprovalStatus.APPROVED,
               Product.slug.like("bench-%")).order_by(Product.id)))
    categories = list(db.session.scalars(sa.select(Category.slug).where(Category.parent_id.is_not(None))))
    exhibitions = list(db.session.scalars(sa.select(Exhibition.slug).where(Exhibition.slug.like("bench-expo-%"))))
    _give_owner_a_stocked_enterprise(owner)
    api_rows = _buyable(8, rng, enterprise_id=owner.enterprise_id)
    pool = _buyable(64, rng, exclude={r.id for r in api_rows})
    # Not an option an unpaid order of an earlier run (--no-seed) holds: that order's expiry, due any minute,
    # would give its units back in the middle of the race.
    held = set(db.session.scalars(sa.select(OrderItem.variant_id).join(Order, Order.id == OrderItem.order_id)
                                  .where(Order.status == OrderStatus.PENDING_PAYMENT).distinct()))
    race = _buyable(1, rng, exclude={r.id for r in pool + api_rows} | held)[0]
    _set_stock([r.id for r in pool + api_rows], POOL_STOCK)
    _set_stock([race.id], race_stock)
    bench_carts = sa.select(Cart.id).join(User, User.id == Cart.user_id).where(User.email.like(f"%@{BENCH_DOMAIN}"))
    db.session.execute(sa.delete(CartItem).where(CartItem.cart_id.in_(bench_carts.scalar_subquery())))
    db.session.execute(sa.update(ApiToken).where(ApiToken.enterprise_id == owner.enterprise_id,
                                                 ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    db.session.commit()
    key = api_tokens.issue(owner.enterprise_id, API_KEY_NAME, owner)
    db.session.commit()
    return {
        "buyers": buyers,
        "products": rng.sample(slugs, min(500, len(slugs))),
        "categories": categories,
        "exhibitions": exhibitions,
        "queries": {str(n): words for n, words in QUERIES.items()},
        "pool": [{"id": r.id, "sku": r.sku, "slug": r.slug} for r in pool],
        "race": {"id": race.id, "sku": race.sku, "slug": race.slug, "stock": race_stock},
        "api": {"key": key.secret, "skus": [r.sku for r in api_rows], "ids": [r.id for r in api_rows]},
    }


def search_truth() -> dict:
    return expected_matches([q for words in QUERIES.values() for q in words])


def stock_ledger(variant_ids: list[int], since: str | None = None) -> dict:
    """Stock now and units in orders placed since `since` (ISO time), live and given back, per option;
    and how many distinct orders those are."""
    stock = dict(db.session.execute(sa.select(Variant.id, Variant.stock).where(Variant.id.in_(variant_ids))).all())
    placed = [OrderItem.variant_id.in_(variant_ids)]
    if since:
        placed.append(Order.placed_at >= datetime.fromisoformat(since))
    stmt = (sa.select(OrderItem.variant_id, Order.status, sa.func.sum(OrderItem.quantity), sa.func.count())
            .join(Order, Order.id == OrderItem.order_id).where(*placed).group_by(OrderItem.variant_id, Order.status))
    options = {str(v): {"stock": stock.get(v, 0), "live_units": 0, "given_back_units": 0, "live_orders": 0,
                        "given_back_orders": 0} for v in variant_ids}
    for variant_id, status, units, orders in db.session.execute(stmt):
        entry = options[str(variant_id)]
        kind = "live" if status in LIVE else "given_back"
        entry[f"{kind}_units"] += int(units)
        entry[f"{kind}_orders"] += int(orders)
    orders = db.session.scalar(sa.select(sa.func.count(sa.distinct(Order.id))).join(
        OrderItem, OrderItem.order_id == Order.id).where(*placed))
    return {"options": options, "orders": orders or 0}


def order_count() -> dict:
    return {"orders": db.session.scalar(sa.select(sa.func.count(Order.id))) or 0}


COMMANDS = {"setup": setup, "search-truth": search_truth, "stock-ledger": stock_ledger, "order-count": order_count}


def bench_app(database_url: str | None = None, instance_path: str | None = None):
    """The shop app in this process, pointed at the bench database (development settings: no server)."""
    config = {"ENV_NAME": "development"}
    if database_url:
        config["SQLALCHEMY_DATABASE_URI"] = shop_database_url(database_url, instance_path or "")
    if instance_path:
        config["UPLOAD_FOLDER"] = str(instance_path) + "/uploads"
    return create_app(config)


def run(app, command: str, **kwargs) -> dict:
    """One command in a fresh app context, its session closed and pool emptied afterwards (so a database
    dropped later has no connection left from here)."""
    with app.app_context():
        try:
            return COMMANDS[command](**kwargs)
        finally:
            db.session.remove()
            db.engine.dispose()


def main(argv: list[str]) -> None:
    command, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    app = create_app()
    with app.app_context():
        print(json.dumps(COMMANDS[command](**args), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
