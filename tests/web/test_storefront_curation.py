"""Exhibitions (기획전), art collaborations (아트콜라보) and the home page that features them."""
import re
from datetime import timedelta

import pytest

from shop.catalog.models import ProductStatus
from shop.core.korea import kst_today
from shop.curation.models import Artist, OrganizerType
from shop.enterprises.models import EnterpriseType, SocialValueArea
from shop.models_base import ApprovalStatus

TODAY = kst_today()
DAY = timedelta(days=1)


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


@pytest.fixture
def season(make_exhibition, make_product):
    honey = make_product(name="도시양봉 꿀", slug="honey", price=20000)
    make_exhibition(title="진행 기획전", slug="now", products=[honey], special_prices={honey.variants[0]: 15000},
                    organizer_type=OrganizerType.DISTRICT, organizer_name="마포구청",
                    starts_on=TODAY - 3 * DAY, ends_on=TODAY + 4 * DAY)
    make_exhibition(title="예정 기획전", slug="soon", products=[honey], special_prices={honey.variants[0]: 14000},
                    starts_on=TODAY + 5 * DAY, ends_on=TODAY + 20 * DAY)
    make_exhibition(title="종료 기획전", slug="done", products=[honey], special_prices={honey.variants[0]: 13000},
                    starts_on=TODAY - 30 * DAY, ends_on=TODAY - DAY)
    make_exhibition(title="비공개 기획전", slug="draft", is_published=False)
    return honey


def test_exhibitions_page_groups_by_phase(client, season):
    html = client.get("/exhibitions").get_data(as_text=True)
    assert "진행 기획전" in section(html, "phase-ongoing")
    assert "예정 기획전" in section(html, "phase-upcoming")
    assert "종료 기획전" in section(html, "phase-past")
    assert "진행 기획전" not in section(html, "phase-past")
    assert "비공개 기획전" not in html


def test_empty_exhibition_sections_say_so(client):
    html = client.get("/exhibitions").get_data(as_text=True)
    assert "진행 중인 기획전이 없습니다." in html and "예정된 기획전이 없습니다." in html


def test_running_exhibition_shows_organizer_period_and_struck_regular_price(client, season):
    html = client.get("/exhibitions/now").get_data(as_text=True)
    assert "<h1>진행 기획전</h1>" in html
    assert "마포구청 (자치구)" in html
    assert (TODAY - 3 * DAY).strftime("%Y.%m.%d") in html and (TODAY + 4 * DAY).strftime("%Y.%m.%d") in html
    assert 'badge-phase-ongoing">진행 중</span>' in html
    assert "도시양봉 꿀" in html
    assert "<del>20,000원</del>" in html and '<span class="sale">15,000원</span>' in html


def test_past_exhibition_shows_the_regular_price_only(client, season):
    html = client.get("/exhibitions/done").get_data(as_text=True)
    assert "종료된 기획전입니다." in html
    assert "도시양봉 꿀" in html
    assert "13,000원" not in html
    # the running exhibition's special price still applies to the product today
    assert "<del>20,000원</del>" in html and "15,000원" in html


def test_after_every_exhibition_ends_no_price_is_struck(client, make_product, make_exhibition):
    soap = make_product(name="천연비누", price=8000)
    make_exhibition(slug="over", products=[soap], special_prices={soap.variants[0]: 6000},
                    starts_on=TODAY - 9 * DAY, ends_on=TODAY - DAY)
    html = client.get("/exhibitions/over").get_data(as_text=True)
    assert "<del>" not in html and '<span class="price">8,000원</span>' in html


def test_upcoming_exhibition_previews_its_special_price(client, make_product, make_exhibition):
    soap = make_product(name="천연비누", price=8000)
    start = TODAY + 2 * DAY
    make_exhibition(slug="later", products=[soap], special_prices={soap.variants[0]: 6000},
                    starts_on=start, ends_on=start + 7 * DAY)
    html = client.get("/exhibitions/later").get_data(as_text=True)
    assert "<del>" not in html and '<span class="price">8,000원</span>' in html
    assert f"기획전 특가 6,000원 ({start.month}/{start.day}부터)" in html
    assert f"{start.month}월 {start.day}일에 시작합니다." in html


def test_exhibition_hides_products_a_shopper_may_not_see(client, make_product, make_enterprise, make_exhibition):
    shown = make_product(name="판매중 상품")
    hidden = make_product(name="숨김 상품", status=ProductStatus.HIDDEN)
    blocked = make_product(name="정지 기업 상품", enterprise=make_enterprise(status=ApprovalStatus.SUSPENDED))
    make_exhibition(slug="mixed", products=[shown, hidden, blocked])
    html = client.get("/exhibitions/mixed").get_data(as_text=True)
    assert "판매중 상품" in html and "숨김 상품" not in html and "정지 기업 상품" not in html
    assert "기획전 상품 <span class=\"count\">(1)</span>" in html


def test_unpublished_and_unknown_exhibitions_are_404(client, season):
    assert client.get("/exhibitions/draft").status_code == 404
    assert client.get("/exhibitions/nothing").status_code == 404


# --- art collaborations ---------------------------------------------------------------------


