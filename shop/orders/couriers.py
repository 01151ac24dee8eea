"""Korean couriers an enterprise can ship with, and where a buyer follows a parcel."""
from __future__ import annotations

from urllib.parse import quote

# code -> (name, tracking page with {number})
COURIERS: dict[str, tuple[str, str]] = {
    "cj": ("CJ대한통운", "https://trace.cjlogistics.com/next/tracking.html?wblNo={number}"),
    "hanjin": ("한진택배", "https://www.hanjin.com/kor/CMS/DeliveryMgr/WaybillResult.do?wblnum={number}"),
    "lotte": ("롯데택배", "https://www.lotteglogis.com/home/reservation/tracking/linkView?InvNo={number}"),
    "epost": ("우체국택배", "https://service.epost.go.kr/trace.RetrieveDomRigiTraceList.comm?sid1={number}"),
    "logen": ("로젠택배", "https://www.ilogen.com/web/personal/trace/{number}"),
    "kdexp": ("경동택배", "https://kdexp.com/service/delivery/etc/delivery.do?barcode={number}"),
    "cvsnet": ("GS Postbox 택배", "https://www.cvsnet.co.kr/invoice/tracking.do?invoice_no={number}"),
    "direct": ("직접 배송", ""),
}


def courier_choices() -> list[tuple[str, str]]:
    return [(code, name) for code, (name, _) in COURIERS.items()]


def courier_name(code: str | None) -> str:
    return COURIERS[code][0] if code in COURIERS else ""


def tracking_url(code: str | None, number: str | None) -> str | None:
    if code not in COURIERS or not number or not COURIERS[code][1]:
        return None
    return COURIERS[code][1].format(number=quote(number))
