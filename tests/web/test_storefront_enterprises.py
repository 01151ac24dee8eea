"""The enterprise directory and an enterprise's own page."""
import re

import pytest

from shop.enterprises.models import EnterpriseType, SocialValueArea
from shop.models_base import ApprovalStatus


def names(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'class="card-title">([^<]+)</h\d>', response.get_data(as_text=True))


@pytest.fixture
def directory(make_enterprise, make_product):
    a = make_enterprise(name="가온 협동조합", enterprise_type=EnterpriseType.COOPERATIVE, district="마포구")
    make_enterprise(name="나눔 사회적기업", enterprise_type=EnterpriseType.SOCIAL_ENTERPRISE, district="강남구")
    make_enterprise(name="다솜 마을기업", enterprise_type=EnterpriseType.VILLAGE_ENTERPRISE, district="마포구")
    make_enterprise(name="심사 대기 기업", status=ApprovalStatus.PENDING)
    make_enterprise(name="퇴점 기업", status=ApprovalStatus.SUSPENDED)
    make_product(enterprise=a)
    make_product(enterprise=a)
    return a


def test_directory_lists_approved_enterprises_with_type_district_and_product_count(client, directory):
    response = client.get("/enterprises")
    assert set(names(response)) == {"가온 협동조합", "나눔 사회적기업", "다솜 마을기업"}
    html = response.get_data(as_text=True)
    assert "<h1>입점기업</h1>" in html and "총 <strong>3</strong>개 기업" in html
    assert '<span class="badge badge-cooperative">협동조합</span> 마포구' in html
    assert "판매 상품 2개" in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ("type=cooperative", {"가온 협동조합"}),
        ("type=cooperative&type=village_enterprise", {"가온 협동조합", "다솜 마을기업"}),
        ("district=마포구", {"가온 협동조합", "다솜 마을기업"}),
        ("district=마포구&type=social_enterprise", set()),
        ("type=bogus&district=파리", {"가온 협동조합", "나눔 사회적기업", "다솜 마을기업"}),
        ("page=-3&per_page=abc", {"가온 협동조합", "나눔 사회적기업", "다솜 마을기업"}),
    ],
)
def test_directory_filters(client, directory, query, expected):
    assert set(names(client.get(f"/enterprises?{query}"))) == expected


def test_directory_paginates(client, make_enterprise):
    for i in range(30):
        make_enterprise(name=f"기업{i:02d}")
    assert len(names(client.get("/enterprises"))) == 24
    second = client.get("/enterprises?page=2")
    assert names(second) == [f"기업{i}" for i in range(24, 30)]
    assert 'rel="prev">이전</a>' in second.get_data(as_text=True)


@pytest.fixture
def bakery(make_enterprise, make_product, make_social_value):
    enterprise = make_enterprise(
        name="우리동네 빵공방", slug="bakery", enterprise_type=EnterpriseType.SOCIAL_COOPERATIVE,
        business_number="2208162517", certificate_number="제2019-0123호", representative="이나눔",
        district="은평구", story_html='<p>발달장애 청년 <em>제빵사</em>와 함께합니다.</p><script>steal()</script>'
        '<a href="javascript:alert(1)">클릭</a>',
    )
    make_social_value(enterprise, year=2024, amount=30_000_000, area=SocialValueArea.EMPLOYMENT, verified=True)
    make_social_value(enterprise, year=2025, amount=40_000_000, area=SocialValueArea.EMPLOYMENT, verified=True)
    make_social_value(enterprise, year=2025, amount=5_000_000, area=SocialValueArea.COMMUNITY, verified=True)
    make_social_value(enterprise, year=2025, amount=777_000, area=SocialValueArea.ENVIRONMENT)  # self-reported
    make_product(name="통밀 식빵", enterprise=enterprise)
    return enterprise


def test_enterprise_page_shows_certification_and_formatted_business_number(client, bakery):
    html = client.get("/enterprises/bakery").get_data(as_text=True)
    assert "<h1>우리동네 빵공방</h1>" in html
    assert "<dt>인증 유형</dt><dd>사회적협동조합</dd>" in html
    assert "제2019-0123호" in html
    assert "<dd>220-81-62517</dd>" in html
    assert "이나눔" in html and "은평구" in html


def test_enterprise_story_is_sanitised(client, bakery):
    html = client.get("/enterprises/bakery").get_data(as_text=True)
    assert "<em>제빵사</em>" in html
    assert "steal()" not in html and "javascript:" not in html


def test_social_value_table_by_year_and_area(client, bakery):
    html = client.get("/enterprises/bakery").get_data(as_text=True)
    table = html[html.index('<table class="social-values">'):html.index("</table>")]
    assert "고용·내부 공정성" in table and "외부 공정성·지역사회" in table and "합계" in table
    rows = table.split("<tr>")[2:]
    assert "2025년" in rows[0] and "40,000,000원" in rows[0] and "5,000,000원" in rows[0]
    assert "<strong>45,000,000원</strong>" in rows[0] and "777,000원" not in table  # only verified figures
    assert "2024년" in rows[1] and "<strong>30,000,000원</strong>" in rows[1]


def test_enterprise_without_social_value_says_so(client, make_enterprise):
    make_enterprise(slug="fresh")
    assert "아직 지원센터가 검증한 사회적 가치 측정 결과가 없습니다." in client.get("/enterprises/fresh").get_data(as_text=True)


def test_enterprise_page_lists_its_products(client, bakery, make_product):
    make_product(name="다른 기업 상품")
    response = client.get("/enterprises/bakery")
    assert names(response) == ["통밀 식빵"]


@pytest.mark.parametrize("status", [ApprovalStatus.PENDING, ApprovalStatus.REJECTED, ApprovalStatus.SUSPENDED])
def test_unapproved_enterprise_is_404(client, make_enterprise, status):
    make_enterprise(slug="hidden-one", status=status)
    assert client.get("/enterprises/hidden-one").status_code == 404


def test_unknown_enterprise_is_404(client):
    assert client.get("/enterprises/nobody").status_code == 404
