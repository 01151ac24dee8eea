"""Signed-in browsers, kept on the server: a session ends at logout and after SESSION_IDLE_MINUTES
without a request, whatever copy of the cookie is still around. Staff decisions also ask whether the
password was typed in this session recently (login counts).

Every request of a member looks its session up, so the lookup is served from the shared cache under the
member's generation (shop/core/cache.py), which any change to the member's row or login sessions moves
on: a logout, an ended session, a closed account or a new role counts from the next request."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from shop.accounts.models import LoginSession, User
from shop.cart.models import Cart
from shop.core.cache import Wanted, fetch_current, keep_current, member, touching
from shop.extensions import db
from shop.models_base import utcnow

# last_seen_at is written at most this often, so browsing does not turn every page view into a write.
TOUCH_INTERVAL = timedelta(minutes=1)
# A change made around the app (by hand in the database) reaches a cached session lookup within this.
CACHED_SESSION_SECONDS = 60
UNCACHED_USER_COLUMNS = {"password_hash"}  # loaded from the database when a password is checked


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


def signed_in(secret: str | None, user_id: str | int | None,
              along: Sequence[Wanted] = ()) -> tuple[LoginSession, int | None] | None:
    """(the live session for this cookie secret and member, with the member loaded; the member's cart id, for
    the page header's count), or None when there is no live session. `along`: cache entries the request
    will look up next, fetched in the same round trip (see fetch_current)."""
    if not secret or not str(user_id or "").isdigit():
        return None
    user_id, token_hash = int(user_id), _digest(secret)
    key = f"login-session:{token_hash}"
    kept, marks = fetch_current(key, ("members", member(user_id)), along)  # read before the database
    if kept is not None:
        # The member goes into the database session (their relationships load on use); the login session
        # joins it only when written (see _writable): adding a row costs more than most pages' own work.
        login_session = _loaded(LoginSession, kept["session"])
        # As loaded with it: the session holds rows only weakly, and the member is used later in the request.
        set_committed_value(login_session, "user", _attached(User, kept["user"]))
        cart_id = kept["cart_id"]
    else:
        found = db.session.execute(
            sa.select(LoginSession, sa.select(Cart.id).where(Cart.user_id == user_id).scalar_subquery())
            .join(LoginSession.user)
            .options(contains_eager(LoginSession.user))
            .where(LoginSession.token_hash == token_hash, LoginSession.user_id == user_id,
                   LoginSession.ended_at.is_(None))
        ).first()
        if found is None:
            return None  # not kept: a guessed cookie must not fill the cache
        login_session, cart_id = found
        keep_current(key, marks, {"session": _columns(login_session), "user": _columns(login_session.user),
                                  "cart_id": cart_id}, CACHED_SESSION_SECONDS)
    return login_session, cart_id


def _columns(row) -> dict:
    return {attr.key: getattr(row, attr.key) for attr in sa.inspect(type(row)).column_attrs
            if attr.key not in UNCACHED_USER_COLUMNS}


def _attached(model, values: dict):
    """The row these cached values describe, in the session as if loaded by a query (columns left out
    load on first use), or the copy the session holds already."""
    held = _held(model, values["id"])
    if held is not None:
        return held
    row = _loaded(model, values)
    db.session.add(row)
    return row


def _held(model, row_id: int):
    """The copy of this row the database session holds already, if any."""
    return db.session.identity_map.get(identity_key(model, row_id))


def _loaded(model, values: dict):
    """The row these cached values describe, detached, as a query would have loaded it."""
    row = model.__mapper__.class_manager.new_instance()
    sa.inspect(row).dict.update(values)  # as a query fills a row it loads: no change events, no __init__
    make_transient_to_detached(row)
    return row


def _writable(login_session: LoginSession) -> LoginSession:
    """The login session in the database session, to be written (one served from the cache is not yet)."""
    if sa.inspect(login_session).detached:
        held = _held(LoginSession, login_session.id)
        if held is not None:
            return held
        db.session.add(login_session)
    return login_session


def is_idle(login_session: LoginSession, idle_minutes: int, now: datetime | None = None) -> bool:
    return (now or utcnow()) - _aware(login_session.last_seen_at) > timedelta(minutes=idle_minutes)


def end(login_session: LoginSession, reason: str, now: datetime | None = None) -> None:
    login_session = _writable(login_session)
    login_session.ended_at = now or utcnow()
    login_session.end_reason = reason
    db.session.commit()


def touch(login_session: LoginSession, now: datetime | None = None) -> None:
    moment = now or utcnow()
    if moment - _aware(login_session.last_seen_at) >= TOUCH_INTERVAL:
        login_session = _writable(login_session)
        login_session.last_seen_at = moment
        db.session.commit()


def end_all(user: User, reason: str) -> None:
    """End every session of a member (closed account, removed from an enterprise); caller commits."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(**touching(member(user.id)))
    )


def recently_confirmed(login_session: LoginSession, minutes: int, now: datetime | None = None) -> bool:
    return (now or utcnow()) - _aware(login_session.password_confirmed_at) <= timedelta(minutes=minutes)


def confirm_password(login_session: LoginSession, password: str) -> bool:
    """True, and remembered for this session, when `password` is the member's own."""
    if not login_session.user.check_password(password):
        return False
    login_session = _writable(login_session)
    login_session.password_confirmed_at = utcnow()
    db.session.commit()
    return True
