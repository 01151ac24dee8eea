"""Staff run exhibitions (기획전): every field is checked at once with a Korean message, products are curated
in a contiguous order, special prices sit strictly below the regular price, only published exhibitions
with products go public, and their prices apply — the lowest of several — only while they run, in the cart
and in the order. Every change leaves an audit entry with what was before and after."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.audit.models import AuditEntry
from shop.cart import services as carts
from shop.catalog.models import ProductStatus
from shop.core import storage
from shop.core.korea import kst_today
from shop.curation import editing
from shop.curation.editing import ExhibitionDetails, ExhibitionError, ExhibitionInvalid, ExhibitionNotFound
from shop.curation.models import Exhibition, ExhibitionPrice, OrganizerType
from shop.extensions import db
from shop.models_base import ApprovalStatus
from shop.orders import services as orders
from tests.services.order_helpers import SEOUL, new_key
from tests.services.test_storage import image_bytes

TODAY = kst_today()
DAY = timedelta(days=1)


@pytest.fixture
def staff(make_user):
    return make_user(Role.ADMIN, name="센터담당")


@pytest.fixture
def buyer(make_user):
    return make_user(Role.CONSUMER, name="이구매")


def details(**changes) -> ExhibitionDetails:
    values = {
        "title": "마포구 공공구매 기획전", "organizer_type": "district", "organizer_name": "마포구",
        "kind": "public_procurement", "starts_on": (TODAY - DAY).isoformat(), "ends_on": (TODAY + 14 * DAY).isoformat(),
        "summary": "마포구 부서가 바로 살 수 있는 제품", "description": "마포의 사회적경제기업 제품을 모았습니다.",
    }
    values.update(changes)
    return ExhibitionDetails(**values)


def fresh(exhibition_id: int) -> Exhibition:
    db.session.expire_all()
    return db.session.get(Exhibition, exhibition_id)


def new_exhibition(staff, products=(), *, publish=False, today=None, **changes) -> Exhibition:
    exhibition = editing.create_exhibition(details(**changes), staff, today=today)
    for product in products:
        editing.add_product(exhibition.id, product.id, staff)
    if publish:
        editing.publish(exhibition.id, staff)
    return fresh(exhibition.id)


def audit_entries(exhibition_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.subject_type == "exhibition", AuditEntry.subject_id == exhibition_id).order_by(AuditEntry.id)))


def refused(call) -> dict[str, str]:
    with pytest.raises(ExhibitionInvalid) as caught:
        call()
    return caught.value.errors


def order_of(exhibition: Exhibition) -> list[tuple[int, int]]:
    return [(item.position, item.product_id) for item in fresh(exhibition.id).items]


def stored_banners() -> set[str]:
    folder = storage.upload_root() / editing.BANNER_FOLDER
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


# --- creating and editing ------------------------------------------------------------------------


def test_a_new_exhibition_is_unpublished_with_a_slug_from_its_title_and_an_audit_entry(staff):
    exhibition = new_exhibition(staff)
    assert exhibition.title == "마포구 공공구매 기획전" and exhibition.slug == "마포구-공공구매-기획전"
    assert exhibition.organizer_type is OrganizerType.DISTRICT and exhibition.organizer_name == "마포구"
    assert (exhibition.starts_on, exhibition.ends_on) == (TODAY - DAY, TODAY + 14 * DAY)
    assert exhibition.is_published is False and exhibition.items == [] and exhibition.banner_path is None
    [entry] = audit_entries(exhibition.id)
    assert entry.action == "exhibition.created" and entry.actor_id == staff.id and entry.before is None
    assert entry.after["title"] == "마포구 공공구매 기획전" and entry.after["organizer"] == "마포구 (자치구)"
    assert entry.after["period"] == f"{TODAY - DAY:%Y.%m.%d} ~ {TODAY + 14 * DAY:%Y.%m.%d}"


def test_every_refused_field_is_named_at_once_and_nothing_is_saved(staff):
    errors = refused(lambda: editing.create_exhibition(
        details(title=" ", organizer_type="mayor", kind="", starts_on="어제", ends_on="", summary="가" * 301,
                banner_alt="가" * 201), staff))
    assert set(errors) == {"title", "organizer_type", "kind", "starts_on", "ends_on", "summary", "banner_alt"}
    assert errors["title"] == "기획전 제목을 입력해 주세요."
    assert errors["organizer_type"] == "주최 구분을 골라 주세요."
    assert "2026-03-01처럼" in errors["starts_on"] and errors["ends_on"] == "종료일을 입력해 주세요."
    assert "300자 이하" in errors["summary"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Exhibition)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_a_title_is_at_most_120_characters(staff):
    errors = refused(lambda: editing.create_exhibition(details(title="가" * 121), staff))
    assert errors == {"title": "기획전 제목은 120자 이하로 입력해 주세요. (지금 121자)"}
    assert new_exhibition(staff, title="가" * 120).title == "가" * 120


@pytest.mark.parametrize(("kind", "typed", "saved"), [
    ("district", "서울시 마포구", "마포구"),
    ("district", "서울특별시 성동구", "성동구"),
    ("city", "", "서울특별시"),
    ("center", "", "서울시사회적경제지원센터"),
    ("public_body", "서울주택도시공사", "서울주택도시공사"),
])
def test_the_organizer_is_a_seoul_district_a_public_body_the_city_or_the_center(staff, kind, typed, saved):
    assert new_exhibition(staff, organizer_type=kind, organizer_name=typed).organizer_name == saved


@pytest.mark.parametrize(("kind", "typed", "message"), [
    ("district", "강남", "주최 자치구를 '마포구'처럼 서울의 구 이름으로 입력해 주세요."),
    ("district", "", "주최 자치구를 '마포구'처럼 서울의 구 이름으로 입력해 주세요."),
    ("public_body", "", "주최 기관 이름을 입력해 주세요. 예: 서울주택도시공사"),
])
def test_an_organizer_that_is_not_one_is_refused(staff, kind, typed, message):
    errors = refused(lambda: editing.create_exhibition(details(organizer_type=kind, organizer_name=typed), staff))
    assert errors == {"organizer_name": message}


def test_the_period_is_ordered_and_does_not_end_before_today_in_korea(staff):
    errors = refused(lambda: editing.create_exhibition(
        details(starts_on=(TODAY + 5 * DAY).isoformat(), ends_on=(TODAY + 4 * DAY).isoformat()), staff))
    assert errors == {"ends_on": "종료일은 시작일과 같거나 그 뒤여야 합니다."}
    errors = refused(lambda: editing.create_exhibition(
        details(starts_on=(TODAY - 9 * DAY).isoformat(), ends_on=(TODAY - DAY).isoformat()), staff))
    assert errors == {"ends_on": f"종료일이 이미 지났습니다. 오늘({TODAY:%Y.%m.%d})이나 그 뒤 날짜를 입력해 주세요."}
    one_day = new_exhibition(staff, starts_on=TODAY.isoformat(), ends_on=TODAY.isoformat())
    assert one_day.starts_on == one_day.ends_on == TODAY
    typed = new_exhibition(staff, starts_on=f"{TODAY:%Y.%m.%d}", ends_on=f"{TODAY + DAY:%Y/%m/%d}")
    assert (typed.starts_on, typed.ends_on) == (TODAY, TODAY + DAY)


def test_an_exhibition_that_has_ended_can_still_be_edited_without_moving_its_period(staff):
    starts, ends = TODAY - 30 * DAY, TODAY - 10 * DAY
    past = new_exhibition(staff, starts_on=starts.isoformat(), ends_on=ends.isoformat(), today=starts)
    assert editing.update_exhibition(past.id, details(title="지난 기획전", starts_on=starts.isoformat(),
                                                      ends_on=ends.isoformat()), staff) is True
    assert fresh(past.id).title == "지난 기획전"
    errors = refused(lambda: editing.update_exhibition(
        past.id, details(starts_on=starts.isoformat(), ends_on=(ends + DAY).isoformat()), staff))
    assert set(errors) == {"ends_on"}


def test_slugs_are_unique_and_follow_the_title_until_the_exhibition_is_published(staff, make_product):
    first = new_exhibition(staff, title="명절 선물 기획전")
    second = new_exhibition(staff, title="명절 선물 기획전")
    assert (first.slug, second.slug) == ("명절-선물-기획전", "명절-선물-기획전-2")
    editing.update_exhibition(second.id, details(title="Holiday Gifts 2026"), staff)
    assert fresh(second.id).slug == "holiday-gifts-2026"
    editing.add_product(second.id, make_product().id, staff)
    editing.publish(second.id, staff)
    editing.update_exhibition(second.id, details(title="설 선물 기획전"), staff)
    assert (fresh(second.id).title, fresh(second.id).slug) == ("설 선물 기획전", "holiday-gifts-2026")


def test_the_description_is_sanitised_html_or_plain_paragraphs(staff):
    html = new_exhibition(staff, description='<p onclick="x()">좋은 <strong>선물</strong></p><script>alert(1)</script>')
    assert html.description_html == "<p>좋은 <strong>선물</strong></p>"
    plain = new_exhibition(staff, description="첫 문단\n\n둘째 <문단>")
    assert plain.description_html == "<p>첫 문단</p><p>둘째 &lt;문단&gt;</p>"


def test_an_edit_records_only_what_changed_and_nothing_when_nothing_did(staff):
    exhibition = new_exhibition(staff)
    assert editing.update_exhibition(exhibition.id, details(), staff) is False
    assert [e.action for e in audit_entries(exhibition.id)] == ["exhibition.created"]
    assert editing.update_exhibition(exhibition.id, details(kind="seasonal", summary="새 소개"), staff) is True
    entry = audit_entries(exhibition.id)[-1]
    assert entry.action == "exhibition.updated"
    assert entry.before == {"kind": "공공판로 기획전", "summary": "마포구 부서가 바로 살 수 있는 제품"}
    assert entry.after == {"kind": "시즌 기획전", "summary": "새 소개"}


def test_unknown_exhibitions_are_not_found(staff):
    with pytest.raises(ExhibitionNotFound):
        editing.update_exhibition(999, details(), staff)
    for call in (lambda: editing.add_product(999, 1, staff), lambda: editing.publish(999, staff),
                 lambda: editing.unpublish(999, staff), lambda: editing.remove_product(999, 1, staff),
                 lambda: editing.move_product(999, 1, 1, staff), lambda: editing.set_special_prices(999, 1, {}, staff)):
        with pytest.raises(ExhibitionNotFound):
            call()


# --- the banner ----------------------------------------------------------------------------------


def test_a_banner_is_checked_reencoded_and_described(staff):
    exhibition = editing.create_exhibition(details(banner_alt="마포구 공공구매 기획전 배너"), staff,
                                           banner=image_bytes("PNG", size=(1200, 400)))
    assert exhibition.banner_path.startswith("exhibitions/") and exhibition.banner_path.endswith(".webp")
    assert storage.exists(exhibition.banner_path) and exhibition.banner_alt == "마포구 공공구매 기획전 배너"
    assert audit_entries(exhibition.id)[0].after["banner"] == exhibition.banner_path


def test_a_banner_without_alt_text_or_that_is_no_image_is_refused_and_leaves_no_file(staff):
    before = stored_banners()
    errors = refused(lambda: editing.create_exhibition(details(banner_alt=""), staff, banner=image_bytes("PNG")))
    assert list(errors) == ["banner_alt"] and "대체 텍스트" in errors["banner_alt"]
    errors = refused(lambda: editing.create_exhibition(details(banner_alt="배너"), staff,
                                                       banner=b"<svg xmlns='http://www.w3.org/2000/svg'/>"))
    assert errors == {"banner": "SVG 파일은 올릴 수 없습니다. JPG, PNG, WebP 이미지로 저장해서 올려 주세요."}
    errors = refused(lambda: editing.create_exhibition(details(banner_alt="배너"), staff, banner=b"GIF89a not really"))
    assert "JPG, PNG, WebP 이미지만" in errors["banner"]
    assert stored_banners() == before


def test_a_kept_banner_keeps_needing_alt_text_and_replacing_or_removing_it_deletes_the_file(staff):
    exhibition = editing.create_exhibition(details(banner_alt="첫 배너"), staff, banner=image_bytes("JPEG"))
    first = exhibition.banner_path
    errors = refused(lambda: editing.update_exhibition(exhibition.id, details(banner_alt=""), staff))
    assert list(errors) == ["banner_alt"]
    editing.update_exhibition(exhibition.id, details(banner_alt="새 배너"), staff, banner=image_bytes("PNG"))
    second = fresh(exhibition.id).banner_path
    assert second != first and storage.exists(second) and not storage.exists(first)
    entry = audit_entries(exhibition.id)[-1]
    assert entry.before == {"banner": first, "banner_alt": "첫 배너"}
    assert entry.after == {"banner": second, "banner_alt": "새 배너"}
    editing.update_exhibition(exhibition.id, details(banner_alt=""), staff, remove_banner=True)
    assert (fresh(exhibition.id).banner_path, fresh(exhibition.id).banner_alt) == (None, "")
    assert not storage.exists(second)


# --- curated products ------------------------------------------------------------------------------


def test_only_active_products_of_approved_enterprises_can_be_added(staff, make_product, make_enterprise):
    exhibition = new_exhibition(staff)
    hidden = make_product(name="숨긴 잼", status=ProductStatus.HIDDEN)
    draft = make_product(name="작성 중 잼", status=ProductStatus.DRAFT)
    suspended = make_product(name="정지 기업 잼", enterprise=make_enterprise(status=ApprovalStatus.SUSPENDED))
    on_sale = make_product(name="딸기잼")
    cases = {
        hidden.id: "'숨긴 잼'은(는) 장터에서 판매 중인 상품이 아니어서 기획전에 넣을 수 없습니다. (숨김)",
        draft.id: "'작성 중 잼'은(는) 장터에서 판매 중인 상품이 아니어서 기획전에 넣을 수 없습니다. (작성 중)",
        suspended.id: "'정지 기업 잼'은(는) 장터에서 판매 중인 상품이 아니어서 기획전에 넣을 수 없습니다. (입점기업이 승인 상태가 아님)",
        999_999: "상품 번호 999999인 상품이 없습니다.",
        "잼": "추가할 상품 번호를 숫자로 입력하거나, 아래에서 상품을 검색해 골라 주세요.",
        "99999999999999": "추가할 상품 번호를 숫자로 입력하거나, 아래에서 상품을 검색해 골라 주세요.",
    }
    for product_id, message in cases.items():
        assert refused(lambda pid=product_id: editing.add_product(exhibition.id, pid, staff)) == {
            "product_id": message}
    assert editing.add_product(exhibition.id, f" #{on_sale.id} ", staff).id == on_sale.id
    assert refused(lambda: editing.add_product(exhibition.id, on_sale.id, staff)) == {
        "product_id": "'딸기잼'은(는) 이미 이 기획전에 있습니다."}
    assert order_of(exhibition) == [(0, on_sale.id)]


def test_search_offers_only_products_that_can_still_be_added(staff, make_product, make_enterprise):
    jam_co = make_enterprise(name="햇살 잼 협동조합")
    strawberry = make_product(name="딸기잼 300g", enterprise=jam_co)
    plum = make_product(name="매실청", enterprise=jam_co)
    make_product(name="숨긴 딸기잼", status=ProductStatus.HIDDEN)
    make_product(name="정지 기업 딸기잼", enterprise=make_enterprise(status=ApprovalStatus.SUSPENDED))
    exhibition = new_exhibition(staff)
    assert [p.id for p in editing.search_products("딸기", exhibition.id)] == [strawberry.id]
    assert {p.id for p in editing.search_products("햇살 잼", exhibition.id)} == {plum.id, strawberry.id}
    assert [p.id for p in editing.search_products(str(plum.id), exhibition.id)] == [plum.id]
    editing.add_product(exhibition.id, strawberry.id, staff)
    assert editing.search_products("딸기", exhibition.id) == []
    assert editing.search_products("  ", exhibition.id) == []
    assert editing.search_products("100%_", exhibition.id) == []


def test_positions_stay_contiguous_through_adding_moving_and_removing(staff, make_product):
    a, b, c, d = (make_product(name=name) for name in ("가", "나", "다", "라"))
    exhibition = new_exhibition(staff, [a, b, c, d])
    assert order_of(exhibition) == [(0, a.id), (1, b.id), (2, c.id), (3, d.id)]
    assert editing.move_product(exhibition.id, c.id, -1, staff) is True
    assert order_of(exhibition) == [(0, a.id), (1, c.id), (2, b.id), (3, d.id)]
    assert editing.move_product(exhibition.id, a.id, 1, staff) is True
    assert order_of(exhibition) == [(0, c.id), (1, a.id), (2, b.id), (3, d.id)]
    assert editing.move_product(exhibition.id, c.id, -1, staff) is False  # already first
    assert editing.move_product(exhibition.id, d.id, 1, staff) is False  # already last
    editing.remove_product(exhibition.id, a.id, staff)
    assert order_of(exhibition) == [(0, c.id), (1, b.id), (2, d.id)]
    e = make_product(name="마")
    editing.add_product(exhibition.id, e.id, staff)
    assert order_of(exhibition) == [(0, c.id), (1, b.id), (2, d.id), (3, e.id)]
    moves = [x for x in audit_entries(exhibition.id) if x.before and "position" in x.before]
    assert [(m.before["position"], m.after["position"]) for m in moves] == [("3번째", "2번째"), ("1번째", "2번째")]
    assert moves[0].subject_label.endswith("· 다")


def test_products_outside_the_exhibition_or_options_of_other_products_are_not_found(staff, make_product):
    inside, outside = make_product(), make_product()
    exhibition = new_exhibition(staff, [inside])
    for call in (lambda: editing.remove_product(exhibition.id, outside.id, staff),
                 lambda: editing.move_product(exhibition.id, outside.id, -1, staff),
                 lambda: editing.set_special_prices(exhibition.id, outside.id, {outside.variants[0].id: 1}, staff),
                 lambda: editing.set_special_prices(exhibition.id, inside.id, {outside.variants[0].id: 1}, staff)):
        with pytest.raises(ExhibitionNotFound):
            call()


# --- special prices ---------------------------------------------------------------------------------


def specials(exhibition: Exhibition) -> dict[int, int]:
    return editing.special_prices_of(fresh(exhibition.id))


def test_a_special_price_must_be_a_positive_whole_won_amount_below_the_regular_price(staff, make_product):
    jam = make_product(name="딸기잼", variants=[("300g", 10_000, 5), ("600g", 18_000, 5)])
    small, large = jam.variants
    exhibition = new_exhibition(staff, [jam])
    errors = refused(lambda: editing.set_special_prices(exhibition.id, jam.id, {small.id: "10,000", large.id: 18_500},
                                                        staff))
    assert errors == {
        f"special_{small.id}": "'300g' 특가(10,000원)는 정가 10,000원보다 낮아야 합니다. 특가를 두지 않으려면 칸을 비워 두세요.",
        f"special_{large.id}": "'600g' 특가(18,500원)는 정가 18,000원보다 낮아야 합니다. 특가를 두지 않으려면 칸을 비워 두세요.",
    }
    for typed in ("0", "-500", "9,000.5", "구천원", 0, -1, True):
        errors = refused(lambda raw=typed: editing.set_special_prices(exhibition.id, jam.id, {small.id: raw}, staff))
        assert errors[f"special_{small.id}"].startswith("'300g' 특가는 1원 이상의 원 단위 숫자로 입력해 주세요.")
    # one bad option keeps the good one from being saved too
    refused(lambda: editing.set_special_prices(exhibition.id, jam.id, {small.id: "9,000", large.id: "0"}, staff))
    assert specials(exhibition) == {}
    assert [e.action for e in audit_entries(exhibition.id)] == ["exhibition.created", "exhibition.updated"]


def test_special_prices_are_set_changed_and_cleared_each_with_an_audit_entry(staff, make_product):
    jam = make_product(name="딸기잼", variants=[("300g", 10_000, 5), ("600g", 18_000, 5)])
    small, large = jam.variants
    exhibition = new_exhibition(staff, [jam])
    assert editing.set_special_prices(exhibition.id, jam.id, {small.id: "9,000원", large.id: ""}, staff) == 1
    assert specials(exhibition) == {small.id: 9000}
    assert editing.set_special_prices(exhibition.id, jam.id, {small.id: "8500", large.id: 16_000}, staff) == 2
    assert specials(exhibition) == {small.id: 8500, large.id: 16000}
    assert editing.set_special_prices(exhibition.id, jam.id, {small.id: "8,500", large.id: 16_000}, staff) == 0
    assert editing.set_special_prices(exhibition.id, jam.id, {small.id: " ", large.id: None}, staff) == 2
    assert specials(exhibition) == {}
    prices = [(e.subject_label, e.before, e.after) for e in audit_entries(exhibition.id) if e.action == "exhibition.price"]
    assert prices == [
        ("마포구 공공구매 기획전 · 딸기잼 · 300g", {"special_price_krw": None}, {"special_price_krw": 9000}),
        ("마포구 공공구매 기획전 · 딸기잼 · 300g", {"special_price_krw": 9000}, {"special_price_krw": 8500}),
        ("마포구 공공구매 기획전 · 딸기잼 · 600g", {"special_price_krw": None}, {"special_price_krw": 16000}),
        ("마포구 공공구매 기획전 · 딸기잼 · 300g", {"special_price_krw": 8500}, {"special_price_krw": None}),
        ("마포구 공공구매 기획전 · 딸기잼 · 600g", {"special_price_krw": 16000}, {"special_price_krw": None}),
    ]


def test_removing_a_product_removes_its_options_special_prices(staff, make_product):
    jam = make_product(name="딸기잼", variants=[("300g", 10_000, 5), ("600g", 18_000, 5)])
    tea = make_product(name="매실청", variants=[("500ml", 12_000, 5)])
    exhibition = new_exhibition(staff, [jam, tea])
    editing.set_special_prices(exhibition.id, jam.id, {jam.variants[0].id: 9000, jam.variants[1].id: 16000}, staff)
    editing.set_special_prices(exhibition.id, tea.id, {tea.variants[0].id: 11000}, staff)
    editing.remove_product(exhibition.id, jam.id, staff)
    assert specials(exhibition) == {tea.variants[0].id: 11000}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExhibitionPrice)) == 1
    entry = audit_entries(exhibition.id)[-1]
    assert (entry.action, entry.subject_label) == ("exhibition.updated", "마포구 공공구매 기획전 · 딸기잼")
    assert entry.before == {"product": f"딸기잼 (#{jam.id})", "special_prices": "300g 9,000원, 600g 16,000원"}
    assert entry.after == {"product": None, "special_prices": None}


# --- publishing ---------------------------------------------------------------------------------------


def test_an_exhibition_without_products_on_sale_cannot_be_published(staff, make_product):
    exhibition = new_exhibition(staff)
    with pytest.raises(ExhibitionError) as caught:
        editing.publish(exhibition.id, staff)
    assert str(caught.value) == "상품이 없는 기획전은 공개할 수 없습니다. 상품을 하나 이상 추가해 주세요."
    assert caught.value.field == "publish"
    jam = make_product()
    editing.add_product(exhibition.id, jam.id, staff)
    jam.status = ProductStatus.HIDDEN  # the enterprise hid it after it was curated
    db.session.commit()
    with pytest.raises(ExhibitionError, match="모두 판매 중이 아니어서"):
        editing.publish(exhibition.id, staff)
    assert fresh(exhibition.id).is_published is False


def test_publishing_and_unpublishing_are_recorded_and_repeating_them_changes_nothing(staff, make_product):
    exhibition = new_exhibition(staff, [make_product()])
    assert editing.publish(exhibition.id, staff) is True
    assert editing.publish(exhibition.id, staff) is False
    assert fresh(exhibition.id).is_published is True
    assert editing.unpublish(exhibition.id, staff) is True
    assert editing.unpublish(exhibition.id, staff) is False
    assert fresh(exhibition.id).is_published is False
    states = [(e.action, e.before, e.after) for e in audit_entries(exhibition.id) if "published" in e.action]
    assert states == [("exhibition.published", {"is_published": False}, {"is_published": True}),
                      ("exhibition.unpublished", {"is_published": True}, {"is_published": False})]


def test_the_last_product_of_a_published_exhibition_stays(staff, make_product):
    jam, tea = make_product(), make_product()
    exhibition = new_exhibition(staff, [jam, tea], publish=True)
    editing.remove_product(exhibition.id, jam.id, staff)
    with pytest.raises(ExhibitionError, match="공개 중인 기획전에는 상품이 하나 이상") as caught:
        editing.remove_product(exhibition.id, tea.id, staff)
    assert caught.value.field == "items" and order_of(exhibition) == [(0, tea.id)]
    editing.unpublish(exhibition.id, staff)
    editing.remove_product(exhibition.id, tea.id, staff)
    assert order_of(exhibition) == []


def test_every_change_writes_an_audit_entry_by_the_staff_member(staff, make_product):
    jam = make_product(name="딸기잼", variants=[("300g", 10_000, 5)])
    tea = make_product(name="매실청")
    exhibition = new_exhibition(staff, [jam, tea])
    editing.update_exhibition(exhibition.id, details(title="마포구 공공구매전"), staff)
    editing.move_product(exhibition.id, tea.id, -1, staff)
    editing.set_special_prices(exhibition.id, jam.id, {jam.variants[0].id: 9000}, staff)
    editing.publish(exhibition.id, staff)
    editing.remove_product(exhibition.id, tea.id, staff)
    editing.unpublish(exhibition.id, staff)
    entries = audit_entries(exhibition.id)
    assert [e.action for e in entries] == [
        "exhibition.created", "exhibition.updated", "exhibition.updated", "exhibition.updated",
        "exhibition.updated", "exhibition.price", "exhibition.published", "exhibition.updated",
        "exhibition.unpublished",
    ]
    assert all(e.actor_id == staff.id and e.actor_is_staff for e in entries)
    assert all(e.after is not None for e in entries)
    assert all(e.before is not None for e in entries[1:])
    assert entries[3].before == {"title": "마포구 공공구매 기획전"} and entries[3].after == {"title": "마포구 공공구매전"}


# --- the prices shoppers pay -------------------------------------------------------------------------


def cart_price(buyer, variant, today) -> int:
    carts.add_to_member_cart(buyer, variant.id, 1)
    basket = carts.cart_basket(carts.find_member_cart(buyer), today)
    [line] = [line for line in basket.lines if line.variant.id == variant.id]
    return line.unit_price_krw


def order_price(buyer, variant, today) -> int:
    order = orders.place_order(buyer, [(variant.id, 1)], SEOUL, new_key(), today=today)
    [item] = order.items
    return item.unit_price_krw


def test_the_lowest_of_two_overlapping_running_exhibitions_applies_in_the_cart_and_the_order(staff, buyer,
                                                                                             make_product):
    jam = make_product(name="딸기잼", variants=[("300g", 10_000, 20)])
    variant = jam.variants[0]
    mapo = new_exhibition(staff, [jam], starts_on=(TODAY - 5 * DAY).isoformat(), ends_on=(TODAY + 5 * DAY).isoformat())
    city = new_exhibition(staff, [jam], title="서울시 공공구매 박람회", organizer_type="city", organizer_name="",
                          starts_on=(TODAY - DAY).isoformat(), ends_on=(TODAY + 20 * DAY).isoformat())
    editing.set_special_prices(mapo.id, jam.id, {variant.id: "9,000"}, staff)
    editing.set_special_prices(city.id, jam.id, {variant.id: "8,800"}, staff)
    editing.publish(mapo.id, staff)
    editing.publish(city.id, staff)
    assert cart_price(buyer, variant, TODAY) == 8800
    assert order_price(buyer, variant, TODAY) == 8800
    # before the city's exhibition starts only the district's runs; after the district's ends only the city's
    assert cart_price(buyer, variant, TODAY - 3 * DAY) == 9000
    assert order_price(buyer, variant, TODAY - 3 * DAY) == 9000
    editing.set_special_prices(city.id, jam.id, {variant.id: "9,500"}, staff)
    assert cart_price(buyer, variant, TODAY) == 9000
    assert order_price(buyer, variant, TODAY + 10 * DAY) == 9500


def test_outside_its_period_the_regular_price_applies_in_the_cart_and_the_order(staff, buyer, make_product):
    jam = make_product(name="딸기잼", variants=[("300g", 10_000, 20)])
    variant = jam.variants[0]
    starts, ends = TODAY + 2 * DAY, TODAY + 6 * DAY
    exhibition = new_exhibition(staff, [jam], starts_on=starts.isoformat(), ends_on=ends.isoformat())
    editing.set_special_prices(exhibition.id, jam.id, {variant.id: 7_500}, staff)
    editing.publish(exhibition.id, staff)
    for day, expected in ((starts - DAY, 10_000), (starts, 7_500), (ends, 7_500), (ends + DAY, 10_000)):
        assert cart_price(buyer, variant, day) == expected, day
        assert order_price(buyer, variant, day) == expected, day
    order = orders.place_order(buyer, [(variant.id, 2)], SEOUL, new_key(), today=ends + DAY)
    assert (order.items[0].unit_price_krw, order.items[0].regular_price_krw, order.items_total_krw) == (
        10_000, 10_000, 20_000)


def test_an_unpublished_exhibitions_special_prices_never_apply(staff, buyer, make_product):
    jam = make_product(name="딸기잼", variants=[("300g", 10_000, 20)])
    variant = jam.variants[0]
    exhibition = new_exhibition(staff, [jam])
    editing.set_special_prices(exhibition.id, jam.id, {variant.id: 6_000}, staff)
    assert cart_price(buyer, variant, TODAY) == 10_000
    assert order_price(buyer, variant, TODAY) == 10_000
    editing.publish(exhibition.id, staff)
    assert cart_price(buyer, variant, TODAY) == 6_000
    editing.unpublish(exhibition.id, staff)
    assert cart_price(buyer, variant, TODAY) == 10_000
    assert order_price(buyer, variant, TODAY) == 10_000
