"""Public pages: home, categories, products, enterprises, exhibitions, art collaborations, search."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory

from shop.catalog.listing import (
    SORTS,
    ListingFilters,
    list_products,
    listing_ids,
    more_from_enterprise,
    parse_filters,
    products_of_page,
    with_category,
)
from shop.catalog.services import (
    category_product_counts,
    get_category,
    product_counts_by_enterprise_type,
    product_detail,
    product_id_by_slug,
    product_id_last_seen,
    product_id_wanted,
    top_categories,
)
from shop.core.cache import ANY_PRODUCT_STOCK, product_stock
from shop.core.html import sanitize_html
from shop.core.korea import SEOUL_DISTRICTS, kst_today
from shop.core.money import format_krw
from shop.core.storage import thumbnail_path
from shop.curation import services as curation
from shop.curation.models import ExhibitionPhase
from shop.enterprises import impact as impact_figures
from shop.enterprises import queries as enterprises
from shop.enterprises.models import SocialValueArea
from shop.reviews import services as review_service
from shop.site import settings as site_settings
from shop.web.page_cache import (
    drawn_from,
    late_template,
    looks_up_first,
    popular_sort_follows_sales,
    shared_page,
)

bp = Blueprint("storefront", __name__)

MAX_SLUG_LENGTH = 200


def _possible_slug(slug: str) -> bool:
    """False for slugs that no row can have (NUL bytes break PostgreSQL, huge ones waste a query)."""
    return len(slug) <= MAX_SLUG_LENGTH and "\x00" not in slug


def _checked_slug(slug: str) -> str:
    if not _possible_slug(slug):
        abort(404)
    return slug


@bp.app_template_filter("krw_korean")
def krw_korean(amount: int) -> str:
    """Large amounts the way Koreans read them: 2,730,000,000 -> `27억 3,000만원`."""
    eok, rest = divmod(int(amount), 100_000_000)
    man = rest // 10_000
    parts = [f"{eok:,}억"] if eok else []
    if man:
        parts.append(f"{man:,}만")
    return " ".join(parts) + "원" if parts else format_krw(int(amount))


@bp.app_template_filter("thumb")
def thumb(path: str | None) -> str | None:
    """The 400px thumbnail saved alongside every stored image, for cards in a grid."""
    return thumbnail_path(path) if path else path


quote_request_button = late_template("quote_request_button", "storefront/_quote_request.html")


@bp.context_processor
def listing_choices():
    return {"sorts": SORTS, "districts": SEOUL_DISTRICTS, "phases": ExhibitionPhase,
            "social_value_areas": list(SocialValueArea), "quote_request_button": quote_request_button}


@bp.get("/")
@shared_page("catalog", "availability")
def home():
    today = kst_today()
    return render_template(
        "storefront/home.html",
        exhibitions=curation.exhibitions_in_phase(ExhibitionPhase.ONGOING, today, limit=4),
        art_collabs=curation.list_art_collabs(limit=3),
        new_products=list_products(ListingFilters(per_page=8), today, with_total=False),
        type_counts=product_counts_by_enterprise_type(),
        social_value=enterprises.mall_social_value(),
    )


@bp.get("/categories")
@shared_page("catalog", "availability", extra=popular_sort_follows_sales)
def categories():
    filters = parse_filters(request.args, strict=False)
    return render_template(
        "storefront/categories.html",
        tree=top_categories(),
        counts=category_product_counts(),
        filters=filters,
        page=list_products(filters),
        link_args=filters.query_args(),
    )


@bp.get("/categories/<slug>")
@shared_page("catalog", "availability", extra=popular_sort_follows_sales)
def category(slug: str):
    found = get_category(_checked_slug(slug)) or abort(404)
    filters = with_category(parse_filters(request.args, strict=False), found)
    ids, total = listing_ids(filters)
    return drawn_from(ids, total, lambda: render_template(
        "storefront/category.html",
        category=found,
        filters=filters,
        page=products_of_page(filters, ids, total),
        link_args=dict(filters.query_args(), slug=found.slug),
    ))


def _stock_of_this_product() -> tuple[str, ...]:
    """A product page shows its options' stock: it changes with a sale of this product, not of any other."""
    slug = _slug_of_this_page()
    return (product_stock(product_id_by_slug(slug)),) if slug else ()


def _stock_of_this_product_guessed() -> tuple[str, ...] | None:
    """What _stock_of_this_product will most likely name, without a lookup (None: no guess yet)."""
    slug = _slug_of_this_page()
    if not slug:
        return ()
    product_id = product_id_last_seen(slug)
    return None if product_id is None else (product_stock(product_id),)


def _product_id_of_this_page():
    slug = _slug_of_this_page()
    return [product_id_wanted(slug)] if slug else []


def _slug_of_this_page() -> str | None:
    slug = request.view_args["slug"]
    return slug if _possible_slug(slug) else None


looks_up_first("storefront.product", _product_id_of_this_page)  # a member's: with the login session


