"""API keys an enterprise's own systems use on /api/v1/enterprise.

A key is shown once, when it is made; the database keeps only its SHA-256 (the key is 256 random bits,
so a fast hash is enough) and its first characters, so people can tell their keys apart. A key acts
for its enterprise as the member who made it: removing that member, revoking the key, or the
enterprise no longer being approved stops it at once.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.core.transactions import write_transaction
from shop.enterprises.members import MemberError, MemberNotFound, require_owner, secret_hash
from shop.enterprises.models import ApiToken
from shop.extensions import db
from shop.models_base import as_utc, utcnow

KEY_PREFIX = "hkm_"
SHOWN_PREFIX_LENGTH = len(KEY_PREFIX) + 6
MAX_NAME_LENGTH = 50
MAX_ACTIVE_KEYS = 10
LAST_USED_PRECISION = timedelta(minutes=5)  # write the "last used" time at most this often


@dataclass(frozen=True)
class IssuedKey:
    token: ApiToken
    secret: str  # shown to the person once, never stored


def tokens(enterprise_id: int) -> list[ApiToken]:
    """The enterprise's keys, active ones first."""
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.enterprise_id == enterprise_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def issue(enterprise_id: int, name: str, actor: User, now: datetime | None = None) -> IssuedKey:
    require_owner(actor, enterprise_id)
    label = " ".join((name or "").split())
    if not label:
        raise MemberError("키 이름을 입력해 주세요. 예: 재고 연동 서버", "name")
    if len(label) > MAX_NAME_LENGTH:
        raise MemberError(f"키 이름은 {MAX_NAME_LENGTH}자 이하로 입력해 주세요.", "name")
    with write_transaction():
        active = db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(
            ApiToken.enterprise_id == enterprise_id, ApiToken.revoked_at.is_(None)))
        if active >= MAX_ACTIVE_KEYS:
            raise MemberError(f"사용 중인 키는 {MAX_ACTIVE_KEYS}개까지입니다. 쓰지 않는 키를 먼저 폐기해 주세요.", "name")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(enterprise_id=enterprise_id, name=label, prefix=secret[:SHOWN_PREFIX_LENGTH],
                         token_hash=secret_hash(secret), created_by_id=actor.id, created_at=now or utcnow())
        db.session.add(token)
    return IssuedKey(token, secret)


def revoke(enterprise_id: int, token_id: int, actor: User, now: datetime | None = None) -> ApiToken:
    require_owner(actor, enterprise_id)
    with write_transaction():
        token = db.session.scalar(
            sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.enterprise_id == enterprise_id))
        if token is None:
            raise MemberNotFound(token_id)
        if token.revoked_at is None:
            token.revoked_at = now or utcnow()
    return token


@dataclass(frozen=True)
class ApiCaller:
    """Who a request with a valid key acts for."""

    token: ApiToken
    member: User

    @property
    def enterprise_id(self) -> int:
        return self.token.enterprise_id


def authenticate(secret: str | None, now: datetime | None = None) -> ApiCaller | None:
    """The caller behind a presented key, or None if the key is unknown, revoked or no longer backed by
    an active member of an approved enterprise."""
    if not secret or not secret.startswith(KEY_PREFIX) or len(secret) > 100:
        return None
    found = db.session.execute(
        sa.select(ApiToken, User).join(User, User.id == ApiToken.created_by_id)
        .where(ApiToken.token_hash == secret_hash(secret))
        .execution_options(populate_existing=True)  # a revocation or removal is seen at once
    ).first()
    if found is None:
        return None
    token, member = found
    if (token.revoked_at is not None or not member.is_active_member or member.role is not Role.ENTERPRISE
            or member.enterprise_id != token.enterprise_id or not token.enterprise.is_approved):
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - as_utc(token.last_used_at) >= LAST_USED_PRECISION:
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return ApiCaller(token, member)