@pytest.fixture
def collab(make_art_collab, make_enterprise, make_product):
    enterprise = make_enterprise(name="성북 차공방", enterprise_type=EnterpriseType.VILLAGE_ENTERPRISE, district="성북구")
    tea = make_product(name="보리차 티백", enterprise=enterprise)
    make_product(name="포장 안 바뀐 상품", enterprise=enterprise)
    artist = Artist(name="김그림", bio="서울에서 활동하는 신진 일러스트레이터", link="https://example.org/kim")
    make_art_collab(slug="tea-pack", title="보리차, 새 옷을 입다", artist=artist, enterprise=enterprise, products=[tea],
                    summary="동네 풍경을 담은 포장", story_html="<p>작가와 <strong>세 번</strong> 만났습니다.</p><script>x()</script>")
    make_art_collab(slug="secret", title="비공개 협업", is_published=False)
    return tea


def test_art_collab_list(client, collab):
    html = client.get("/art-collabs").get_data(as_text=True)
    assert "<h1>아트콜라보</h1>" in html
    assert "보리차, 새 옷을 입다" in html and "김그림" in html and "성북 차공방" in html
    assert "비공개 협업" not in html


def test_art_collab_detail(client, collab):
    html = client.get("/art-collabs/tea-pack").get_data(as_text=True)
    assert "<h1>보리차, 새 옷을 입다</h1>" in html
    assert "작가 김그림" in html and "서울에서 활동하는 신진 일러스트레이터" in html
    assert 'href="https://example.org/kim"' in html
    assert 'src="/media/test/before.webp" alt="기존 포장"' in html
    assert 'src="/media/test/after.webp" alt="새 포장"' in html
    assert "이전 포장" in html and "새 포장" in html
    assert "<strong>세 번</strong>" in html and "x()" not in html
    products = section(html, "products-title")
    assert "보리차 티백" in products and "포장 안 바뀐 상품" not in products
    assert "마을기업" in html and "성북구" in html


def test_art_collab_does_not_link_unsafe_artist_urls(client, make_art_collab):
    make_art_collab(slug="bad-link", artist=Artist(name="이작가", link="javascript:alert(1)"))
    html = client.get("/art-collabs/bad-link").get_data(as_text=True)
    assert "javascript:" not in html


def test_unpublished_art_collab_is_404(client, collab):
    assert client.get("/art-collabs/secret").status_code == 404
    assert client.get("/art-collabs/none").status_code == 404


# --- home -----------------------------------------------------------------------------------


def test_home_features_ongoing_exhibitions_not_upcoming_ones(client, season):
    html = client.get("/").get_data(as_text=True)
    ongoing = section(html, "ex-title")
    assert "진행 기획전" in ongoing and "예정 기획전" not in ongoing and "종료 기획전" not in ongoing


def test_home_shows_new_products_newest_first(client, make_product):
    for name in ("첫째 상품", "둘째 상품", "셋째 상품"):
        make_product(name=name)
    new = section(client.get("/").get_data(as_text=True), "new-title")
    assert re.findall(r'class="card-title">([^<]+)<', new) == ["셋째 상품", "둘째 상품", "첫째 상품"]


def test_home_shop_by_enterprise_type_links_to_filtered_listings(client, make_product, make_enterprise):
    make_product(enterprise=make_enterprise(enterprise_type=EnterpriseType.COOPERATIVE))
    make_product(enterprise=make_enterprise(enterprise_type=EnterpriseType.COOPERATIVE))
    tiles = section(client.get("/").get_data(as_text=True), "type-title")
    for t in EnterpriseType:
        assert f'href="/categories?type={t.value}"' in tiles and t.label in tiles
    assert re.search(r"협동조합</strong>\s*<span>상품 2개</span>", tiles)
    assert re.search(r"마을기업</strong>\s*<span>상품 0개</span>", tiles)
    listing = client.get("/categories?type=cooperative").get_data(as_text=True)
    assert "<h1>협동조합 상품</h1>" in listing and "총 <strong>2</strong>개 상품" in listing


def test_home_social_value_sums_the_latest_year_of_approved_enterprises(client, make_enterprise, make_social_value):
    a, b = make_enterprise(), make_enterprise()
    make_social_value(a, year=2024, amount=900_000_000, verified=True)
    make_social_value(a, year=2025, amount=2_000_000_000, verified=True)
    make_social_value(b, year=2025, amount=730_000_000, verified=True)
    make_social_value(b, year=2025, amount=1_000_000, area=SocialValueArea.ENVIRONMENT)  # self-reported: not counted
    make_social_value(make_enterprise(status=ApprovalStatus.PENDING), year=2025, amount=5_000_000_000, verified=True)
    box = section(client.get("/").get_data(as_text=True), "sv-title")
    assert "2025년 측정 사회적 가치" in box
    assert "<strong>27억 3,000만원</strong>" in box and "2,730,000,000원" in box
    assert "<strong>2곳</strong>" in box


def test_home_without_social_value_records(client):
    assert "아직 공개된 사회적 가치 측정 결과가 없습니다." in client.get("/").get_data(as_text=True)


def test_home_features_published_art_collaborations(client, collab):
    art = section(client.get("/").get_data(as_text=True), "art-title")
    assert "보리차, 새 옷을 입다" in art and "비공개 협업" not in art
