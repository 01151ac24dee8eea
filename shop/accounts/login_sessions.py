"""Signed-in browsers, kept on the server: a session ends at logout and after SESSION_IDLE_MINUTES
without a request, whatever copy of the cookie is still around. Staff decisions also ask whether the
password was typed in this session recently (login counts)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from shop.accounts.models import LoginSession, User
from shop.extensions import db
from shop.models_base import utcnow

# last_seen_at is written at most this often, so browsing does not turn every page view into a write.
TOUCH_INTERVAL = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def start(user: User, now: datetime | None = None) -> str:
    """A new session for `user` (added to the current transaction); returns the secret for the cookie."""
    secret = secrets.token_urlsafe(32)
    moment = now or utcnow()
    db.session.add(LoginSession(token_hash=_digest(secret), user=user, created_at=moment,
                                last_seen_at=moment, password_confirmed_at=moment))
    return secret


def find_with(secret: str | None, user_id: str | int | None, *also: sa.ColumnElement) -> sa.Row | None:
    """(the live session for this cookie secret and member, with the member loaded; then the value of
    each of `also`), in one query: what every page needs of a member besides who they are (the header's
    cart count) costs no round trip of its own. None when there is no live session."""
    if not secret or not str(user_id or "").isdigit():
        return None
    return db.session.execute(
        sa.select(LoginSession, *also)
        .join(LoginSession.user)
        .options(contains_eager(LoginSession.user))
        .where(LoginSession.token_hash == _digest(secret), LoginSession.user_id == int(user_id),
               LoginSession.ended_at.is_(None))
    ).first()


def is_idle(login_session: LoginSession, idle_minutes: int, now: datetime | None = None) -> bool:
    return (now or utcnow()) - _aware(login_session.last_seen_at) > timedelta(minutes=idle_minutes)


def end(login_session: LoginSession, reason: str, now: datetime | None = None) -> None:
    login_session.ended_at = now or utcnow()
    login_session.end_reason = reason
    db.session.commit()


def touch(login_session: LoginSession, now: datetime | None = None) -> None:
    moment = now or utcnow()
    if moment - _aware(login_session.last_seen_at) >= TOUCH_INTERVAL:
        login_session.last_seen_at = moment
        db.session.commit()


def end_all(user: User, reason: str) -> None:
    """End every session of a member (closed account, removed from an enterprise); caller commits."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )


def recently_confirmed(login_session: LoginSession, minutes: int, now: datetime | None = None) -> bool:
    return (now or utcnow()) - _aware(login_session.password_confirmed_at) <= timedelta(minutes=minutes)


def confirm_password(login_session: LoginSession, password: str) -> bool:
    """True, and remembered for this session, when `password` is the member's own."""
    if not login_session.user.check_password(password):
        return False
    login_session.password_confirmed_at = utcnow()
    db.session.commit()
    return True
