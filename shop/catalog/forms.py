"""The listing forms of the console (Flask-WTF, so each carries a CSRF token). They only carry what was
typed: every rule, with its Korean message, is kept by shop.catalog.editing, whose refusals are shown
next to the field they name."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField

from shop.catalog.editing import MAX_DESCRIPTION_LENGTH, OptionInput, ProductDetails, editable_description
from shop.catalog.models import Product, TaxType
from shop.core.forms import ServiceErrors

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"
ALT_HINT = "사진을 볼 수 없는 분께 읽어 주는 설명입니다. 예: 유리병에 담긴 딸기잼과 식빵"
NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _normalise_newlines(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class ProductForm(ServiceErrors, FlaskForm):
    # The template draws the category <select> itself, with the sub-categories under their top category.
    category_id = StringField("카테고리")
    name = StringField("상품명", filters=[_strip], render_kw={"maxlength": 120, "autocomplete": "off"})
    summary = StringField("한 줄 소개", filters=[_strip], render_kw={"maxlength": 300, "autocomplete": "off"})
    description = TextAreaField("상세 설명", filters=[_normalise_newlines],
                                render_kw={"rows": 12, "maxlength": MAX_DESCRIPTION_LENGTH})
    tax_type = RadioField("과세 구분", choices=[SelectChoice(value, label) for value, label in TaxType.choices()],
                          default=TaxType.TAXABLE.value, validate_choice=False)
    min_order_qty = StringField("최소 주문 수량 (개)", default="1", filters=[_strip], render_kw=NUMERIC)
    lead_time_days = StringField("출고 소요일 (일)", default="2", filters=[_strip], render_kw=NUMERIC)
    origin = StringField("원산지", default="국내산", filters=[_strip], render_kw={"maxlength": 80})

    def details(self) -> ProductDetails:
        return ProductDetails(
            category_id=self.category_id.data, name=self.name.data or "", summary=self.summary.data or "",
            description=self.description.data or "", tax_type=self.tax_type.data or "",
            min_order_qty=self.min_order_qty.data, lead_time_days=self.lead_time_days.data,
            origin=self.origin.data or "",
        )

    @staticmethod
    def values_of(product: Product) -> dict:
        """The form's starting values: the text as the console edits it (pending changes included)."""
        content = product.revision or product
        return {
            "category_id": str(product.category_id), "name": content.name, "summary": content.summary,
            "description": editable_description(content.description_html), "tax_type": product.tax_type.value,
            "min_order_qty": str(product.min_order_qty), "lead_time_days": str(product.lead_time_days),
            "origin": product.origin,
        }


class OptionForm(ServiceErrors, FlaskForm):
    option_name = StringField("옵션 이름", default="기본", filters=[_strip], render_kw={"maxlength": 100})
    price_krw = StringField("판매가 (원, 부가세 포함)", filters=[_strip], render_kw=NUMERIC)
    sku = StringField("SKU (비워 두면 자동 생성)", filters=[_strip], render_kw={"maxlength": 64, "autocomplete": "off"})
    stock = StringField("재고 (개)", default="0", filters=[_strip], render_kw=NUMERIC)
    track_stock = BooleanField("재고 관리 (끄면 주문 제작·서비스처럼 품절되지 않습니다)", default=True)

    def option(self) -> OptionInput:
        return OptionInput(name=self.option_name.data or "", price_krw=self.price_krw.data, sku=self.sku.data or "",
                           stock=self.stock.data, track_stock=bool(self.track_stock.data))


class ImageForm(ServiceErrors, FlaskForm):
    image = FileField("이미지 파일 (JPG, PNG, WebP · 5MB 이하)", render_kw={"accept": IMAGE_ACCEPT})
    image_alt = StringField("이미지 설명 (대체 텍스트)", filters=[_strip], render_kw={"maxlength": 200})


class NewProductForm(ProductForm, OptionForm, ImageForm):
    """The first save of a product: its details, its first option and, optionally, its first image."""

    image = FileField("대표 이미지 (선택 · JPG, PNG, WebP · 5MB 이하)", render_kw={"accept": IMAGE_ACCEPT})
