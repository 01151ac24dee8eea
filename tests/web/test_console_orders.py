"""/console/orders through the web: an enterprise member works its shipments — preparing, shipping with a
tracking number, delivery, returns, invoice orders from acceptance to the payment record — sees each
step on the timeline, filters and exports its list; nobody else sees or changes any of it."""
from __future__ import annotations

import csv
import html as html_module
import io
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Shipment, ShipmentStatus
from shop.payments.models import Refund
from shop.procurement import invoice_orders
from tests.conftest import csrf_from
from tests.services import procurement_helpers
from tests.services.procurement_helpers import (
    TODAY,
    invoice_order,
    shipment_of,
)
from tests.services.test_enterprise_queries import paid_consumer_order, placed_on

market = procurement_helpers.market  # the fixture, where pytest looks for it


def status_of(shipment_id: int) -> ShipmentStatus:
    db.session.expire_all()
    return db.session.get(Shipment, shipment_id).status


@pytest.fixture
def act(client):
    """POST an action from the shipment's page, the way its form does."""

    def post(shipment_id: int, action: str, **data):
        html = body(client.get(f"/console/orders/{shipment_id}"))
        return client.post(f"/console/orders/{shipment_id}/{action}", data={"csrf_token": csrf_from(html), **data})

    return post


def body(response) -> str:
    """The page as a reader sees it (entities such as &#39; decoded)."""
    return html_module.unescape(response.get_data(as_text=True))


def page_text(client, shipment_id: int) -> str:
    return body(client.get(f"/console/orders/{shipment_id}"))