@bp.get("/products/<slug>")
# "availability": the enterprise's other products below show their sold-out flags.
@shared_page("catalog", "reviews", "availability", ANY_PRODUCT_STOCK, extra=_stock_of_this_product,
             extra_guess=_stock_of_this_product_guessed)
def product(slug: str):
    today = kst_today()
    detail = product_detail(_checked_slug(slug), today) or abort(404)
    enterprise = detail.product.enterprise
    siblings = more_from_enterprise(detail.product, today)
    return render_template(
        "storefront/product.html",
        detail=detail,
        product=detail.product,
        enterprise=enterprise,
        social_value=enterprises.latest_social_value(enterprise.social_values),
        siblings=siblings,
        review_summary=review_service.product_review_summary(detail.product.id),
        reviews=review_service.product_reviews(detail.product.id, 1),
    )


@bp.get("/impact")
@shared_page("catalog")
def impact():
    years = impact_figures.impact_by_year()
    rows, height = impact_figures.stacked_chart(years)
    return render_template("storefront/impact.html", years=years, chart_rows=rows, chart_height=height,
                           colors=impact_figures.AREA_COLORS)


@bp.get("/enterprises")
@shared_page("catalog")
def enterprise_list():
    filters = enterprises.parse_enterprise_filters(request.args, strict=False)
    return render_template(
        "storefront/enterprises.html",
        filters=filters,
        page=enterprises.list_enterprises(filters),
        link_args=filters.query_args(),
    )


@bp.get("/enterprises/<slug>")
@shared_page("catalog", "availability", extra=popular_sort_follows_sales)
def enterprise(slug: str):
    found = enterprises.get_public_enterprise(_checked_slug(slug)) or abort(404)
    parsed = parse_filters(request.args, strict=False)
    filters = ListingFilters(enterprise_id=found.id, sort=parsed.sort, page=parsed.page, per_page=parsed.per_page)
    return render_template(
        "storefront/enterprise.html",
        enterprise=found,
        story_html=sanitize_html(found.story_html),
        social_values=enterprises.social_value_by_year(found.social_values),
        filters=filters,
        page=list_products(filters),
        link_args=dict(filters.query_args(), slug=found.slug),
    )


@bp.get("/exhibitions")
@shared_page("catalog")
def exhibitions():
    return render_template("storefront/exhibitions.html", grouped=curation.exhibitions_by_phase(kst_today()))


@bp.get("/exhibitions/<slug>")
@shared_page("catalog", "availability")
def exhibition(slug: str):
    today = kst_today()
    found = curation.get_published_exhibition(_checked_slug(slug)) or abort(404)
    return render_template(
        "storefront/exhibition.html",
        exhibition=found,
        description_html=sanitize_html(found.description_html),
        phase=found.phase(today),
        curated=curation.curated_products(found, today),
    )


@bp.get("/art-collabs")
@shared_page("catalog")
def art_collabs():
    return render_template("storefront/art_collabs.html", collabs=curation.list_art_collabs())


@bp.get("/art-collabs/<slug>")
@shared_page("catalog", "availability")
def art_collab(slug: str):
    found = curation.get_published_art_collab(_checked_slug(slug)) or abort(404)
    return render_template(
        "storefront/art_collab.html",
        collab=found,
        story_html=sanitize_html(found.story_html),
        curated=curation.art_collab_products(found, kst_today()),
    )


@bp.get("/search")
@shared_page("catalog", "availability", extra=popular_sort_follows_sales)
def search():
    filters = parse_filters(request.args, strict=False)
    searching = bool(filters.q) or filters != ListingFilters(sort=filters.sort, page=filters.page,
                                                             per_page=filters.per_page)
    ids, total = listing_ids(filters) if searching else ([], None)

    def draw():
        return render_template(
            "storefront/search.html",
            filters=filters,
            searching=searching,
            page=products_of_page(filters, ids, total) if searching else None,
            matching_enterprises=enterprises.search_enterprises(filters.q) if filters.q else [],
            link_args=filters.query_args(),
        )

    return drawn_from(ids, total, draw) if searching else draw()


@bp.get("/about")
@shared_page()
def about():
    return render_template("pages/about.html")


@bp.get("/terms")
@shared_page()
def terms():
    return render_template("pages/terms.html", policy_html=site_settings.policy_html("terms"))


@bp.get("/privacy")
@shared_page()
def privacy():
    return render_template("pages/privacy.html", policy_html=site_settings.policy_html("privacy"))


@bp.get("/withdrawal")
@shared_page()
def withdrawal():
    return render_template("pages/withdrawal.html", policy_html=site_settings.policy_html("withdrawal"))


@bp.get("/media/<path:filename>")
def media(filename: str):
    """Uploaded and generated images (re-encoded on the way in, so safe to serve as they are)."""
    response = send_from_directory(current_app.config["UPLOAD_FOLDER"], filename, max_age=86400)
    return response
