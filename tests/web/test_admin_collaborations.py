"""Staff at /admin/collaborations and /admin/artists: the list, creating and editing artists and
collaborations with uploads (refusals come back as 400 with the message next to the field), linking and
unlinking products, publishing (refused with every reason), 404 for unknown ids, and only staff get in."""
from __future__ import annotations

import io
import re
from html import unescape

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.audit.models import AuditEntry
from shop.core.korea import kst_today
from shop.curation import collab_editing as collabs
from shop.curation.collab_editing import ArtistInput, CollabInput
from shop.curation.models import ArtCollaboration, Artist
from shop.extensions import db
from shop.models_base import ApprovalStatus
from tests.conftest import csrf_from, signed_in
from tests.services.test_storage import image_bytes

YEAR = kst_today().year


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", unescape(response.get_data(as_text=True))).split())


@pytest.fixture
def scene(make_user, make_enterprise, make_product):
    staff = make_user(Role.ADMIN, name="아트담당")
    bakery = make_enterprise(name="햇살 베이커리 협동조합")
    cookies = make_product(name="우리밀 쿠키 선물상자", enterprise=bakery)
    soap = make_product(name="천연 비누", enterprise=make_enterprise(name="숲속 비누"))
    artist = collabs.create_artist(ArtistInput(name="김그림", bio="골목을 그립니다"), staff)
    return staff, bakery, cookies, soap, artist


@pytest.fixture
def staff_browser(app, scene):
    with app.app_context():
        browser, token = signed_in(app, scene[0])
    return browser, token


def new_collab(scene, **changes) -> ArtCollaboration:
    staff, bakery, _, _, artist = scene
    values = {"title": "골목 쿠키 상자", "artist_id": artist.id, "enterprise_id": bakery.id, "year": YEAR,
              "before_image": image_bytes("PNG"), "before_alt": "갈색 크라프트 상자",
              "after_image": image_bytes("PNG"), "after_alt": "골목 그림 상자"}
    return collabs.create_collaboration(CollabInput(**{**values, **changes}), staff)


def collab_form(scene, **changes) -> dict:
    _, bakery, _, _, artist = scene
    data = {"title": "골목 쿠키 상자", "artist_id": str(artist.id), "enterprise_id": str(bakery.id), "year": str(YEAR),
            "summary": "망원동 골목 풍경의 선물 상자", "story": "석 달 동안 만났습니다.",
            "before_alt": "갈색 크라프트 상자", "after_alt": "골목 그림으로 덮인 상자",
            "before_image": (io.BytesIO(image_bytes("PNG")), "before.png"),
            "after_image": (io.BytesIO(image_bytes("JPEG")), "after.jpg")}
    data.update(changes)
    return data


def test_the_list_shows_artist_enterprise_year_and_state(staff_browser, scene, make_art_collab):
    browser, _ = staff_browser
    new_collab(scene)
    make_art_collab(title="공개된 협업", year=2020, is_published=True)
    response = browser.get("/admin/collaborations")
    text = words(response)
    assert response.status_code == 200
    assert "골목 쿠키 상자 김그림 햇살 베이커리 협동조합" in text and f"{YEAR}년 0개 비공개" in text
    assert "공개된 협업" in text and "2020년 0개 공개 중" in text
    assert "작가 2명" in text
    assert 'aria-current="page">아트콜라보</a>' in response.get_data(as_text=True)


def test_staff_create_a_collaboration_with_images(staff_browser, scene):
    browser, token = staff_browser
    page = browser.get("/admin/collaborations/new")
    assert page.status_code == 200 and "햇살 베이커리 협동조합" in words(page) and "김그림" in words(page)
    response = browser.post("/admin/collaborations/new", data={"csrf_token": token, **collab_form(scene)},
                            content_type="multipart/form-data")
    assert response.status_code == 303
    collab = db.session.scalar(sa.select(ArtCollaboration))
    assert response.headers["Location"].endswith(f"/admin/collaborations/{collab.id}#products")
    assert collab.before_image_path.startswith("art/") and collab.after_image_alt == "골목 그림으로 덮인 상자"
    assert collab.story_html == "<p>석 달 동안 만났습니다.</p>" and not collab.is_published
    page = browser.get(response.headers["Location"])
    text = words(page)
    assert "'골목 쿠키 상자'을(를) 저장했습니다" in text
    assert "이전 포장 이미지: 준비됨" in text and "판매 중인 상품 연결: 필요" in text
    assert f'src="/media/{collab.before_image_path}" alt="갈색 크라프트 상자"' in page.get_data(as_text=True)


