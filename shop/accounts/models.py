from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from shop.extensions import db
from shop.models_base import LabelledEnum, enum_type, utcnow

if TYPE_CHECKING:
    from shop.enterprises.models import Enterprise
    from shop.institutions.models import Institution


def password_hash_method() -> str:
    """scrypt at werkzeug's full cost, unless the app asks for less (the test suite, which makes thousands
    of members). A stored hash names its own parameters, so checking always uses what it was made with."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


class Role(LabelledEnum):
    CONSUMER = "consumer", "일반 회원"
    INSTITUTION = "institution", "공공기관 구매담당"
    ENTERPRISE = "enterprise", "입점기업"
    ADMIN = "admin", "지원센터"


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(50))
    phone: Mapped[str] = mapped_column(sa.String(20))
    role: Mapped[Role] = mapped_column(enum_type(Role, "user_role"), default=Role.CONSUMER)
    is_active_member: Mapped[bool] = mapped_column(default=True)
    department: Mapped[str | None] = mapped_column(sa.String(80))
    position: Mapped[str | None] = mapped_column(sa.String(50))
    enterprise_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprise.id", ondelete="SET NULL"), index=True
    )
    institution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("institution.id", ondelete="SET NULL"), index=True
    )
    # The enterprise's owner invites and removes colleagues and manages API keys and the bank account.
    enterprise_owner: Mapped[bool] = mapped_column(default=False)
    # An institution buyer joining an already registered institution waits for staff approval.
    membership_approved: Mapped[bool] = mapped_column(default=True)
    membership_decision_reason: Mapped[str | None] = mapped_column(sa.String(500))  # why staff refused it
    terms_agreed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    privacy_agreed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    marketing_agreed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    enterprise: Mapped[Enterprise | None] = relationship(back_populates="members")
    institution: Mapped[Institution | None] = relationship(back_populates="members")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive members at login
        return self.is_active_member

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class LoginSession(db.Model):
    """One signed-in browser. The cookie carries a random secret; only its SHA-256 is kept here, so the
    session can be ended on the server (logout, inactivity) and a copied cookie stops working with it."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # When the member last typed their password here (login, or staff confirming before a decision).
    password_confirmed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))  # logout, idle

    user: Mapped[User] = relationship()
