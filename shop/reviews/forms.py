"""The review forms (Flask-WTF, so CSRF-protected). They check the shape of the input with Korean
messages; the rules (who may review what, lengths, real images) are kept again by the service."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from shop.core.forms import ServiceErrors
from shop.reviews.services import MAX_BODY_LENGTH, MIN_BODY_LENGTH

RATING_CHOICES = [
    SelectChoice("5", "5점 · 아주 좋아요"),
    SelectChoice("4", "4점 · 좋아요"),
    SelectChoice("3", "3점 · 보통이에요"),
    SelectChoice("2", "2점 · 조금 아쉬워요"),
    SelectChoice("1", "1점 · 많이 아쉬워요"),
]
RATING_MESSAGE = "별점을 1점부터 5점 중에서 골라 주세요."
BODY_LENGTH_MESSAGE = f"후기 내용을 {MIN_BODY_LENGTH}자 이상 {MAX_BODY_LENGTH:,}자 이하로 입력해 주세요."


def _normalise_text(value):
    """Browsers send a newline as CRLF but count it as one character; count it the same way here."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class ReviewForm(ServiceErrors, FlaskForm):
    rating = RadioField("별점", choices=RATING_CHOICES, validate_choice=False, validators=[
        DataRequired(message=RATING_MESSAGE),
        AnyOf([choice.value for choice in RATING_CHOICES], message=RATING_MESSAGE)])
    body = TextAreaField("후기 내용", filters=[_normalise_text], validators=[
        DataRequired(message="후기 내용을 입력해 주세요."),
        Length(min=MIN_BODY_LENGTH, max=MAX_BODY_LENGTH, message=BODY_LENGTH_MESSAGE)],
        render_kw={"rows": 7, "maxlength": MAX_BODY_LENGTH, "minlength": MIN_BODY_LENGTH,
                   "placeholder": "상품의 품질, 포장, 배송은 어땠는지 다른 구매자에게 알려 주세요."})
    photo = FileField("사진 (선택)", render_kw={"accept": "image/*"})



class EditReviewForm(ReviewForm):
    remove_photo = BooleanField("지금 사진 삭제")
