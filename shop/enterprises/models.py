from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models_base import ApprovalStatus, LabelledEnum, enum_type, utcnow

if TYPE_CHECKING:
    from shop.accounts.models import User
    from shop.catalog.models import Product


class EnterpriseType(LabelledEnum):
    SOCIAL_ENTERPRISE = "social_enterprise", "사회적기업"
    PRELIMINARY_SOCIAL_ENTERPRISE = "preliminary_social_enterprise", "예비사회적기업"
    COOPERATIVE = "cooperative", "협동조합"
    SOCIAL_COOPERATIVE = "social_cooperative", "사회적협동조합"
    VILLAGE_ENTERPRISE = "village_enterprise", "마을기업"
    SELF_SUFFICIENCY_ENTERPRISE = "self_sufficiency_enterprise", "자활기업"


class SocialValueArea(LabelledEnum):
    """The four areas Seoul's Social Performance Incentive (SPC) measures in."""

    SOCIAL_SERVICE = "social_service", "제품·서비스"
    EMPLOYMENT = "employment", "고용·내부 공정성"
    COMMUNITY = "community", "외부 공정성·지역사회"
    ENVIRONMENT = "environment", "환경"


class Enterprise(db.Model):
    __tablename__ = "enterprise"
    __table_args__ = (
        sa.CheckConstraint("shipping_base_fee_krw >= 0", name="shipping_fee_not_negative"),
        sa.CheckConstraint("shipping_island_fee_krw >= 0", name="island_fee_not_negative"),
        sa.CheckConstraint(
            "free_shipping_threshold_krw IS NULL OR free_shipping_threshold_krw > 0",
            name="free_threshold_positive",
        ),
        sa.Index("ix_enterprise_status_type", "status", "enterprise_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    business_number: Mapped[str] = mapped_column(sa.String(10), unique=True)
    representative: Mapped[str] = mapped_column(sa.String(50))
    enterprise_type: Mapped[EnterpriseType] = mapped_column(enum_type(EnterpriseType, "enterprise_type"))
    certificate_number: Mapped[str | None] = mapped_column(sa.String(50))
    district: Mapped[str] = mapped_column(sa.String(10), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    summary: Mapped[str] = mapped_column(sa.String(200), default="")
    story_html: Mapped[str] = mapped_column(sa.Text, default="")
    logo_path: Mapped[str | None] = mapped_column(sa.String(255))
    founded_year: Mapped[int | None]
    shipping_base_fee_krw: Mapped[int] = mapped_column(default=3000)
    free_shipping_threshold_krw: Mapped[int | None] = mapped_column(default=50000)
    shipping_island_fee_krw: Mapped[int] = mapped_column(default=3000)
    # Where the center pays the enterprise's sales (정산 계좌); only the owner sees it in full.
    bank_name: Mapped[str | None] = mapped_column(sa.String(30))
    bank_account_number: Mapped[str | None] = mapped_column(sa.String(20))
    bank_account_holder: Mapped[str | None] = mapped_column(sa.String(50))
    status: Mapped[ApprovalStatus] = mapped_column(
        enum_type(ApprovalStatus, "enterprise_status"), default=ApprovalStatus.PENDING
    )
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="enterprise")
    products: Mapped[list[Product]] = relationship(back_populates="enterprise")
    social_values: Mapped[list[SocialValueRecord]] = relationship(
        back_populates="enterprise", order_by="SocialValueRecord.year.desc()", cascade="all, delete-orphan"
    )

    @property
    def is_approved(self) -> bool:
        return self.status is ApprovalStatus.APPROVED

    def __repr__(self) -> str:
        return f"<Enterprise {self.slug}>"


class SocialValueRecord(db.Model):
    """Social value one enterprise created in one year in one area, in won (e.g. measured by SPC)."""

    __tablename__ = "social_value_record"
    __table_args__ = (
        sa.UniqueConstraint("enterprise_id", "year", "area", name="uq_social_value_enterprise_year_area"),
        sa.CheckConstraint("amount_krw >= 0", name="amount_not_negative"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_in_range"),
        sa.CheckConstraint("incentive_krw IS NULL OR incentive_krw >= 0", name="incentive_not_negative"),
        sa.Index("ix_social_value_record_verified_year", "verified", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    area: Mapped[SocialValueArea] = mapped_column(enum_type(SocialValueArea, "social_value_area"))
    amount_krw: Mapped[int] = mapped_column(sa.BigInteger)
    measured_by: Mapped[str] = mapped_column(sa.String(50), default="SPC")
    # Set by center staff only: a verified record is the center's figure, distinct from self-reports.
    verified: Mapped[bool] = mapped_column(default=False)
    incentive_krw: Mapped[int | None] = mapped_column(sa.BigInteger)  # SPC incentive paid for the year
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(sa.String(300))

    enterprise: Mapped[Enterprise] = relationship(back_populates="social_values")


class EnterpriseInvitation(db.Model):
    """An owner's invitation of a colleague by email; the link carries a secret kept here only hashed."""

    __tablename__ = "enterprise_invitation"
    __table_args__ = (sa.Index("ix_enterprise_invitation_enterprise_email", "enterprise_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    enterprise: Mapped[Enterprise] = relationship()
    invited_by: Mapped[User | None] = relationship()


class ApiToken(db.Model):
    """A key an enterprise's own system uses on /api/v1/enterprise; only its SHA-256 is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    prefix: Mapped[str] = mapped_column(sa.String(16))  # the first characters, so people can tell keys apart
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    enterprise: Mapped[Enterprise] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
