"""Public pages: home, categories, products, enterprises, exhibitions, art collaborations, search."""
from flask import Blueprint, current_app, render_template, send_from_directory

bp = Blueprint("storefront", __name__)


@bp.get("/")
def home():
    return render_template("storefront/home.html")


@bp.get("/media/<path:filename>")
def media(filename: str):
    """Uploaded and generated images (re-encoded on the way in, so safe to serve as they are)."""
    response = send_from_directory(current_app.config["UPLOAD_FOLDER"], filename, max_age=86400)
    return response
