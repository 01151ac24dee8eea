from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models_base import LabelledEnum, enum_type, utcnow

if TYPE_CHECKING:
    from shop.catalog.models import Product, Variant
    from shop.enterprises.models import Enterprise


class OrganizerType(LabelledEnum):
    CITY = "city", "서울특별시"
    DISTRICT = "district", "자치구"
    PUBLIC_BODY = "public_body", "공공기관"
    CENTER = "center", "지원센터"


class ExhibitionKind(LabelledEnum):
    PUBLIC_PROCUREMENT = "public_procurement", "공공판로 기획전"
    SEASONAL = "seasonal", "시즌 기획전"
    THEME = "theme", "테마 기획전"


class ExhibitionPhase(LabelledEnum):
    UPCOMING = "upcoming", "예정"
    ONGOING = "ongoing", "진행 중"
    PAST = "past", "종료"


class Exhibition(db.Model):
    __tablename__ = "exhibition"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="period_ordered"),
        sa.Index("ix_exhibition_published_period", "is_published", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    organizer_type: Mapped[OrganizerType] = mapped_column(enum_type(OrganizerType, "organizer_type"))
    organizer_name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[ExhibitionKind] = mapped_column(enum_type(ExhibitionKind, "exhibition_kind"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    banner_path: Mapped[str | None] = mapped_column(sa.String(255))
    banner_alt: Mapped[str] = mapped_column(sa.String(200), default="")
    is_published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    items: Mapped[list[ExhibitionItem]] = relationship(
        back_populates="exhibition", order_by="ExhibitionItem.position", cascade="all, delete-orphan"
    )
    special_prices: Mapped[list[ExhibitionPrice]] = relationship(
        back_populates="exhibition", cascade="all, delete-orphan"
    )

    def phase(self, today: date) -> ExhibitionPhase:
        if today < self.starts_on:
            return ExhibitionPhase.UPCOMING
        if today > self.ends_on:
            return ExhibitionPhase.PAST
        return ExhibitionPhase.ONGOING


class ExhibitionItem(db.Model):
    """A curated product, in the curator's order."""

    __tablename__ = "exhibition_item"
    __table_args__ = (sa.UniqueConstraint("exhibition_id", "product_id", name="uq_exhibition_item_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibition_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibition.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    exhibition: Mapped[Exhibition] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()


class ExhibitionPrice(db.Model):
    """A special price for one option while the exhibition runs."""

    __tablename__ = "exhibition_price"
    __table_args__ = (
        sa.UniqueConstraint("exhibition_id", "variant_id", name="uq_exhibition_price_variant"),
        sa.CheckConstraint("price_krw > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibition_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibition.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("variant.id", ondelete="CASCADE"), index=True)
    price_krw: Mapped[int]

    exhibition: Mapped[Exhibition] = relationship(back_populates="special_prices")
    variant: Mapped[Variant] = relationship()


art_collaboration_product = sa.Table(
    "art_collaboration_product",
    db.metadata,
    sa.Column("art_collaboration_id", sa.ForeignKey("art_collaboration.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("product_id", sa.ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Artist(db.Model):
    __tablename__ = "artist"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str | None] = mapped_column(sa.String(255))
    photo_path: Mapped[str | None] = mapped_column(sa.String(255))

    collaborations: Mapped[list[ArtCollaboration]] = relationship(back_populates="artist")


class ArtCollaboration(db.Model):
    __tablename__ = "art_collaboration"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    artist_id: Mapped[int] = mapped_column(sa.ForeignKey("artist.id", ondelete="RESTRICT"), index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    story_html: Mapped[str] = mapped_column(sa.Text, default="")
    before_image_path: Mapped[str | None] = mapped_column(sa.String(255))
    before_image_alt: Mapped[str] = mapped_column(sa.String(200), default="")
    after_image_path: Mapped[str | None] = mapped_column(sa.String(255))
    after_image_alt: Mapped[str] = mapped_column(sa.String(200), default="")
    is_published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    artist: Mapped[Artist] = relationship(back_populates="collaborations")
    enterprise: Mapped[Enterprise] = relationship()
    products: Mapped[list[Product]] = relationship(secondary=art_collaboration_product)
