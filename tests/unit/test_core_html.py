from shop.core.html import html_to_text, sanitize_html


def test_allowed_markup_is_kept():
    html = "<h3>이야기</h3><p><strong>유기농</strong> <em>커피</em></p><ul><li>하나</li></ul>"
    assert sanitize_html(html) == html


def test_tables_are_kept():
    html = "<table><thead><tr><th>용량</th></tr></thead><tbody><tr><td>200g</td></tr></tbody></table>"
    assert sanitize_html(html) == html


def test_scripts_and_styles_are_removed_with_their_content():
    cleaned = sanitize_html("<p>안녕<script>alert(1)</script><style>p{color:red}</style></p>")
    assert cleaned == "<p>안녕</p>"


def test_event_handlers_and_unknown_tags_are_removed():
    cleaned = sanitize_html('<p onclick="x()" style="color:red">a</p><iframe src="https://e.com"></iframe><div>b</div>')
    assert cleaned == "<p>a</p>b"


def test_links_get_forced_rel_and_lose_javascript_urls():
    cleaned = sanitize_html('<a href="javascript:alert(1)">x</a>')
    assert "javascript" not in cleaned
    cleaned = sanitize_html('<a href="https://example.com" rel="opener" target="_blank" title="t">y</a>')
    assert cleaned == '<a href="https://example.com" title="t" rel="noopener noreferrer nofollow">y</a>'
    assert 'href="mailto:a@example.com"' in sanitize_html('<a href="mailto:a@example.com">m</a>')


def test_images_only_from_relative_or_web_urls():
    assert sanitize_html('<img src="/static/a.png" alt="포장" width="100" height="50">') == (
        '<img src="/static/a.png" alt="포장" width="100" height="50">'
    )
    assert 'src="https://cdn.example.com/a.png"' in sanitize_html('<img src="https://cdn.example.com/a.png">')
    for bad in ("javascript:alert(1)", "data:image/png;base64,AAAA", "mailto:a@example.com"):
        assert "src" not in sanitize_html(f'<img src="{bad}">')
    assert "onerror" not in sanitize_html('<img src="/a.png" onerror="alert(1)">')


def test_empty_input():
    assert sanitize_html("") == ""
    assert sanitize_html(None) == ""
    assert html_to_text(None) == ""


def test_html_to_text():
    assert html_to_text("<p>유기농 &amp; 공정무역</p><p>커피<br>원두</p>") == "유기농 & 공정무역 커피 원두"
    assert html_to_text("<b>굵게</b>글씨<script>alert(1)</script>") == "굵게글씨"
    assert html_to_text("  <ul><li>하나</li><li>둘</li></ul>\n\n ") == "하나 둘"
    assert html_to_text("1 &lt; 2") == "1 < 2"
