"""Public read API (JSON, versioned). Lists answer {"items", "page", "per_page", "total"}; bad
parameters answer 400 {"error": {"code": "invalid_parameter", "param", "message"}}."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, jsonify, request, url_for

from shop.catalog.listing import FilterError, ProductPage, list_products, parse_filters, parse_paging, with_category
from shop.catalog.models import Product
from shop.catalog.services import ProductDetail, get_category, product_detail
from shop.core.korea import kst_today
from shop.curation import services as curation
from shop.curation.models import Exhibition, ExhibitionPhase
from shop.enterprises import queries as enterprises
from shop.enterprises.models import Enterprise
from shop.web import openapi

bp = Blueprint("api", __name__)
bp.add_url_rule("/openapi.json", "openapi", openapi.document)

MAX_PER_PAGE = 100
MAX_SLUG_LENGTH = 200


@bp.errorhandler(FilterError)
def invalid_parameter(error: FilterError):
    return jsonify(error={"code": "invalid_parameter", "param": error.param, "message": str(error)}), 400


def _checked_slug(slug: str) -> str:
    if len(slug) > MAX_SLUG_LENGTH or "\x00" in slug:
        abort(404)
    return slug


def _listing(items: list, page: int, per_page: int, total: int):
    return jsonify(items=items, page=page, per_page=per_page, total=total)


def _image_url(product: Product) -> str | None:
    if not product.images:
        return None
    return url_for("storefront.media", filename=product.images[0].path)


def _enterprise_ref(enterprise: Enterprise) -> dict:
    return {
        "slug": enterprise.slug,
        "name": enterprise.name,
        "type": enterprise.enterprise_type.value,
        "type_label": enterprise.enterprise_type.label,
    }


def product_item(product: Product, price_krw: int) -> dict:
    return {
        "slug": product.slug,
        "name": product.name,
        "summary": product.summary,
        "price_krw": price_krw,
        "regular_price_krw": product.price_krw,
        "in_stock": product.in_stock,
        "category": {"slug": product.category.slug, "name": product.category.name},
        "enterprise": _enterprise_ref(product.enterprise),
        "url": url_for("storefront.product", slug=product.slug),
        "image": _image_url(product),
    }


def product_document(detail: ProductDetail) -> dict:
    product = detail.product
    enterprise = product.enterprise
    document = product_item(product, detail.price_krw)
    document["enterprise"].update(district=enterprise.district, url=url_for("storefront.enterprise", slug=enterprise.slug))
    document.update(
        description_html=detail.description_html,
        tax_type=product.tax_type.value,
        min_order_qty=product.min_order_qty,
        lead_time_days=product.lead_time_days,
        origin=product.origin,
        images=[
            {"url": url_for("storefront.media", filename=image.path), "alt": image.alt}
            for image in product.images
        ],
        options=[
            {
                "name": option.variant.name,
                "sku": option.variant.sku,
                "price_krw": option.price_krw,
                "regular_price_krw": option.regular_price_krw,
                "in_stock": not option.sold_out,
                "stock_left": option.stock_left,
                "bulk_prices": [{"min_qty": t.min_qty, "unit_price_krw": t.unit_price_krw} for t in option.tiers],
            }
            for option in detail.options
        ],
        shipping={
            "base_fee_krw": enterprise.shipping_base_fee_krw,
            "free_threshold_krw": enterprise.free_shipping_threshold_krw,
            "island_extra_fee_krw": enterprise.shipping_island_fee_krw,
        },
        exhibitions=[
            {"slug": ex.slug, "title": ex.title, "ends_on": ex.ends_on.isoformat()} for ex in detail.exhibitions
        ],
    )
    return document


def _page_items(page: ProductPage) -> list[dict]:
    return [product_item(p, page.price_today(p)) for p in page.items]


@bp.get("/products")
def products():
    filters = parse_filters(request.args, strict=True, max_per_page=MAX_PER_PAGE)
    category_slug = (request.args.get("category") or "").strip()
    if category_slug:
        category = get_category(category_slug[:MAX_SLUG_LENGTH].replace("\x00", ""))
        if category is None:
            raise FilterError("category", "알 수 없는 카테고리입니다.")
        filters = with_category(filters, category)
    page = list_products(filters)
    return _listing(_page_items(page), page.page, page.per_page, page.total)


@bp.get("/products/<slug>")
def product(slug: str):
    detail = product_detail(_checked_slug(slug), kst_today()) or abort(404)
    return jsonify(product_document(detail))


def enterprise_item(enterprise: Enterprise, product_count: int | None = None) -> dict:
    item = _enterprise_ref(enterprise)
    item.update(
        district=enterprise.district,
        summary=enterprise.summary,
        url=url_for("storefront.enterprise", slug=enterprise.slug),
    )
    if product_count is not None:
        item["product_count"] = product_count
    return item


@bp.get("/enterprises")
def enterprise_list():
    filters = enterprises.parse_enterprise_filters(request.args, strict=True, max_per_page=MAX_PER_PAGE)
    page = enterprises.list_enterprises(filters)
    items = [enterprise_item(e, page.product_counts.get(e.id, 0)) for e in page.items]
    return _listing(items, page.page, page.per_page, page.total)


def exhibition_item(exhibition: Exhibition, today: date) -> dict:
    phase = exhibition.phase(today)
    return {
        "slug": exhibition.slug,
        "title": exhibition.title,
        "summary": exhibition.summary,
        "kind": exhibition.kind.value,
        "kind_label": exhibition.kind.label,
        "organizer": {"type": exhibition.organizer_type.value, "name": exhibition.organizer_name},
        "starts_on": exhibition.starts_on.isoformat(),
        "ends_on": exhibition.ends_on.isoformat(),
        "phase": phase.value,
        "phase_label": phase.label,
        "url": url_for("storefront.exhibition", slug=exhibition.slug),
    }


@bp.get("/exhibitions")
def exhibitions():
    today = kst_today()
    raw_phase = (request.args.get("phase") or "").strip()
    phase = None
    if raw_phase:
        try:
            phase = ExhibitionPhase(raw_phase)
        except ValueError:
            choices = ", ".join(p.value for p in ExhibitionPhase)
            raise FilterError("phase", f"기획전 단계는 {choices} 중 하나여야 합니다.") from None
    page_no, per_page = parse_paging(request.args, strict=True, max_per_page=MAX_PER_PAGE)
    page = curation.list_exhibitions(today, phase=phase, page=page_no, per_page=per_page)
    return _listing([exhibition_item(e, today) for e in page.items], page.page, page.per_page, page.total)
