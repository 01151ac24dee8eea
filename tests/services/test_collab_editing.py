"""Staff run art collaborations: artists with a checked link and photo; collaborations with an approved
enterprise, a year in range, sanitised story and checked before/after images with alt text; only that
enterprise's products; publishing needs both images and a product on sale; every change is audited."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.audit.models import AuditEntry
from shop.catalog.models import ProductStatus
from shop.core import storage
from shop.core.korea import kst_today
from shop.curation import collab_editing as collabs
from shop.curation import services as curation
from shop.curation.collab_editing import ArtistInput, CollabError, CollabInput, CollabInvalid, CollabNotFound
from shop.curation.models import ArtCollaboration, Artist
from shop.extensions import db
from shop.models_base import ApprovalStatus
from tests.services.test_storage import image_bytes

THIS_YEAR = kst_today().year
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def staff(make_user):
    return make_user(Role.ADMIN, name="지원센터 담당")


@pytest.fixture
def bakery(make_enterprise):
    return make_enterprise(name="햇살 베이커리 협동조합")


@pytest.fixture
def cookies(make_product, bakery):
    return make_product(name="우리밀 쿠키 선물상자", enterprise=bakery)


@pytest.fixture
def artist(staff):
    return collabs.create_artist(ArtistInput(name="김그림", bio="망원동의 일러스트레이터",
                                             link="https://example.kr/kim"), staff)


def collab_input(artist, enterprise, **changes) -> CollabInput:
    values = {"title": "골목 가게를 입은 쿠키 상자", "artist_id": str(artist.id), "enterprise_id": str(enterprise.id),
              "year": str(THIS_YEAR - 1), "summary": "망원동 골목 풍경을 그린 선물 상자",
              "story": "작가가 석 달 동안 작업장을 오갔습니다.\n\n<b>그림</b>은 골목에서 왔습니다.",
              "before_image": image_bytes("PNG"), "before_alt": "상표 스티커만 붙은 갈색 상자",
              "after_image": image_bytes("JPEG"), "after_alt": "골목 풍경 그림으로 덮인 상자"}
    return CollabInput(**{**values, **changes})


def audit_actions(subject_type: str, subject_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id).order_by(AuditEntry.id)))


def fresh(collab) -> ArtCollaboration:
    db.session.expire_all()
    return db.session.get(ArtCollaboration, collab.id)


# --- artists ----------------------------------------------------------------------------------------


def test_an_artist_is_saved_with_an_audit_entry(staff, artist):
    assert (artist.name, artist.bio, artist.link) == ("김그림", "망원동의 일러스트레이터", "https://example.kr/kim")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.subject_type == "artist"))
    assert entry.action == "artist.saved" and entry.subject_id == artist.id and entry.actor_id == staff.id
    assert entry.subject_label == "작가 김그림" and entry.after["이름"] == "김그림"


def test_artist_fields_are_checked_all_at_once(staff):
    with pytest.raises(CollabInvalid) as refused:
        collabs.create_artist(ArtistInput(name="", link="javascript:alert(1)", photo=SVG), staff)
    errors = refused.value.errors
    assert errors["name"] == "작가 이름을(를) 입력해 주세요."
    assert "http:// 또는 https://" in errors["link"]
    assert "SVG 파일은 올릴 수 없습니다" in errors["photo"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Artist)) == 0


@pytest.mark.parametrize("link", ["ftp://example.kr/a", "example.kr", "https://", "https://exa mple.kr",
                                  "data:text/html,hi"])
def test_artist_link_must_be_a_web_address(staff, link):
    with pytest.raises(CollabInvalid) as refused:
        collabs.create_artist(ArtistInput(name="이작가", link=link), staff)
    assert set(refused.value.errors) == {"link"}


def test_artist_name_is_at_most_60_characters(staff):
    with pytest.raises(CollabInvalid) as refused:
        collabs.create_artist(ArtistInput(name="가" * 61), staff)
    assert "60자 이하" in refused.value.errors["name"]
    assert collabs.create_artist(ArtistInput(name="가" * 60), staff).name == "가" * 60


def test_artist_photo_is_reencoded_and_replaced_and_removed(app, staff, artist):
    jpeg_with_comment = image_bytes("JPEG", comment=b"secret camera note")
    saved = collabs.update_artist(artist.id, ArtistInput(name="김그림", photo=io.BytesIO(jpeg_with_comment)), staff)
    first = saved.photo_path
    assert first.startswith("art/") and first.endswith(".webp") and storage.exists(first)
    assert b"secret camera note" not in storage.resolve(first).read_bytes()

    second = collabs.update_artist(artist.id, ArtistInput(name="김그림", photo=image_bytes("PNG")), staff).photo_path
    assert second != first and storage.exists(second) and not storage.exists(first)

    collabs.update_artist(artist.id, ArtistInput(name="김그림", remove_photo=True), staff)
    assert db.session.get(Artist, artist.id).photo_path is None and not storage.exists(second)
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.subject_type == "artist")
                                 .order_by(AuditEntry.id)).all()
    assert [e.after.get("사진") for e in entries[1:]] == ["새 사진", "새 사진", "없음"]
    assert entries[1].before["소개"] == "망원동의 일러스트레이터" and entries[1].after["소개"] == ""


def test_unknown_artist_is_not_found(staff):
    with pytest.raises(CollabNotFound):
        collabs.update_artist(999, ArtistInput(name="없는 작가"), staff)


# --- collaborations ---------------------------------------------------------------------------------


def test_a_collaboration_is_created_unpublished_with_sanitised_story_and_images(staff, artist, bakery):
    collab = collabs.create_collaboration(collab_input(artist, bakery, story="<p>좋아요</p><script>x()</script>"), staff)
    assert collab.slug == "골목-가게를-입은-쿠키-상자" and not collab.is_published
    assert collab.story_html == "<p>좋아요</p>"
    assert storage.exists(collab.before_image_path) and storage.exists(collab.after_image_path)
    assert collab.before_image_alt == "상표 스티커만 붙은 갈색 상자"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.subject_type == "collaboration"))
    assert entry.action == "collaboration.saved" and entry.before is None
    assert entry.after["작가"] == "김그림" and entry.after["기업"] == "햇살 베이커리 협동조합"
    assert entry.after["이전 포장 이미지"] == "새 이미지" and entry.after["연도"] == f"{THIS_YEAR - 1}년"


def test_plain_text_story_becomes_paragraphs(staff, artist, bakery):
    collab = collabs.create_collaboration(collab_input(artist, bakery, story="첫 문단\n\n둘째 <문단>"), staff)
    assert collab.story_html == "<p>첫 문단</p><p>둘째 &lt;문단&gt;</p>"


def test_slugs_are_unique(staff, artist, bakery):
    first = collabs.create_collaboration(collab_input(artist, bakery), staff)
    second = collabs.create_collaboration(collab_input(artist, bakery), staff)
    assert (first.slug, second.slug) == ("골목-가게를-입은-쿠키-상자", "골목-가게를-입은-쿠키-상자-2")


def test_every_collaboration_field_is_checked_at_once(staff, artist, make_enterprise):
    pending = make_enterprise(status=ApprovalStatus.PENDING)
    with pytest.raises(CollabInvalid) as refused:
        collabs.create_collaboration(CollabInput(
            title="", artist_id="999", enterprise_id=str(pending.id), year="2014", story="가" * 20_001,
            before_image=SVG, before_alt="", after_image=b"GIF89a not really", after_alt="새"), staff)
    errors = refused.value.errors
    assert set(errors) == {"title", "artist_id", "enterprise_id", "year", "story", "before_image", "before_alt",
                           "after_image", "after_alt"}
    assert errors["enterprise_id"] == "승인된 입점기업을 골라 주세요."
    assert errors["year"] == f"협업 연도는 2015년부터 {THIS_YEAR}년 사이로 입력해 주세요."
    assert "SVG 파일은 올릴 수 없습니다" in errors["before_image"]
    assert "JPG, PNG, WebP 이미지만" in errors["after_image"]
    assert "대체 텍스트" in errors["before_alt"] and "2자 이상" in errors["after_alt"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArtCollaboration)) == 0


@pytest.mark.parametrize("year, ok", [("2015", True), (str(THIS_YEAR), True), (f"{THIS_YEAR}년", True),
                                      (str(THIS_YEAR + 1), False), ("2014", False), ("이천이십", False), ("", False)])
def test_year_is_between_2015_and_this_year(staff, artist, bakery, year, ok):
    data = collab_input(artist, bakery, year=year, before_image=None, after_image=None, before_alt="", after_alt="")
    if ok:
        assert collabs.create_collaboration(data, staff).year == int(year.removesuffix("년"))
    else:
        with pytest.raises(CollabInvalid) as refused:
            collabs.create_collaboration(data, staff)
        assert set(refused.value.errors) == {"year"}


def test_a_fake_image_is_refused_and_nothing_is_stored(app, staff, artist, bakery):
    art = storage.upload_root() / "art"
    files_before = set(art.iterdir()) if art.exists() else set()
    renamed_text = b"\x89PNG\r\n\x1a\n" + b"this is not a picture" * 10
    with pytest.raises(CollabInvalid) as refused:
        collabs.create_collaboration(collab_input(artist, bakery, after_image=renamed_text), staff)
    assert set(refused.value.errors) == {"after_image"}
    assert "새 포장 이미지:" in refused.value.errors["after_image"]
    assert (set(art.iterdir()) if art.exists() else set()) == files_before


def test_a_collaboration_with_another_enterprises_product_is_refused(staff, artist, bakery, make_product,
                                                                    make_enterprise):
    rivals_soap = make_product(name="천연 비누", enterprise=make_enterprise(name="숲속 비누"))
    with pytest.raises(CollabInvalid) as refused:
        collabs.create_collaboration(collab_input(artist, bakery, product_ids=(rivals_soap.id,)), staff)
    assert refused.value.errors["products"] == ("'천연 비누'은(는) 햇살 베이커리 협동조합의 상품이 아닙니다. "
                                                "협업한 기업의 상품만 연결할 수 있습니다.")
    collab = collabs.create_collaboration(collab_input(artist, bakery), staff)
    with pytest.raises(CollabError) as refused_add:
        collabs.add_product(collab.id, rivals_soap.id, staff)
    assert refused_add.value.field == "products" and fresh(collab).products == []


def test_draft_products_cannot_be_linked(staff, artist, bakery, make_product):
    draft = make_product(name="작성 중 쿠키", enterprise=bakery, status=ProductStatus.DRAFT)
    collab = collabs.create_collaboration(collab_input(artist, bakery), staff)
    with pytest.raises(CollabError, match="작성 중 상태라 연결할 수 없습니다"):
        collabs.add_product(collab.id, draft.id, staff)
    assert draft not in collabs.linkable_products(fresh(collab))


def test_products_are_added_and_removed_with_audit_entries(staff, artist, bakery, cookies, make_product):
    jam = make_product(name="딸기잼", enterprise=bakery)
    collab = collabs.create_collaboration(collab_input(artist, bakery, product_ids=(cookies.id,)), staff)
    assert [p.name for p in collabs.linkable_products(fresh(collab))] == ["딸기잼"]
    collabs.add_product(collab.id, jam.id, staff)
    assert {p.name for p in fresh(collab).products} == {"우리밀 쿠키 선물상자", "딸기잼"}
    with pytest.raises(CollabError, match="이미 연결되어 있습니다"):
        collabs.add_product(collab.id, jam.id, staff)
    collabs.remove_product(collab.id, cookies.id, staff)
    assert [p.name for p in fresh(collab).products] == ["딸기잼"]
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.subject_type == "collaboration",
                                                             AuditEntry.subject_id == collab.id)
                                 .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["collaboration.saved"] * 3
    assert entries[1].before == {"상품": "우리밀 쿠키 선물상자"} and entries[1].after == {"상품": "딸기잼, 우리밀 쿠키 선물상자"}
    assert entries[2].after == {"상품": "딸기잼"}


def test_editing_changes_fields_keeps_images_and_audits_only_what_changed(staff, artist, bakery):
    collab = collabs.create_collaboration(collab_input(artist, bakery), staff)
    before_path = collab.before_image_path
    collabs.update_collaboration(collab.id, collab_input(artist, bakery, title="쿠키 상자의 새 옷", before_image=None,
                                                         after_image=None), staff)
    changed = fresh(collab)
    assert changed.title == "쿠키 상자의 새 옷" and changed.slug == "쿠키-상자의-새-옷"
    assert changed.before_image_path == before_path
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.before == {"제목": "골목 가게를 입은 쿠키 상자"} and entry.after == {"제목": "쿠키 상자의 새 옷"}


def test_a_new_image_replaces_the_old_file(app, staff, artist, bakery):
    collab = collabs.create_collaboration(collab_input(artist, bakery), staff)
    old = collab.after_image_path
    collabs.update_collaboration(collab.id, collab_input(artist, bakery, before_image=None,
                                                         after_image=image_bytes("WEBP")), staff)
    new = fresh(collab).after_image_path
    assert new != old and storage.exists(new) and not storage.exists(old)
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.before == {"새 포장 이미지": "있음"} and entry.after == {"새 포장 이미지": "새 이미지"}


def test_alt_text_is_required_for_an_image_already_there(staff, artist, bakery):
    collab = collabs.create_collaboration(collab_input(artist, bakery), staff)
    with pytest.raises(CollabInvalid) as refused:
        collabs.update_collaboration(collab.id, collab_input(artist, bakery, before_image=None, after_image=None,
                                                             before_alt=" "), staff)
    assert set(refused.value.errors) == {"before_alt"}


def test_changing_the_enterprise_needs_the_linked_products_removed_first(staff, artist, bakery, cookies,
                                                                          make_enterprise):
    other = make_enterprise(name="숲속 비누")
    collab = collabs.create_collaboration(collab_input(artist, bakery, product_ids=(cookies.id,)), staff)
    with pytest.raises(CollabInvalid) as refused:
        collabs.update_collaboration(collab.id, collab_input(artist, other, before_image=None, after_image=None),
                                     staff)
    assert "연결된 상품을 먼저 빼 주세요" in refused.value.errors["enterprise_id"]
    collabs.remove_product(collab.id, cookies.id, staff)
    collabs.update_collaboration(collab.id, collab_input(artist, other, before_image=None, after_image=None), staff)
    assert fresh(collab).enterprise_id == other.id


def test_a_suspended_enterprise_may_stay_but_not_be_chosen(staff, artist, bakery, make_enterprise):
    collab = collabs.create_collaboration(collab_input(artist, bakery), staff)
    bakery.status = ApprovalStatus.SUSPENDED
    db.session.commit()
    collabs.update_collaboration(collab.id, collab_input(artist, bakery, summary="바뀐 소개", before_image=None,
                                                         after_image=None), staff)
    assert fresh(collab).summary == "바뀐 소개"
    with pytest.raises(CollabInvalid):
        collabs.create_collaboration(collab_input(artist, bakery), staff)


# --- publishing -------------------------------------------------------------------------------------


def test_publishing_needs_both_images_and_a_product_on_sale(staff, artist, bakery, cookies, make_product):
    bare = collabs.create_collaboration(collab_input(artist, bakery, before_image=None, after_image=None,
                                                     before_alt="", after_alt=""), staff)
    with pytest.raises(CollabInvalid) as refused:
        collabs.publish(bare.id, staff)
    assert refused.value.errors == {
        "before_image": "이전 포장 이미지를 올려야 공개할 수 있습니다.",
        "after_image": "새 포장 이미지를 올려야 공개할 수 있습니다.",
        "products": "새 포장을 입은 상품을 한 개 이상 연결해야 공개할 수 있습니다.",
    }
    hidden = make_product(name="숨긴 쿠키", enterprise=bakery, status=ProductStatus.HIDDEN)
    collab = collabs.create_collaboration(collab_input(artist, bakery, product_ids=(hidden.id,)), staff)
    with pytest.raises(CollabInvalid, match="판매 중인 상품이 없습니다"):
        collabs.publish(collab.id, staff)
    assert not fresh(collab).is_published and curation.get_published_art_collab(collab.slug) is None
    assert audit_actions("collaboration", collab.id) == ["collaboration.saved"]


def test_publish_and_unpublish_show_and_hide_it_on_the_storefront(staff, artist, bakery, cookies):
    collab = collabs.create_collaboration(collab_input(artist, bakery, product_ids=(cookies.id,)), staff)
    assert curation.get_published_art_collab(collab.slug) is None
    assert collab not in curation.list_art_collabs()
    assert collabs.publish(collab.id, staff) is True
    assert collabs.publish(collab.id, staff) is False  # a second click changes nothing
    shown = curation.get_published_art_collab(collab.slug)
    assert shown is not None and [p.name for p in curation.art_collab_products(shown, kst_today()).items] == [
        "우리밀 쿠키 선물상자"]
    assert collabs.unpublish(collab.id, staff) is True and collabs.unpublish(collab.id, staff) is False
    assert curation.get_published_art_collab(collab.slug) is None
    assert audit_actions("collaboration", collab.id) == [
        "collaboration.saved", "collaboration.published", "collaboration.unpublished"]


def test_a_published_collaboration_keeps_its_slug_and_a_product_on_sale(staff, artist, bakery, cookies):
    collab = collabs.create_collaboration(collab_input(artist, bakery, product_ids=(cookies.id,)), staff)
    collabs.publish(collab.id, staff)
    collabs.update_collaboration(collab.id, collab_input(artist, bakery, title="새 제목", before_image=None,
                                                         after_image=None), staff)
    assert fresh(collab).slug == "골목-가게를-입은-쿠키-상자"
    with pytest.raises(CollabError, match="먼저 비공개로 바꿔 주세요|비공개로 바꿔 주세요"):
        collabs.remove_product(collab.id, cookies.id, staff)
    assert [p.id for p in fresh(collab).products] == [cookies.id]
    with pytest.raises(CollabError, match="비공개로 바꿔 주세요"):
        collabs.update_collaboration(collab.id, collab_input(artist, bakery, before_image=None, after_image=None,
                                                             product_ids=()), staff)


def test_unknown_collaboration_is_not_found(staff, artist, bakery):
    for action in (lambda: collabs.publish(999, staff), lambda: collabs.unpublish(999, staff),
                   lambda: collabs.add_product(999, 1, staff), lambda: collabs.remove_product(999, 1, staff),
                   lambda: collabs.update_collaboration(999, collab_input(artist, bakery), staff)):
        with pytest.raises(CollabNotFound):
            action()


def test_staff_list_has_every_collaboration_with_its_artist_and_enterprise(staff, artist, bakery, make_art_collab):
    mine = collabs.create_collaboration(collab_input(artist, bakery, year="2016"), staff)
    seeded = make_art_collab(title="시드 협업", year=THIS_YEAR, is_published=True)
    listed = collabs.list_for_staff()
    assert [c.id for c in listed] == [seeded.id, mine.id]
    assert listed[1].artist.name == "김그림" and listed[1].enterprise.name == "햇살 베이커리 협동조합"


def test_an_upload_is_removed_again_when_the_save_is_refused_inside_the_transaction(app, staff, artist, bakery,
                                                                                   cookies):
    collab = collabs.create_collaboration(collab_input(artist, bakery, product_ids=(cookies.id,)), staff)
    collabs.publish(collab.id, staff)
    art = storage.upload_root() / "art"
    files_before = set(art.iterdir())
    with pytest.raises(CollabError):
        collabs.update_collaboration(collab.id, collab_input(artist, bakery, product_ids=()), staff)
    assert set(art.iterdir()) == files_before
    assert storage.exists(fresh(collab).before_image_path)
