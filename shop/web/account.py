"""Sign-up, login, logout and the member's own page."""
from flask import Blueprint

bp = Blueprint("account", __name__)


@bp.get("/login")
def login():
    return "login"
