"""Public read API (JSON, versioned)."""
from flask import Blueprint

bp = Blueprint("api", __name__)
