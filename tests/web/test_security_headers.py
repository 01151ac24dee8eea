"""Security headers on pages and API answers, and pages that keep to the Content-Security-Policy."""
import re

import pytest


@pytest.fixture
def product(make_product):
    return make_product(slug="soap", description_html='<p onclick="x()">비누</p>')


@pytest.mark.parametrize("url", ["/", "/products/soap", "/categories?sort=bogus", "/search?q=비누", "/nope",
                                 "/api/v1/products", "/api/v1/products?page=-1"])
def test_headers(client, product, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/", "/categories", "/products/soap", "/search?q=비누", "/exhibitions", "/about"])
def test_pages_load_scripts_and_styles_only_from_the_site(client, product, url):
    html = client.get(url).get_data(as_text=True)
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html) + re.findall(r'<link[^>]*href="([^"]+)"', html):
        assert src.startswith("/"), src
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script without src"
    assert " style=" not in html and "<style" not in html
    assert "onclick" not in html
