"""Sign-up, login, logout and the member's own page."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from shop.accounts import services as accounts
from shop.accounts.forms import ConsumerSignupForm, EnterpriseSignupForm, InstitutionSignupForm, JoinForm, LoginForm
from shop.accounts.models import User
from shop.accounts.services import AccountError, Person
from shop.enterprises import members
from shop.enterprises.members import MemberError
from shop.enterprises.services import EnterpriseApplication, EnterpriseError
from shop.extensions import limiter
from shop.institutions.services import InstitutionApplication, InstitutionError
from shop.web import login_state
from shop.web.cart import adopt_guest_cart
from shop.web.guards import safe_next_url

bp = Blueprint("account", __name__)


def _start_session(user: User) -> None:
    """A fresh session for the signed-in member, so an identifier planted before login is worthless;
    the guest cart (its own cookie, not the session) joins the member's cart."""
    login_state.end_current("login")  # signing in as someone else ends the previous member's session
    login_state.forget_signed_in_member()
    login_user(user)
    login_state.begin(user)
    accounts.record_login(user)
    adopt_guest_cart(user)  # the cart filled before signing in comes along


def _form_page(template: str, form, **context):
    """The form again, with its errors: 400 after a refused submission, 200 on first view."""
    return render_template(template, form=form, **context), (400 if form.is_submitted() else 200)


def _already_signed_in():
    flash("이미 로그인되어 있습니다.", "info")
    return redirect(url_for("account.account"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return _already_signed_in()
    form = ConsumerSignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_consumer(Person(**form.person_data()))
        except AccountError as exc:
            form.add_error(exc.field, str(exc))
        else:
            _start_session(user)
            flash(f"{user.name}님, 함께장터 회원이 되신 것을 환영합니다!", "success")
            return redirect(url_for("storefront.home"))
    return _form_page("account/register.html", form, kind="consumer")


@bp.route("/register/enterprise", methods=["GET", "POST"])
def register_enterprise():
    if current_user.is_authenticated:
        return _already_signed_in()
    form = EnterpriseSignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_enterprise(
                Person(**form.person_data()), EnterpriseApplication(**form.application_data())
            )
        except (AccountError, EnterpriseError) as exc:
            form.add_error(exc.field, str(exc))
        else:
            _start_session(user)
            flash("입점 신청이 접수되었습니다. 지원센터의 승인 후 판매자 센터를 이용할 수 있습니다.", "success")
            return redirect(url_for("account.account"))
    return _form_page("account/register_enterprise.html", form, kind="enterprise")


@bp.route("/register/institution", methods=["GET", "POST"])
def register_institution():
    if current_user.is_authenticated:
        return _already_signed_in()
    form = InstitutionSignupForm()
    if form.validate_on_submit():
        try:
            signup = accounts.register_institution(
                Person(**form.person_data()), InstitutionApplication(**form.application_data())
            )
        except (AccountError, InstitutionError) as exc:
            form.add_error(exc.field, str(exc))
        else:
            _start_session(signup.user)
            if signup.joined_existing:
                flash(f"이미 등록된 기관 '{signup.user.institution.name}'의 구매담당자로 소속 신청했습니다. "
                      "지원센터의 승인 후 기관 구매를 이용할 수 있습니다.", "success")
            else:
                flash("기관 등록 신청이 접수되었습니다. 지원센터의 승인 후 기관 구매를 이용할 수 있습니다.", "success")
            return redirect(url_for("account.account"))
    return _form_page("account/register_institution.html", form, kind="institution")


@bp.route("/join/<secret>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def join(secret: str):
    """A colleague's invitation link: a new seller account for the invited address."""
    if current_user.is_authenticated:
        flash("초대 링크로 가입하려면 먼저 로그아웃해 주세요.", "info")
        return redirect(url_for("account.account"))
    invitation = members.invitation_for(secret)
    if invitation is None:
        return render_template("errors/error.html", code=404, message=members.INVITATION_GONE), 404
    form = JoinForm()
    if form.validate_on_submit():
        try:
            user = members.accept_invitation(secret, Person(**form.person_data()))
        except (AccountError, MemberError) as exc:
            form.add_error(exc.field, str(exc))
        else:
            _start_session(user)
            flash(f"{user.enterprise.name} 판매자 센터에 오신 것을 환영합니다.", "success")
            return redirect(url_for("console.dashboard"))
    page = render_template("account/join.html", form=form, invitation=invitation, secret=secret)
    return page, (400 if form.is_submitted() else 200)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or url_for("account.account"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except AccountError as exc:
            error = str(exc)
        else:
            _start_session(user)
            flash(f"{user.name}님, 반갑습니다.", "success")
            return redirect(next_url or url_for("storefront.home"))
    page = render_template("account/login.html", form=form, error=error, next_url=next_url)
    if error:
        return page, 401
    return page, (400 if form.is_submitted() else 200)


@bp.post("/logout")
def logout():
    login_state.end_current("logout")
    login_state.forget_signed_in_member()
    logout_user()  # after clearing, so it can still ask the browser to drop a remember-me cookie
    flash("로그아웃되었습니다.", "info")
    return redirect(url_for("storefront.home"))


@bp.get("/account")
@login_required
def account():
    return render_template("account/account.html", user=current_user)
