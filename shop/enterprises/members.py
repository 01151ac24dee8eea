"""An enterprise's members: the owner invites colleagues by email, removes them and may hand over
ownership. Every lookup takes the enterprise id, so an owner never reaches another enterprise's people.

An invitation link carries a random secret; only its SHA-256 is stored, so a copy of the database
cannot be used to join. Accepting creates a new seller account for exactly the invited address: the
mall keeps seller and shopper accounts apart, so an address that already has an account is refused.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.accounts.services import AccountError, Person, build_user, commit_signup, email_taken, normalize_email
from shop.core.errors import RuleError
from shop.core.transactions import write_transaction
from shop.enterprises.models import ApiToken, EnterpriseInvitation
from shop.extensions import db
from shop.models_base import as_utc, utcnow

INVITATION_DAYS = 7
MAX_MEMBERS = 20  # members and open invitations together
OWNER_ONLY = "대표 관리자만 할 수 있습니다. 대표 관리자에게 요청해 주세요."
INVITATION_GONE = "초대 링크가 만료되었거나 이미 사용되었습니다. 초대한 분께 다시 요청해 주세요."


class MemberError(RuleError):
    """A refused member action; `field` names the form input it is about, if any."""


class NotOwner(MemberError):
    def __init__(self) -> None:
        super().__init__(OWNER_ONLY)


class MemberNotFound(LookupError):
    """No such member, invitation or key in this enterprise."""


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_owner(user: User, enterprise_id: int) -> bool:
    return user.role is Role.ENTERPRISE and user.enterprise_id == enterprise_id and user.enterprise_owner


def require_owner(actor: User, enterprise_id: int) -> None:
    if not is_owner(actor, enterprise_id):
        raise NotOwner()


# --- reads ------------------------------------------------------------------------------------------


def members(enterprise_id: int) -> list[User]:
    """The enterprise's active members, the owner first."""
    return list(db.session.scalars(
        sa.select(User).where(User.enterprise_id == enterprise_id, User.role == Role.ENTERPRISE,
                              User.is_active_member.is_(True))
        .order_by(User.enterprise_owner.desc(), User.name, User.id)
    ))


def _open_invitations(enterprise_id: int, now: datetime):
    return sa.select(EnterpriseInvitation).where(
        EnterpriseInvitation.enterprise_id == enterprise_id, EnterpriseInvitation.accepted_at.is_(None),
        EnterpriseInvitation.revoked_at.is_(None), EnterpriseInvitation.expires_at > now,
    )


def open_invitations(enterprise_id: int, now: datetime | None = None) -> list[EnterpriseInvitation]:
    query = _open_invitations(enterprise_id, now or utcnow()).order_by(EnterpriseInvitation.created_at.desc())
    return list(db.session.scalars(query))


# --- invitations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: EnterpriseInvitation
    secret: str  # goes into the emailed link and is never stored