def timeline(html: str) -> str:
    match = re.search(r'<ol class="timeline" id="timeline">(.*?)</ol>', html, re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


def test_ship_a_paid_consumer_order_then_settle_a_return(client, login, act, market):
    order = paid_consumer_order(market, [(market.paper.id, 2)])
    sid = shipment_of(order, market.paper_co).id
    login(market.seller)

    listing = body(client.get("/console/orders"))
    assert order.number in listing and "결제완료" in listing and "이*비" in listing
    html = page_text(client, sid)
    assert "상품준비중으로 변경" in html and "김서울" in html and "010-2345-6789" in html

    assert act(sid, "prepare").status_code == 303
    assert status_of(sid) is ShipmentStatus.PREPARING
    assert "상품준비중 · 입점기업" in timeline(page_text(client, sid))

    bad = act(sid, "ship", courier="cj", tracking_number="12")
    assert bad.status_code == 400
    assert "송장번호는 숫자·영문 8~20자로 입력해 주세요." in body(bad)
    assert status_of(sid) is ShipmentStatus.PREPARING
    unknown = act(sid, "ship", courier="pigeon", tracking_number="612345678901")
    assert unknown.status_code == 400 and "택배사를 목록에서 골라 주세요." in body(unknown)

    shipped = act(sid, "ship", courier="cj", tracking_number="6123-4567-8901")
    assert shipped.status_code == 303 and shipped.headers["Location"].endswith(f"/console/orders/{sid}")
    html = page_text(client, sid)
    assert "발송 처리했습니다" in html and "CJ대한통운 612345678901" in html
    assert "배송중 · 입점기업 · CJ대한통운 612345678901" in timeline(html)

    assert act(sid, "deliver").status_code == 303
    assert status_of(sid) is ShipmentStatus.DELIVERED
    orders.request_return(db.session.get(Shipment, sid), market.consumer, reason="defective", detail="모서리가 젖었어요")

    html = page_text(client, sid)
    assert "반품 승인 · 53,000원 환불" in html and "모서리가 젖었어요" in html
    assert act(sid, "approve-return").status_code == 303
    assert status_of(sid) is ShipmentStatus.RETURNED
    assert db.session.scalar(sa.select(Refund.amount_krw)) == 50_000 + 3_000
    assert "반품완료 · 입점기업 · 반품 승인" in timeline(page_text(client, sid))

    again = act(sid, "approve-return")
    assert again.status_code == 409 and "'반품완료' 상태에서는" in body(again)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1
    # The parcel is back: the recipient's details are masked again.
    html = page_text(client, sid)
    assert "010-****-6789" in html and "010-2345-6789" not in html


def test_reject_a_return_needs_a_reason(client, login, act, market):
    order = paid_consumer_order(market, [(market.paper.id, 1)])
    shipment = shipment_of(order, market.paper_co)
    orders.start_preparing(shipment, market.seller)
    orders.ship(shipment, market.seller, courier="epost", tracking_number="6865012345678")
    orders.mark_delivered(shipment, market.seller)
    orders.request_return(shipment, market.consumer, reason="change_of_mind", detail="")
    login(market.seller)

    empty = act(shipment.id, "reject-return", reason="  ")
    assert empty.status_code == 400 and "사유를 입력해 주세요." in body(empty)
    assert status_of(shipment.id) is ShipmentStatus.RETURN_REQUESTED
    assert act(shipment.id, "reject-return", reason="사용 흔적이 있어 반품이 어렵습니다").status_code == 303
    assert status_of(shipment.id) is ShipmentStatus.DELIVERED
    assert "반품 반려: 사용 흔적이 있어 반품이 어렵습니다" in timeline(page_text(client, shipment.id))


def test_an_action_the_state_does_not_allow_is_409_with_the_reason(client, login, act, market):
    order = paid_consumer_order(market, [(market.paper.id, 1)])
    sid = shipment_of(order, market.paper_co).id
    login(market.seller)
    html = page_text(client, sid)
    assert "배송완료로 변경" not in html  # not offered...
    refused = act(sid, "deliver")  # ...and refused when forced
    assert refused.status_code == 409
    assert "'결제완료' 상태에서는 '배송완료'(으)로 바꿀 수 없습니다." in body(refused)
    not_invoice = act(sid, "accept")
    assert not_invoice.status_code == 409 and "후불(세금계산서) 주문이 아닙니다." in body(not_invoice)
    assert status_of(sid) is ShipmentStatus.PAID
    no_token = client.post(f"/console/orders/{sid}/prepare")
    assert no_token.status_code == 400 and status_of(sid) is ShipmentStatus.PAID


def test_invoice_order_from_acceptance_to_the_payment_record(client, login, act, market):
    order = invoice_order(market.buyer, [(market.paper.id, 100)])
    sid = shipment_of(order, market.paper_co).id
    declined = shipment_of(invoice_order(market.buyer, [(market.paper.id, 5)]), market.paper_co).id
    login(market.seller)

    html = page_text(client, sid)
    assert "주문 승인" in html and "서울특별시 마포구청" in html and "총무과" in html
    assert act(declined, "decline", reason="").status_code == 400
    assert act(declined, "decline", reason="해당 수량 재고가 없습니다").status_code == 303
    assert status_of(declined) is ShipmentStatus.DECLINED
    assert "주문 거절: 해당 수량 재고가 없습니다" in timeline(page_text(client, declined))

    assert act(sid, "accept").status_code == 303
    assert "주문승인 · 입점기업 · 주문 승인" in timeline(page_text(client, sid))
    assert act(sid, "ship", courier="hanjin", tracking_number="412345678901").status_code == 303
    assert act(sid, "deliver").status_code == 303
    assert "구매기관의 검수를 기다리고" in page_text(client, sid)

    shipment = db.session.get(Shipment, sid)
    invoice_orders.inspect(shipment, market.buyer, inspected_on=TODAY, inspector_name="박검수",
                           accepted_quantities={shipment.items[0].id: 100}, today=TODAY)
    amounts = invoice_orders.accepted_amounts(db.session.get(Shipment, sid))
    html = page_text(client, sid)
    assert "세금계산서 등록" in html and f'value="{amounts.total_krw:,}"' in html
    assert f'value="{amounts.supply_krw:,}"' in html and f'value="{amounts.vat_krw:,}"' in html

    number = f"{TODAY:%Y%m%d}-41000000-12345678"
    wrong = act(sid, "tax-invoice", issued_on=TODAY.isoformat(), approval_number=number,
                supply_krw=f"{amounts.supply_krw:,}", vat_krw=f"{amounts.vat_krw:,}", total_krw="1")
    assert wrong.status_code == 400 and "세금계산서 금액이 검수 금액과 다릅니다" in body(wrong)
    garbage = act(sid, "tax-invoice", issued_on="어제", approval_number=number, supply_krw="많이",
                  vat_krw="0", total_krw="0")
    assert garbage.status_code == 400
    assert "금액은 원 단위 숫자로" in body(garbage) and "2026-01-31 형식" in body(garbage)
    assert status_of(sid) is ShipmentStatus.INSPECTED

    recorded = act(sid, "tax-invoice", issued_on=TODAY.isoformat(), approval_number=number,
                   supply_krw=f"{amounts.supply_krw:,}", vat_krw=f"{amounts.vat_krw}", total_krw=f"{amounts.total_krw:,}원")
    assert recorded.status_code == 303 and status_of(sid) is ShipmentStatus.INVOICED
    assert "세금계산서 발행 · 입점기업 · 세금계산서" in timeline(page_text(client, sid))

    assert act(sid, "settlement", paid_on=TODAY.isoformat(), method="bitcoin").status_code == 400
    assert act(sid, "settlement", paid_on=TODAY.isoformat(), method="bank_transfer").status_code == 303
    assert status_of(sid) is ShipmentStatus.SETTLED
    html = page_text(client, sid)
    assert f"계좌이체 {amounts.total_krw:,}원" in timeline(html)

    pdf = client.get(f"/console/orders/{sid}/statement.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "거래명세서" in text and "서울특별시 마포구청" in text and order.number in text
    assert client.get(f"/console/orders/{declined}/statement.pdf").status_code == 404


def test_no_statement_for_a_card_order(client, login, market):
    order = paid_consumer_order(market, [(market.paper.id, 1)])
    login(market.seller)
    assert client.get(f"/console/orders/{shipment_of(order, market.paper_co).id}/statement.pdf").status_code == 404


def test_filters_pages_and_bad_filters(client, login, market):
    consumer = paid_consumer_order(market, [(market.paper.id, 1)])
    institution = invoice_order(market.buyer, [(market.paper.id, 10)])
    placed_on(consumer, datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
    login(market.seller)

    def listed(query: str) -> set[str]:
        html = body(client.get(f"/console/orders?{query}"))
        return {n for n in (consumer.number, institution.number) if n in html}

    assert listed("") == {consumer.number, institution.number}
    assert listed("channel=institution") == {institution.number}
    assert listed("channel=consumer") == {consumer.number}
    assert listed("status=ordered") == {institution.number}
    assert listed("status=todo") == {consumer.number, institution.number}
    assert listed("status=shipped") == set()
    assert listed("since=2026-03-01&until=2026-03-01") == {consumer.number}
    html = body(client.get("/console/orders?status=paid&channel=consumer"))
    assert 'href="/console/orders.csv?status=paid&channel=consumer"' in html
    assert '<option selected value="paid">' in html

    bad_date = client.get("/console/orders?since=2026-13-45")
    assert bad_date.status_code == 400 and "2026-01-31 형식" in body(bad_date)
    backwards = client.get("/console/orders?since=2026-03-02&until=2026-03-01")
    assert backwards.status_code == 400 and "끝 날짜는 시작 날짜와 같거나" in body(backwards)
    assert client.get("/console/orders?status=lost").status_code == 400
    assert client.get("/console/orders.csv?channel=alien").status_code == 400
    assert client.get("/console/orders?page=abc").status_code == 200


def test_pagination_links(client, login, market):
    for _ in range(21):
        invoice_order(market.buyer, [(market.paper.id, 1)])
    login(market.seller)
    first = body(client.get("/console/orders?channel=institution"))
    assert "총 <strong>21</strong>건" in first and 'href="/console/orders?channel=institution&page=2"' in first
    second = body(client.get("/console/orders?channel=institution&page=2"))
    assert second.count('class="status status-ordered"') == 1


def test_csv_export(client, login, market):
    consumer = paid_consumer_order(market, [(market.paper.id, 2)])
    institution = invoice_order(market.buyer, [(market.rice.id, 20), (market.snack.id, 3)])
    login(market.farm_seller)
    response = client.get("/console/orders.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["주문일", "주문번호", "구매 구분", "구매자/기관명", "받는 분", "연락처", "주소", "상품", "옵션",
                       "SKU", "수량", "단가", "금액", "배송비", "상태", "택배사", "송장번호"]
    assert [row[1] for row in rows[1:]] == [institution.number, institution.number]  # not the paper order
    assert consumer.number not in body(response)
    rice = rows[1]
    assert rice[2:6] == ["공공기관 구매", "서울특별시 마포구청", "박주무관", "02-2133-1234"]
    assert rice[7] == "유기농 현미 4kg" and rice[10:13] == ["20", "17000", "340000"] and rice[14] == "주문접수"
    assert rows[2][13] == ""  # the delivery fee once per shipment
    assert client.get("/console/orders.csv?channel=consumer").data.decode("utf-8-sig").strip().count("\n") == 0


# --- nobody else ---------------------------------------------------------------------------------------


@pytest.fixture
def paper_shipment(market):
    """paper_co's delivered consumer shipment and an accepted invoice shipment: ids and order numbers."""
    order = paid_consumer_order(market, [(market.paper.id, 1)])
    shipment = shipment_of(order, market.paper_co)
    invoice = shipment_of(invoice_order(market.buyer, [(market.paper.id, 10)]), market.paper_co)
    return shipment.id, order.number, invoice.id


def order_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/console/orders")]


def test_another_enterprise_gets_404_for_every_shipment_url(app, client, login, market, paper_shipment):
    sid, number, invoice_sid = paper_shipment
    login(market.stranger_seller)
    token = csrf_from(body(client.get("/console/orders")))
    tried = 0
    for rule in order_rules(app):
        if "<int:shipment_id>" not in rule.rule:
            continue
        for target in (sid, invoice_sid):
            url = rule.rule.replace("<int:shipment_id>", str(target))
            if "POST" in rule.methods:
                response = client.post(url, data={"csrf_token": token, "courier": "cj",
                                                  "tracking_number": "612345678901", "reason": "남의 주문"})
            else:
                response = client.get(url)
            assert response.status_code == 404, url
            tried += 1
    assert tried >= 22
    assert status_of(sid) is ShipmentStatus.PAID and status_of(invoice_sid) is ShipmentStatus.ORDERED
    listing = body(client.get("/console/orders"))
    assert number not in listing and "아직 들어온 주문이 없습니다" in listing
    assert number not in body(client.get("/console/orders.csv"))


@pytest.mark.parametrize("who", ["consumer", "buyer", "anonymous"])
def test_only_enterprise_members_get_in(app, client, login, market, paper_shipment, who):
    sid, _, _ = paper_shipment
    if who != "anonymous":
        login(getattr(market, who))
    token = csrf_from(client.get("/login" if who == "anonymous" else "/").get_data(as_text=True))
    for rule in order_rules(app):
        url = rule.rule.replace("<int:shipment_id>", str(sid))
        if "POST" in rule.methods:
            response = client.post(url, data={"csrf_token": token, "courier": "cj", "tracking_number": "612345678901"})
        else:
            response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 403, url
    assert status_of(sid) is ShipmentStatus.PAID


def test_another_enterprises_part_of_the_same_order_stays_hidden(client, login, market):
    order = paid_consumer_order(market, [(market.paper.id, 1), (market.snack.id, 2)])
    farm = shipment_of(order, market.farm_co)
    orders.start_preparing(farm, market.farm_seller)
    orders.ship(farm, market.farm_seller, courier="logen", tracking_number="98765432100")
    login(market.seller)
    html = page_text(client, shipment_of(order, market.paper_co).id)
    assert "친환경 복사용지 A4" in html
    assert "98765432100" not in html and "현미 누룽지" not in html and "로젠택배" not in html
