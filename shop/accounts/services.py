"""Members: sign-up of each kind, authentication and staff accounts.

Every refusal is an AccountError (or the enterprise/institution domain's own error) carrying a Korean
message and, where it is about one input, the name of that input, so a form can show it in place.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from shop.accounts import passwords
from shop.accounts.models import Role, User, password_hash_method
from shop.accounts.passwords import PasswordError
from shop.core.errors import RuleError
from shop.core.korea import is_valid_mobile, is_valid_phone, normalize_phone
from shop.extensions import db
from shop.models_base import utcnow

LOGIN_FAILED = "이메일 또는 비밀번호가 올바르지 않습니다."
DUPLICATE_EMAIL = "이미 가입된 이메일입니다. 로그인하거나 다른 이메일을 사용해 주세요."
_SIGNUP_ATTEMPTS = 3  # retries after a unique-key race that a retry can resolve (slugs, institutions)


class AccountError(RuleError):
    """A refused account action; `field` names the input the message belongs to, if any."""


@dataclass
class Person:
    """The person signing up, as typed (services normalise and validate it)."""

    name: str
    email: str
    password: str
    phone: str
    agreed_terms: bool = False
    agreed_privacy: bool = False
    agreed_marketing: bool = False
    department: str | None = None
    position: str | None = None


# --- validation -------------------------------------------------------------------------------


def normalize_email(raw: str | None) -> str:
    """The address as stored: validated syntax (no DNS look-up), lower-cased."""
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise AccountError("올바른 이메일 주소를 입력해 주세요.", field="email") from None
    email = result.normalized.lower()
    if len(email) > 254:
        raise AccountError("이메일 주소가 너무 깁니다.", field="email")
    return email


def check_password_rules(password: str | None, *, email: str = "", phone: str = "") -> None:
    try:
        passwords.check_password_rules(password, email=email, phone=phone)
    except PasswordError as exc:
        raise AccountError(str(exc), field="password") from None


def email_taken(email: str) -> bool:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email)) > 0


def _clean(value: str | None, what: str, field: str, max_length: int, required: bool = True) -> str:
    """Whitespace-collapsed text; `what` names it with its particle for the message (e.g. "이름을")."""
    text = " ".join((value or "").split())
    if required and not text:
        raise AccountError(f"{what} 입력해 주세요.", field=field)
    if len(text) > max_length:
        raise AccountError(f"{max_length}자 이하로 입력해 주세요.", field=field)
    return text


def build_user(person: Person, role: Role, *, mobile_only: bool = True) -> User:
    """A new, unsaved member after checking every rule a member must meet (consents included)."""
    name = _clean(person.name, "이름을", "name", 50)
    email = normalize_email(person.email)
    check_password_rules(person.password, email=email, phone=person.phone or "")
    valid_phone = is_valid_mobile(person.phone) if mobile_only else is_valid_phone(person.phone)
    if not valid_phone:
        example = "010-1234-5678" if mobile_only else "010-1234-5678 또는 02-123-4567"
        raise AccountError(f"올바른 전화번호를 입력해 주세요. 예: {example}", field="phone")
    if not person.agreed_terms:
        raise AccountError("이용약관에 동의해 주세요.", field="agree_terms")
    if not person.agreed_privacy:
        raise AccountError("개인정보 수집·이용에 동의해 주세요.", field="agree_privacy")
    if email_taken(email):
        raise AccountError(DUPLICATE_EMAIL, field="email")
    now = utcnow()
    user = User(
        email=email,
        name=name,
        phone=normalize_phone(person.phone),
        role=role,
        is_active_member=True,
        department=_clean(person.department, "부서를", "department", 80, required=False) or None,
        position=_clean(person.position, "직위를", "position", 50, required=False) or None,
        terms_agreed_at=now,
        privacy_agreed_at=now,
        marketing_agreed_at=now if person.agreed_marketing else None,
        created_at=now,
    )
    user.set_password(person.password)
    return user


def commit_signup(user: User) -> None:
    """Commit a new member; a concurrent sign-up with the same email becomes a duplicate-email error."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if email_taken(user.email):
            raise AccountError(DUPLICATE_EMAIL, field="email") from None
        raise