def invite(enterprise_id: int, email: str, actor: User, now: datetime | None = None) -> IssuedInvitation:
    """Invite `email` to join; inviting the same address again replaces the earlier link."""
    require_owner(actor, enterprise_id)
    now = now or utcnow()
    try:
        address = normalize_email(email)
    except AccountError as exc:
        raise MemberError(str(exc), "email") from None
    if email_taken(address):
        raise MemberError("이미 함께장터에 가입된 이메일입니다. 판매자 계정은 새로 만들어야 하므로 "
                          "다른 업무용 이메일로 초대해 주세요.", "email")
    with write_transaction():
        db.session.execute(
            sa.update(EnterpriseInvitation)
            .where(EnterpriseInvitation.enterprise_id == enterprise_id, EnterpriseInvitation.email == address,
                   EnterpriseInvitation.accepted_at.is_(None), EnterpriseInvitation.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        taken = len(members(enterprise_id)) + db.session.scalar(
            sa.select(sa.func.count()).select_from(_open_invitations(enterprise_id, now).subquery()))
        if taken >= MAX_MEMBERS:
            raise MemberError(f"구성원과 대기 중인 초대는 합쳐서 {MAX_MEMBERS}명까지입니다.", "email")
        secret = secrets.token_urlsafe(32)
        invitation = EnterpriseInvitation(enterprise_id=enterprise_id, email=address, token_hash=secret_hash(secret),
                                          invited_by=actor, created_at=now,
                                          expires_at=now + timedelta(days=INVITATION_DAYS))
        db.session.add(invitation)
    return IssuedInvitation(invitation, secret)


def revoke_invitation(enterprise_id: int, invitation_id: int, actor: User, now: datetime | None = None) -> None:
    require_owner(actor, enterprise_id)
    with write_transaction():
        done = db.session.execute(
            sa.update(EnterpriseInvitation)
            .where(EnterpriseInvitation.id == invitation_id, EnterpriseInvitation.enterprise_id == enterprise_id,
                   EnterpriseInvitation.accepted_at.is_(None), EnterpriseInvitation.revoked_at.is_(None))
            .values(revoked_at=now or utcnow())
        ).rowcount
        if done != 1:
            raise MemberNotFound(invitation_id)


def invitation_for(secret: str, now: datetime | None = None) -> EnterpriseInvitation | None:
    """The open invitation behind a link, or None (unknown, used, revoked or expired)."""
    if not secret or len(secret) > 100:
        return None
    invitation = db.session.scalar(
        sa.select(EnterpriseInvitation).where(EnterpriseInvitation.token_hash == secret_hash(secret)))
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return None
    if as_utc(invitation.expires_at) <= (now or utcnow()) or not invitation.enterprise.is_approved:
        return None
    return invitation


def accept_invitation(secret: str, person: Person, now: datetime | None = None) -> User:
    """A new member account for the invited address; the link works once, even if used twice at once."""
    now = now or utcnow()
    invitation = invitation_for(secret, now)
    if invitation is None:
        raise MemberError(INVITATION_GONE)
    person.email = invitation.email  # the link is for this address only
    user = build_user(person, Role.ENTERPRISE)
    user.enterprise_id = invitation.enterprise_id
    claimed = db.session.execute(
        sa.update(EnterpriseInvitation)
        .where(EnterpriseInvitation.id == invitation.id, EnterpriseInvitation.accepted_at.is_(None),
               EnterpriseInvitation.revoked_at.is_(None))
        .values(accepted_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise MemberError(INVITATION_GONE)
    db.session.add(user)
    commit_signup(user)
    return user


# --- members ----------------------------------------------------------------------------------------


def _member(enterprise_id: int, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.enterprise_id != enterprise_id or user.role is not Role.ENTERPRISE \
            or not user.is_active_member:
        raise MemberNotFound(user_id)
    return user


def remove_member(enterprise_id: int, user_id: int, actor: User, now: datetime | None = None) -> User:
    """The colleague can no longer sign in or act for the enterprise, and the API keys they made stop
    working. The account is closed rather than deleted, so order histories still say who did what."""
    require_owner(actor, enterprise_id)
    if user_id == actor.id:
        raise MemberError("대표 관리자 자신은 내보낼 수 없습니다. 먼저 다른 구성원에게 대표 관리자를 넘겨 주세요.")
    with write_transaction():
        user = _member(enterprise_id, user_id)
        user.is_active_member = False
        user.enterprise_owner = False
        db.session.execute(
            sa.update(ApiToken).where(ApiToken.enterprise_id == enterprise_id, ApiToken.created_by_id == user.id,
                                      ApiToken.revoked_at.is_(None))
            .values(revoked_at=now or utcnow())
        )
    return user


def hand_over_ownership(enterprise_id: int, user_id: int, actor: User) -> User:
    """Make a colleague the owner; the actor stays on as a member."""
    require_owner(actor, enterprise_id)
    if user_id == actor.id:
        raise MemberError("이미 대표 관리자입니다.")
    with write_transaction():
        user = _member(enterprise_id, user_id)
        user.enterprise_owner = True
        db.session.get(User, actor.id).enterprise_owner = False
    return user
