"""The ceiling: a bare Flask app rendering a 24-item Jinja page (no database, no extensions), served by
the same gunicorn settings as the shop. `gunicorn -c bench/gunicorn_conf.py bench.reference_app:app`"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template

app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))

ITEMS = [
    {"name": f"참고 상품 {n:02d}", "slug": f"reference-{n}", "enterprise": f"참고 기업 {n % 7}",
     "summary": "성능 비교를 위한 참고 상품 설명입니다.", "price_krw": 10_000 + n * 500, "image": f"/static/ref/{n}.webp"}
    for n in range(1, 25)
]


@app.get("/")
def page():
    return render_template("reference.html", items=ITEMS)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
