"""Signed-in bench buyers: each one's session cookie and CSRF token, collected with a Python client.

Production cookies are Secure, and a standards-following client does not send them back over plain
HTTP; the bench talks HTTP on loopback, so it keeps cookies itself and sends them as a header. Nothing in
the app is relaxed for this. Flask-Login's "strong" session protection ties a session to the client's
address and User-Agent, so every bench client (requests, wrk) sends the same USER_AGENT.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from shop.demo.bench import BENCH_PASSWORD

USER_AGENT = "hamkke-bench/1"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class SignInError(RuntimeError):
    pass


@dataclass
class Buyer:
    email: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def headers(self, **extra) -> dict[str, str]:
        return {"User-Agent": USER_AGENT, "Cookie": self.cookie_header, **extra}

    def keep(self, response: requests.Response) -> None:
        for cookie in response.cookies:
            if cookie.value:
                self.cookies[cookie.name] = cookie.value
            else:
                self.cookies.pop(cookie.name, None)


def csrf_from(html: str) -> str:
    found = CSRF.search(html)
    if not found:
        raise SignInError("no csrf_token in page")
    return found.group(1) or found.group(2)


def request(http: requests.Session, buyer: Buyer, method: str, url: str, **kw) -> requests.Response:
    http.cookies.clear()  # the buyer's own cookies go in the header; the jar would override them
    response = http.request(method, url, headers=buyer.headers(**kw.pop("headers", {})), allow_redirects=False,
                            timeout=kw.pop("timeout", 60), **kw)
    buyer.keep(response)
    return response


def sign_in(base: str, email: str) -> Buyer:
    buyer = Buyer(email)
    with requests.Session() as http:
        page = request(http, buyer, "GET", base + "/login")
        token = csrf_from(page.text)
        done = request(http, buyer, "POST", base + "/login",
                       data={"csrf_token": token, "email": email, "password": BENCH_PASSWORD})
        if done.status_code != 302:
            raise SignInError(f"{email}: login answered {done.status_code}")
        # A page after login puts the CSRF secret into the new session; take the token and that cookie.
        cart = request(http, buyer, "GET", base + "/cart")
        buyer.csrf = csrf_from(cart.text)
        again = request(http, buyer, "GET", base + "/cart")
        if again.status_code != 200 or "로그아웃" not in again.text:
            raise SignInError(f"{email}: not signed in after login ({again.status_code})")
    return buyer


def sign_in_all(base: str, emails: list[str], parallel: int = 4) -> list[Buyer]:
    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(lambda email: sign_in(base, email), emails))
