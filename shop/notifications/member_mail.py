"""The email that invites a colleague to an enterprise's seller account."""
from __future__ import annotations

from flask import url_for

from shop.enterprises.members import INVITATION_DAYS, IssuedInvitation
from shop.notifications.mail import send_email
from shop.site import settings as site_settings


def invited(issued: IssuedInvitation) -> None:
    invitation = issued.invitation
    enterprise = invitation.enterprise
    inviter = invitation.invited_by.name if invitation.invited_by else enterprise.name
    link = url_for("account.join", secret=issued.secret, _external=True)
    operator = site_settings.operator_details()
    send_email(invitation.email, f"[함께장터] {enterprise.name} 판매자 센터 초대",
               f"{inviter}님이 {enterprise.name}의 함께장터 판매자 센터에 초대했습니다.\n\n"
               f"아래 링크에서 계정을 만들면 바로 상품·재고·주문을 함께 관리할 수 있습니다. "
               f"링크는 {INVITATION_DAYS}일 동안 한 번만 쓸 수 있습니다.\n\n{link}\n\n"
               f"초대를 요청한 적이 없다면 이 메일을 무시해 주세요.\n\n"
               f"함께장터 고객센터 {operator['phone']} · {operator['email']}")
