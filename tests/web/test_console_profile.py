"""/console/profile, /console/members, /console/api-keys and the invitation link /join/<secret>: what an
enterprise's owner and members can change about their enterprise, who joins it and which keys its
systems use; each refusal in Korean with a 4xx, each owner-only action refused to other members."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.enterprises import api_tokens, members
from shop.enterprises.models import ApiToken, Enterprise
from shop.extensions import db
from shop.models_base import utcnow
from shop.orders import services as orders
from tests.conftest import signed_in
from tests.services.order_helpers import SEOUL, TODAY, new_key


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", unescape(response.get_data(as_text=True))).split())


@pytest.fixture
def shop(make_enterprise, make_user, make_product):
    enterprise = make_enterprise(name="늘봄 협동조합", shipping_base_fee_krw=3000, free_shipping_threshold_krw=50_000)
    owner = make_user(Role.ENTERPRISE, enterprise=enterprise, enterprise_owner=True, name="김대표")
    colleague = make_user(Role.ENTERPRISE, enterprise=enterprise, name="이직원")
    product = make_product(enterprise=enterprise, variants=[("1kg", 12_000, 50)])
    return enterprise, owner, colleague, product


def post(app, user, url: str, data: dict):
    """One form post by `user` from a browser of their own (its own app context, so its own signed-in user)."""
    with app.app_context():
        browser, token = signed_in(app, user)
        return browser.post(url, data={"csrf_token": token, **data})


def browser_of(app, user):
    """A browser that keeps its cookies, each of whose requests runs in a fresh app context like a real
    request does (so a change made meanwhile is seen, not a user cached in `g`)."""
    with app.app_context():
        browser, token = signed_in(app, user)

    def request(method: str, url: str, data: dict | None = None):
        with app.app_context():
            return browser.open(url, method=method, data=None if data is None else {"csrf_token": token, **data})

    return request


def get(app, user, url: str):
    with app.app_context():
        return signed_in(app, user)[0].get(url)


def fresh(enterprise: Enterprise) -> Enterprise:
    db.session.expire_all()
    return db.session.get(Enterprise, enterprise.id)


# --- details and delivery fees ----------------------------------------------------------------------


def test_a_member_edits_the_details_and_the_storefront_shows_them_sanitised(app, client, shop):
    enterprise, _, colleague, _ = shop
    response = post(app, colleague, "/console/profile/details", {
        "summary": "  발달장애 청년과 함께 굽는   우리밀 과자 ", "phone": "02-336-1234", "email": "Hello@Nulbom.KR",
        "address": "서울특별시 마포구 월드컵로 1", "story": "<p>2015년에 시작했습니다.</p><script>alert(1)</script>"})
    assert response.status_code == 303
    saved = fresh(enterprise)
    assert (saved.summary, saved.phone, saved.email) == ("발달장애 청년과 함께 굽는 우리밀 과자", "023361234", "hello@nulbom.kr")
    assert "<script" not in saved.story_html and "2015년에 시작했습니다." in saved.story_html
    page = client.get(f"/enterprises/{enterprise.slug}")
    assert "발달장애 청년과 함께 굽는 우리밀 과자" in words(page) and "<script>alert" not in page.get_data(as_text=True)


def test_bad_details_are_refused_in_korean_and_nothing_changes(app, shop):
    enterprise, owner, _, _ = shop
    response = post(app, owner, "/console/profile/details",
                       {"summary": "", "phone": "12345", "email": "not-an-email", "story": ""})
    assert response.status_code == 400
    text = words(response)
    assert "한 줄 소개를 입력해 주세요." in text and "올바른 대표 전화번호를 입력해 주세요." in text
    assert "올바른 이메일 주소를 입력해 주세요." in text
    assert fresh(enterprise).summary == "취약계층과 함께 만드는 제품"


def test_the_delivery_fee_policy_applies_to_the_next_order(app, shop, make_user):
    enterprise, owner, _, product = shop
    refused = post(app, owner, "/console/profile/shipping",
                      {"base_fee": "-500", "free_threshold": "공짜", "island_fee": "200,000"})
    assert refused.status_code == 400
    assert "기본 배송비: 금액은 0원 이상이어야 합니다." in words(refused)
    assert "제주·도서산간 추가 배송비은(는) 0원부터 100,000원 사이로 입력해 주세요." in words(refused)
    saved = post(app, owner, "/console/profile/shipping",
                    {"base_fee": "4,000원", "free_threshold": "", "island_fee": "5000"})
    assert saved.status_code == 303
    policy = fresh(enterprise)
    assert (policy.shipping_base_fee_krw, policy.free_shipping_threshold_krw, policy.shipping_island_fee_krw) == \
        (4000, None, 5000)
    order = orders.place_order(make_user(), [(product.variants[0].id, 5)], SEOUL, new_key(), today=TODAY)
    assert order.shipping_total_krw == 4000  # 60,000원 but no free-delivery threshold any more


def test_only_the_owner_sees_and_changes_the_bank_account(app, shop):
    enterprise, owner, colleague, _ = shop
    account = {"bank_name": "신한은행", "account_number": "110-123-456789", "holder": "늘봄 협동조합"}
    refused = post(app, colleague, "/console/profile/bank-account", account)
    assert refused.status_code == 403
    wrong = post(app, owner, "/console/profile/bank-account",
                    {"bank_name": "스위스은행", "account_number": "12-34", "holder": ""})
    assert wrong.status_code == 400
    assert "은행을 목록에서 골라 주세요." in words(wrong) and "예금주를 입력해 주세요." in words(wrong)
    assert "계좌번호는 숫자 10~16자리로 입력해 주세요." in words(wrong)
    saved = post(app, owner, "/console/profile/bank-account", account)
    assert saved.status_code == 303
    assert fresh(enterprise).bank_account_number == "110123456789"
    page = words(get(app, colleague, "/console/profile"))
    assert "********6789" in page and "110123456789" not in page
    assert "정산 계좌는 대표 관리자만 바꿀 수 있습니다." in page


# --- members and invitations ------------------------------------------------------------------------


def invitation_link(outbox) -> str:
    body = outbox[-1].get_content()
    return re.search(r"http://localhost(/join/[\w-]+)", body).group(1)


def test_an_invited_colleague_joins_with_the_link_once(app, shop, outbox):
    enterprise, owner, _, _ = shop
    response = post(app, owner, "/console/members/invitations", {"email": "Park@Nulbom.kr"})
    assert response.status_code == 303
    assert outbox[-1]["To"] == "park@nulbom.kr" and "늘봄 협동조합" in outbox[-1]["Subject"]
    link = invitation_link(outbox)

    newcomer = browser_of(app, None)
    page = newcomer("GET", link)
    assert page.status_code == 200 and 'value="park@nulbom.kr" readonly' in page.get_data(as_text=True)
    short = newcomer("POST", link, {"name": "박새내", "password": "short", "password_confirm": "short",
                                    "phone": "010-2222-3333"})
    assert short.status_code == 400 and "이용약관에 동의해 주세요." in words(short)
    joined = newcomer("POST", link, {"name": "박새내", "password": "long-enough-pw-1",
                                     "password_confirm": "long-enough-pw-1", "phone": "010-2222-3333",
                                     "agree_terms": "y", "agree_privacy": "y", "email": "evil@example.kr"})
    assert joined.status_code == 302 and joined.headers["Location"].endswith("/console")
    assert newcomer("GET", "/console/orders").status_code == 200
    user = db.session.scalar(sa.select(User).where(User.name == "박새내"))
    assert (user.email, user.role, user.enterprise_id, user.enterprise_owner) == \
        ("park@nulbom.kr", Role.ENTERPRISE, enterprise.id, False)
    reused = get(app, None, link)
    assert reused.status_code == 404 and "초대 링크가 만료되었거나 이미 사용되었습니다." in words(reused)


def test_an_expired_or_revoked_invitation_link_does_not_work(app, shop, outbox):
    enterprise, owner, _, _ = shop
    issued = members.invite(enterprise.id, "late@nulbom.kr", owner)
    db.session.execute(sa.text("UPDATE enterprise_invitation SET expires_at = :t WHERE id = :i"),
                       {"t": utcnow() - timedelta(minutes=1), "i": issued.invitation.id})
    db.session.commit()
    visitor = browser_of(app, None)
    assert visitor("GET", f"/join/{issued.secret}").status_code == 404
    post(app, owner, "/console/members/invitations", {"email": "soon@nulbom.kr"})
    link = invitation_link(outbox)
    invitation = members.open_invitations(enterprise.id)[0]
    revoked = post(app, owner, f"/console/members/invitations/{invitation.id}/revoke", {})
    assert revoked.status_code == 303
    assert visitor("GET", link).status_code == 404
    assert visitor("GET", "/join/" + "x" * 43).status_code == 404


def test_inviting_is_refused_for_taken_addresses_and_for_members_who_are_not_the_owner(app, shop, make_user):
    _, owner, colleague, _ = shop
    shopper = make_user(Role.CONSUMER, email="shopper@example.kr")
    taken = post(app, owner, "/console/members/invitations", {"email": shopper.email})
    assert taken.status_code == 400 and "이미 함께장터에 가입된 이메일입니다." in words(taken)
    bad = post(app, owner, "/console/members/invitations", {"email": "no at sign"})
    assert bad.status_code == 400 and "올바른 이메일 주소를 입력해 주세요." in words(bad)
    not_owner = post(app, colleague, "/console/members/invitations", {"email": "friend@nulbom.kr"})
    assert not_owner.status_code == 403
    colleague_page = words(get(app, colleague, "/console/members"))
    assert "김대표" in colleague_page and "초대 메일 보내기" not in colleague_page


def test_a_removed_member_loses_the_console_and_their_api_keys_at_once(app, shop):
    enterprise, owner, colleague, _ = shop
    owner.enterprise_owner = True
    colleague.enterprise_owner = True  # a second owner for a moment, to make a key
    db.session.commit()
    key = api_tokens.issue(enterprise.id, "물류 연동", colleague)
    colleague.enterprise_owner = False
    db.session.commit()
    their_browser = browser_of(app, colleague)
    assert their_browser("GET", "/console").status_code == 200
    self_removal = post(app, owner, f"/console/members/{owner.id}/remove", {})
    assert self_removal.status_code == 303
    removed = post(app, owner, f"/console/members/{colleague.id}/remove", {})
    assert removed.status_code == 303
    assert their_browser("GET", "/console").status_code in (302, 403)
    assert api_tokens.authenticate(key.secret) is None
    assert db.session.get(ApiToken, key.token.id).revoked_at is not None
    assert [m.name for m in members.members(enterprise.id)] == ["김대표"]


def test_the_owner_hands_over_ownership(app, shop):
    _, owner, colleague, _ = shop
    response = post(app, owner, f"/console/members/{colleague.id}/owner", {})
    assert response.status_code == 303
    db.session.expire_all()
    assert (db.session.get(User, owner.id).enterprise_owner, db.session.get(User, colleague.id).enterprise_owner) \
        == (False, True)


# --- API keys ---------------------------------------------------------------------------------------


def test_a_new_key_is_shown_once_and_stored_only_as_a_hash(app, shop):
    enterprise, owner, colleague, _ = shop
    browser = browser_of(app, owner)
    response = browser("POST", "/console/api-keys", {"name": "  재고 연동   서버 "})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(hkm_[\w-]+)"', response.get_data(as_text=True)).group(1)
    assert secret not in browser("GET", "/console/api-keys").get_data(as_text=True)
    unnamed = post(app, owner, "/console/api-keys", {"name": " "})
    assert unnamed.status_code == 400 and "키 이름을 입력해 주세요." in words(unnamed)
    not_owner = post(app, colleague, "/console/api-keys", {"name": "몰래"})
    assert not_owner.status_code == 403
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.enterprise_id == enterprise.id))
    assert token.name == "재고 연동 서버" and secret.startswith(token.prefix)
    stored = db.session.execute(sa.text("SELECT * FROM api_token")).all()
    assert secret not in repr(stored)
    assert api_tokens.authenticate(secret).enterprise_id == enterprise.id

    revoked = post(app, owner, f"/console/api-keys/{token.id}/revoke", {})
    assert revoked.status_code == 303
    assert api_tokens.authenticate(secret) is None


def test_keys_stop_when_the_enterprise_is_no_longer_approved(shop):
    from shop.models_base import ApprovalStatus

    enterprise, owner, _, _ = shop
    key = api_tokens.issue(enterprise.id, "ERP", owner)
    assert api_tokens.authenticate(key.secret) is not None
    enterprise.status = ApprovalStatus.REJECTED
    db.session.commit()
    assert api_tokens.authenticate(key.secret) is None
    assert api_tokens.authenticate("hkm_" + "A" * 43) is None and api_tokens.authenticate("") is None


def test_the_logo_is_checked_re_encoded_and_shown_on_the_storefront(app, client, shop):
    from io import BytesIO

    from shop.core import storage
    from tests.services.test_storage import image_bytes

    enterprise, _, colleague, _ = shop
    with app.app_context():
        browser, token = signed_in(app, colleague)
        fake = browser.post("/console/profile/logo", content_type="multipart/form-data", data={
            "csrf_token": token, "logo": (BytesIO(b"<svg onload='alert(1)'></svg>"), "logo.png")})
        assert fake.status_code == 400 and "SVG 파일은 올릴 수 없습니다" in words(fake)
        saved = browser.post("/console/profile/logo", content_type="multipart/form-data", data={
            "csrf_token": token, "logo": (BytesIO(image_bytes("PNG")), "logo.png")})
    assert saved.status_code == 303
    path = fresh(enterprise).logo_path
    assert path.startswith("logos/") and path.endswith(".webp") and storage.exists(path)
    page = client.get(f"/enterprises/{enterprise.slug}").get_data(as_text=True)
    assert f"/media/{path}" in page and 'alt="늘봄 협동조합 로고"' in page