def test_refused_fields_come_back_with_400_and_messages_in_place(staff_browser, scene, make_enterprise):
    browser, token = staff_browser
    pending = make_enterprise(name="대기 기업", status=ApprovalStatus.PENDING)
    svg = (io.BytesIO(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'), "logo.png")
    response = browser.post("/admin/collaborations/new", content_type="multipart/form-data", data={
        "csrf_token": token, **collab_form(scene, title="", enterprise_id=str(pending.id), year="2030",
                                           before_image=svg, after_alt="")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    text = words(response)
    assert "입력 내용을 다시 확인해 주세요" in text
    assert "제목을(를) 입력해 주세요." in text and "승인된 입점기업을 골라 주세요." in text
    assert f"2015년부터 {YEAR}년 사이로" in text and "SVG 파일은 올릴 수 없습니다" in text
    assert "새 포장 이미지 설명(대체 텍스트)을 입력해 주세요" in text
    assert 'id="before_image-error"' in html and 'aria-invalid="true"' in html
    assert "대기 기업" not in html  # only approved enterprises are offered
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArtCollaboration)) == 0


def test_the_edit_page_saves_and_keeps_images_when_none_are_sent(staff_browser, scene):
    browser, token = staff_browser
    collab = new_collab(scene)
    before_path = collab.before_image_path
    page = browser.get(f"/admin/collaborations/{collab.id}")
    assert page.status_code == 200 and 'value="골목 쿠키 상자"' in page.get_data(as_text=True)
    form = collab_form(scene, title="쿠키 상자의 새 옷", before_image=(io.BytesIO(b""), ""),
                       after_image=(io.BytesIO(b""), ""))
    response = browser.post(f"/admin/collaborations/{collab.id}", data={"csrf_token": token, **form},
                            content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(ArtCollaboration, collab.id)
    assert saved.title == "쿠키 상자의 새 옷" and saved.before_image_path == before_path
    history = words(browser.get(f"/admin/collaborations/{collab.id}"))
    assert "아트콜라보 저장" in history and "제목: 쿠키 상자의 새 옷" in history


def test_products_are_linked_and_unlinked_and_other_enterprises_refused(staff_browser, scene):
    browser, token = staff_browser
    _, _, cookies, soap, _ = scene
    collab = new_collab(scene)
    page = browser.get(f"/admin/collaborations/{collab.id}").get_data(as_text=True)
    assert f'<option value="{cookies.id}">우리밀 쿠키 선물상자</option>' in page and "천연 비누" not in page

    refused = browser.post(f"/admin/collaborations/{collab.id}/products",
                           data={"csrf_token": token, "product_id": str(soap.id)})
    assert refused.status_code == 400
    assert "'천연 비누'은(는) 햇살 베이커리 협동조합의 상품이 아닙니다." in words(refused)

    nothing = browser.post(f"/admin/collaborations/{collab.id}/products", data={"csrf_token": token, "product_id": ""})
    assert nothing.status_code == 400 and "연결할 상품을 골라 주세요." in words(nothing)

    added = browser.post(f"/admin/collaborations/{collab.id}/products",
                         data={"csrf_token": token, "product_id": str(cookies.id)})
    assert added.status_code == 303 and added.headers["Location"].endswith("#products")
    assert [p.id for p in db.session.get(ArtCollaboration, collab.id).products] == [cookies.id]

    removed = browser.post(f"/admin/collaborations/{collab.id}/products/{cookies.id}/remove",
                           data={"csrf_token": token})
    assert removed.status_code == 303
    db.session.expire_all()
    assert db.session.get(ArtCollaboration, collab.id).products == []
    assert "'우리밀 쿠키 선물상자'을(를) 연결에서 뺐습니다." in words(browser.get(removed.headers["Location"]))


def test_publish_is_refused_with_every_reason_then_done(staff_browser, scene, client):
    browser, token = staff_browser
    _, _, cookies, _, _ = scene
    bare = new_collab(scene, before_image=None, after_image=None, before_alt="", after_alt="")
    refused = browser.post(f"/admin/collaborations/{bare.id}/publish", data={"csrf_token": token})
    assert refused.status_code == 400
    text = words(refused)
    assert "아직 공개할 수 없습니다." in text
    assert "이전 포장 이미지를 올려야 공개할 수 있습니다." in text and "새 포장 이미지를 올려야 공개할 수 있습니다." in text
    assert "새 포장을 입은 상품을 한 개 이상 연결해야 공개할 수 있습니다." in text

    ready = new_collab(scene, title="준비된 협업", product_ids=(cookies.id,))
    assert client.get(f"/art-collabs/{ready.slug}").status_code == 404
    done = browser.post(f"/admin/collaborations/{ready.id}/publish", data={"csrf_token": token})
    assert done.status_code == 303
    page = browser.get(done.headers["Location"])
    assert "'준비된 협업'을(를) 공개했습니다." in words(page) and "공개 중" in words(page)
    assert client.get(f"/art-collabs/{ready.slug}").status_code == 200

    hidden = browser.post(f"/admin/collaborations/{ready.id}/unpublish", data={"csrf_token": token})
    assert hidden.status_code == 303 and client.get(f"/art-collabs/{ready.slug}").status_code == 404
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.subject_type == "collaboration",
                                                                    AuditEntry.subject_id == ready.id)
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["collaboration.saved", "collaboration.published", "collaboration.unpublished"]


def test_staff_create_and_edit_an_artist(staff_browser, scene):
    browser, token = staff_browser
    assert browser.get("/admin/artists/new").status_code == 200
    refused = browser.post("/admin/artists/new", data={"csrf_token": token, "name": "", "link": "www.example.kr"})
    assert refused.status_code == 400
    assert "작가 이름을(를) 입력해 주세요." in words(refused) and "http:// 또는 https://" in words(refused)

    created = browser.post("/admin/artists/new", content_type="multipart/form-data", data={
        "csrf_token": token, "name": "박민화", "bio": "민화를 그립니다.", "link": "https://example.kr/park",
        "photo": (io.BytesIO(image_bytes("PNG")), "park.png")})
    assert created.status_code == 303 and created.headers["Location"].endswith("/admin/collaborations#artists")
    artist = db.session.scalar(sa.select(Artist).where(Artist.name == "박민화"))
    assert artist.photo_path.startswith("art/") and artist.link == "https://example.kr/park"

    page = browser.get(f"/admin/artists/{artist.id}")
    assert page.status_code == 200 and 'alt="작가 박민화 사진"' in page.get_data(as_text=True)
    edited = browser.post(f"/admin/artists/{artist.id}", data={"csrf_token": token, "name": "박민화", "bio": "",
                                                               "link": "", "remove_photo": "y"})
    assert edited.status_code == 303
    db.session.expire_all()
    artist = db.session.get(Artist, artist.id)
    assert (artist.bio, artist.link, artist.photo_path) == ("", None, None)
    assert "작가 '박민화'의 정보를 저장했습니다." in words(browser.get(edited.headers["Location"]))


def test_unknown_ids_are_404(staff_browser, scene):
    browser, token = staff_browser
    collab = new_collab(scene)
    for url in ("/admin/collaborations/999", "/admin/artists/999"):
        assert browser.get(url).status_code == 404
        assert browser.post(url, data={"csrf_token": token}).status_code == 404
    for url in ("/admin/collaborations/999/publish", "/admin/collaborations/999/unpublish",
                "/admin/collaborations/999/products", "/admin/collaborations/999/products/1/remove"):
        assert browser.post(url, data={"csrf_token": token}).status_code == 404
    unlinked = browser.post(f"/admin/collaborations/{collab.id}/products/{scene[2].id}/remove",
                            data={"csrf_token": token})
    assert unlinked.status_code == 400 and "연결된 상품이 아닙니다" in words(unlinked)


def test_posts_without_a_csrf_token_change_nothing(staff_browser, scene):
    browser, _ = staff_browser
    collab = new_collab(scene, product_ids=(scene[2].id,))
    assert browser.post(f"/admin/collaborations/{collab.id}/publish").status_code == 400
    assert browser.post("/admin/artists/new", data={"name": "토큰없음"}).status_code == 400
    db.session.expire_all()
    assert not db.session.get(ArtCollaboration, collab.id).is_published
    assert db.session.scalar(sa.select(Artist).where(Artist.name == "토큰없음")) is None


def test_only_staff_get_in(app, scene, make_user):
    collab = new_collab(scene)
    seller = make_user(Role.ENTERPRISE, enterprise=scene[1])
    with app.app_context():
        browser, token = signed_in(app, seller)
        assert browser.get("/admin/collaborations").status_code == 403
        assert browser.post(f"/admin/collaborations/{collab.id}/publish", data={"csrf_token": token}).status_code == 403
    with app.app_context():
        response = app.test_client().get(f"/admin/collaborations/{collab.id}")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_form_needs_a_csrf_token_on_the_page(staff_browser, scene):
    browser, _ = staff_browser
    collab = new_collab(scene)
    for url in ("/admin/collaborations/new", f"/admin/collaborations/{collab.id}", "/admin/artists/new"):
        assert csrf_from(browser.get(url).get_data(as_text=True))
