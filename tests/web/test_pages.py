"""About and policy pages, and the operator's legal details in the footer of every page."""
import pytest


@pytest.mark.parametrize(
    "url, heading, must_say",
    [
        ("/about", "함께장터 소개", ["사회적경제", "공공판로 기획전", "아트콜라보", "통신판매중개"]),
        ("/terms", "함께장터 이용약관", ["제1조 (목적)", "통신판매중개자", "통신판매의 당사자가 아닙니다", "청약철회"]),
        ("/privacy", "개인정보처리방침", ["보유 및 이용 기간", "제3자 제공", "개인정보 보호책임자", "5년"]),
        ("/withdrawal", "청약철회·교환·반품 안내", ["7일 이내", "3영업일 이내", "왕복 배송비", "전자상거래법"]),
    ],
)
def test_policy_pages(client, url, heading, must_say):
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in html
    for phrase in must_say:
        assert phrase in html, phrase


def test_policy_pages_use_the_configured_operator(client, app):
    operator = app.config["OPERATOR"]
    privacy = client.get("/privacy").get_data(as_text=True)
    assert operator["privacy_officer"] in privacy.split("<footer")[0]
    terms = client.get("/terms").get_data(as_text=True).split("<footer")[0]
    assert operator["name"] in terms and operator["phone"] in terms


@pytest.fixture
def every_page(make_product, make_exhibition, make_art_collab, make_category):
    product = make_product(category=make_category(slug="cat"))
    make_exhibition(slug="ex", products=[product])
    make_art_collab(slug="art", products=[product], enterprise=product.enterprise)
    return [
        "/", "/categories", "/categories/cat", f"/products/{product.slug}", "/enterprises",
        f"/enterprises/{product.enterprise.slug}", "/exhibitions", "/exhibitions/ex", "/art-collabs", "/art-collabs/art",
        "/search", "/search?q=현미", "/about", "/terms", "/privacy", "/withdrawal", "/products/no-such-product",
    ]


def test_footer_shows_the_operator_on_every_page(client, app, every_page):
    operator = app.config["OPERATOR"]
    for url in every_page:
        html = client.get(url).get_data(as_text=True)
        footer = html[html.index("<footer"):]
        for key in ("name", "representative", "address", "business_number", "mail_order_number",
                    "privacy_officer", "phone", "email"):
            assert operator[key] in footer, (url, key)
        assert "통신판매중개자" in footer
        assert 'href="/privacy"' in footer and 'href="/terms"' in footer


def test_every_page_has_one_h1_and_a_korean_title(client, every_page):
    for url in every_page:
        html = client.get(url).get_data(as_text=True)
        assert html.count("<h1") == 1, url
        assert '<html lang="ko">' in html
