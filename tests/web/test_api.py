"""Public read API: shapes, filters, paging, special prices, 404s and 400s."""
from datetime import timedelta

import pytest

from shop.catalog.models import ProductStatus
from shop.core.korea import kst_today
from shop.curation.models import ExhibitionKind
from shop.enterprises.models import EnterpriseType
from shop.models_base import ApprovalStatus

TODAY = kst_today()


@pytest.fixture
def catalog(make_category, make_enterprise, make_product, make_exhibition):
    coffee = make_category("커피·차", slug="coffee")
    coop = make_enterprise(name="성수 커피협동조합", slug="seongsu", enterprise_type=EnterpriseType.COOPERATIVE,
                           district="성동구")
    beans = make_product(name="공정무역 원두", slug="beans", category=coffee, enterprise=coop,
                         variants=[("200g", 12000, 10), ("1kg", 45000, 2)], tiers={1: [(10, 42000)]},
                         description_html="<p>산미가 좋은 <b>원두</b></p><script>x</script>")
    make_product(name="드립백", slug="dripbag", category=coffee, enterprise=coop, price=8000, stock=0)
    make_product(name="수세미", slug="scrubber", price=3000)
    make_product(name="숨김", slug="hidden", status=ProductStatus.HIDDEN)
    make_exhibition(products=[beans], special_prices={beans.variants[0]: 9900})
    return beans


def test_product_list_shape(client, catalog):
    body = client.get("/api/v1/products?sort=price_asc").get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert (body["page"], body["per_page"], body["total"]) == (1, 24, 3)
    assert [i["slug"] for i in body["items"]] == ["scrubber", "dripbag", "beans"]
    beans = body["items"][2]
    assert beans["name"] == "공정무역 원두"
    assert beans["price_krw"] == 9900 and beans["regular_price_krw"] == 12000
    assert beans["in_stock"] is True
    assert beans["category"] == {"slug": "coffee", "name": "커피·차"}
    assert beans["enterprise"] == {"slug": "seongsu", "name": "성수 커피협동조합", "type": "cooperative",
                                   "type_label": "협동조합"}
    assert beans["url"] == "/products/beans"
    assert beans["image"].startswith("/media/test/")
    assert body["items"][1]["in_stock"] is False


@pytest.mark.parametrize(
    "query, slugs",
    [
        ("q=원두", {"beans"}),
        ("q=커피", {"beans", "dripbag"}),
        ("type=cooperative", {"beans", "dripbag"}),
        ("district=성동구", {"beans", "dripbag"}),
        ("in_stock=true", {"beans", "scrubber"}),
        ("min_price=5000&max_price=10000", {"dripbag"}),
        ("category=coffee", {"beans", "dripbag"}),
        ("q=없는상품", set()),
    ],
)
def test_product_list_filters(client, catalog, query, slugs):
    body = client.get(f"/api/v1/products?{query}").get_json()
    assert {i["slug"] for i in body["items"]} == slugs
    assert body["total"] == len(slugs)


def test_product_list_pages(client, make_product):
    for i in range(7):
        make_product(slug=f"p{i}", price=1000 + i)
    body = client.get("/api/v1/products?per_page=3&page=3&sort=price_asc").get_json()
    assert [i["slug"] for i in body["items"]] == ["p6"]
    assert (body["page"], body["per_page"], body["total"]) == (3, 3, 7)
    assert client.get("/api/v1/products?per_page=100").get_json()["per_page"] == 100