# --- sign-up ----------------------------------------------------------------------------------


def register_consumer(person: Person) -> User:
    """A consumer member, saved."""
    user = build_user(person, Role.CONSUMER)
    db.session.add(user)
    commit_signup(user)
    return user


def register_enterprise(person: Person, application) -> User:
    """An enterprise member with a pending application for their enterprise (an EnterpriseApplication)."""
    from shop.enterprises import services as enterprises

    for attempt in range(_SIGNUP_ATTEMPTS):
        user = build_user(person, Role.ENTERPRISE)
        enterprise = enterprises.new_application(application)
        user.enterprise = enterprise
        user.enterprise_owner = True
        db.session.add_all([enterprise, user])
        try:
            db.session.commit()
            return user
        except IntegrityError:
            db.session.rollback()
            if email_taken(user.email):
                raise AccountError(DUPLICATE_EMAIL, field="email") from None
            enterprises.check_business_number_free(enterprise.business_number)
            if attempt == _SIGNUP_ATTEMPTS - 1:  # not a race we know how to resolve
                raise
    raise AssertionError("unreachable")


@dataclass
class InstitutionSignup:
    user: User
    joined_existing: bool  # True when the institution was already registered


def register_institution(person: Person, application) -> InstitutionSignup:
    """An institution buyer: creates the institution (pending) or joins the registered one, pending
    staff approval of the membership either way."""
    from shop.institutions import services as institutions

    for attempt in range(_SIGNUP_ATTEMPTS):
        user = build_user(person, Role.INSTITUTION, mobile_only=False)
        institution, existing = institutions.institution_for_application(application)
        user.institution = institution
        user.membership_approved = False
        db.session.add(user)
        try:
            db.session.commit()
            return InstitutionSignup(user=user, joined_existing=existing)
        except IntegrityError:
            db.session.rollback()
            if email_taken(user.email):
                raise AccountError(DUPLICATE_EMAIL, field="email") from None
            if attempt == _SIGNUP_ATTEMPTS - 1:  # the institution appeared meanwhile: retry joins it
                raise
    raise AssertionError("unreachable")


# --- authentication ---------------------------------------------------------------------------

_dummy_hashes: dict[str, str] = {}


def _spend_hash_time(password: str) -> None:
    """Check against a throwaway hash so an unknown email takes as long as a wrong password."""
    method = password_hash_method()
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    check_password_hash(_dummy_hashes[method], password)


def authenticate(email: str | None, password: str | None) -> User:
    """The member with these credentials, or AccountError with one message for every mismatch."""
    address = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(User.email == address)) if address else None
    if user is None:
        _spend_hash_time(password or "")
        raise AccountError(LOGIN_FAILED)
    if not user.check_password(password or ""):
        raise AccountError(LOGIN_FAILED)
    if not user.is_active_member:
        raise AccountError("이용이 정지된 계정입니다. 지원센터에 문의해 주세요.")
    return user


def record_login(user: User, at: datetime | None = None) -> None:
    user.last_login_at = at or utcnow()
    db.session.commit()


# --- staff ------------------------------------------------------------------------------------


def create_admin(email: str, name: str, password: str) -> User:
    """A center staff account (used by `flask --app shop create-admin`)."""
    address = normalize_email(email)
    display_name = _clean(name, "이름을", "name", 50)
    check_password_rules(password, email=address)
    if email_taken(address):
        raise AccountError("이미 사용 중인 이메일입니다.", field="email")
    user = User(email=address, name=display_name, phone="", role=Role.ADMIN, is_active_member=True)
    user.set_password(password)
    db.session.add(user)
    commit_signup(user)
    return user