@pytest.mark.parametrize(
    "query, param",
    [
        ("page=-1", "page"), ("page=abc", "page"), ("page=0", "page"), ("page=999999999999999", "page"),
        ("per_page=101", "per_page"), ("per_page=0", "per_page"), ("sort=cheapest", "sort"),
        ("type=bank", "type"), ("district=파리", "district"), ("min_price=-1", "min_price"),
        ("min_price=9000&max_price=10", "min_price"), ("q=" + "가" * 2000, "q"), ("category=nope", "category"),
        ("page=%EF%BC%92", "page"),
    ],
)
def test_product_list_refuses_bad_parameters(client, catalog, query, param):
    response = client.get(f"/api/v1/products?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and error["param"] == param
    assert any("\uac00" <= ch <= "\ud7a3" for ch in error["message"])  # a Korean message


def test_product_detail(client, catalog):
    body = client.get("/api/v1/products/beans").get_json()
    assert body["slug"] == "beans" and body["price_krw"] == 9900 and body["regular_price_krw"] == 12000
    assert body["enterprise"]["district"] == "성동구"
    assert body["description_html"] == "<p>산미가 좋은 <b>원두</b></p>"
    assert body["options"] == [
        {"name": "200g", "sku": body["options"][0]["sku"], "price_krw": 9900, "regular_price_krw": 12000,
         "in_stock": True, "stock_left": None, "bulk_prices": []},
        {"name": "1kg", "sku": body["options"][1]["sku"], "price_krw": 45000, "regular_price_krw": 45000,
         "in_stock": True, "stock_left": 2, "bulk_prices": [{"min_qty": 10, "unit_price_krw": 42000}]},
    ]
    assert body["shipping"] == {"base_fee_krw": 3000, "free_threshold_krw": 50000, "island_extra_fee_krw": 3000}
    assert body["min_order_qty"] == 1 and body["tax_type"] == "taxable"
    assert len(body["exhibitions"]) == 1


@pytest.mark.parametrize("slug", ["hidden", "nope", "x" * 500])
def test_product_detail_404_is_json(client, catalog, slug):
    response = client.get(f"/api/v1/products/{slug}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_product_of_unapproved_enterprise_is_404(client, make_product, make_enterprise):
    make_product(slug="pending", enterprise=make_enterprise(status=ApprovalStatus.PENDING))
    assert client.get("/api/v1/products/pending").status_code == 404
    assert client.get("/api/v1/products").get_json()["total"] == 0


def test_enterprise_list(client, make_enterprise, make_product):
    coop = make_enterprise(name="가나 협동조합", slug="gana", enterprise_type=EnterpriseType.COOPERATIVE, district="마포구")
    make_enterprise(name="다라 자활", slug="dara", enterprise_type=EnterpriseType.SELF_SUFFICIENCY_ENTERPRISE,
                    district="강서구")
    make_enterprise(name="대기", status=ApprovalStatus.PENDING)
    make_product(enterprise=coop)
    body = client.get("/api/v1/enterprises").get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 24, 2)
    assert body["items"][0] == {"slug": "gana", "name": "가나 협동조합", "type": "cooperative", "type_label": "협동조합",
                                "district": "마포구", "summary": coop.summary, "url": "/enterprises/gana",
                                "product_count": 1}
    assert [i["slug"] for i in client.get("/api/v1/enterprises?district=강서구").get_json()["items"]] == ["dara"]
    typed = client.get("/api/v1/enterprises?type=cooperative&per_page=1").get_json()
    assert [i["slug"] for i in typed["items"]] == ["gana"] and typed["per_page"] == 1


@pytest.mark.parametrize("query, param", [("type=x", "type"), ("district=x", "district"), ("page=-2", "page"),
                                          ("per_page=1000", "per_page")])
def test_enterprise_list_refuses_bad_parameters(client, query, param):
    response = client.get(f"/api/v1/enterprises?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["param"] == param


@pytest.fixture
def exhibitions(make_exhibition):
    day = timedelta(days=1)
    make_exhibition(slug="now", title="진행", kind=ExhibitionKind.SEASONAL)
    make_exhibition(slug="soon", starts_on=TODAY + 3 * day, ends_on=TODAY + 9 * day)
    make_exhibition(slug="done", starts_on=TODAY - 9 * day, ends_on=TODAY - day)
    make_exhibition(slug="draft", is_published=False)


def test_exhibition_list(client, exhibitions):
    body = client.get("/api/v1/exhibitions").get_json()
    assert body["total"] == 3
    assert [i["slug"] for i in body["items"]] == ["soon", "now", "done"]
    now = body["items"][1]
    assert now["phase"] == "ongoing" and now["phase_label"] == "진행 중" and now["kind"] == "seasonal"
    assert now["organizer"] == {"type": "city", "name": "서울특별시"}
    assert now["url"] == "/exhibitions/now"
    assert now["starts_on"] == (TODAY - timedelta(days=3)).isoformat()


@pytest.mark.parametrize("phase, slugs", [("ongoing", ["now"]), ("upcoming", ["soon"]), ("past", ["done"])])
def test_exhibition_list_by_phase(client, exhibitions, phase, slugs):
    body = client.get(f"/api/v1/exhibitions?phase={phase}").get_json()
    assert [i["slug"] for i in body["items"]] == slugs and body["total"] == 1


@pytest.mark.parametrize("query, param", [("phase=soonish", "phase"), ("page=x", "page"), ("per_page=101", "per_page")])
def test_exhibition_list_refuses_bad_parameters(client, query, param):
    response = client.get(f"/api/v1/exhibitions?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["param"] == param


def test_api_answers_json_even_for_unknown_endpoints(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json
