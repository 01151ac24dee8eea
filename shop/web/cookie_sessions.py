"""Flask's signed-cookie sessions, each cookie's checked contents remembered by the worker.

A signed-in member sends the same cookie with every page until something in the session changes; checking
its signature and decoding it (HMAC, zlib, tagged JSON) costs more than drawing a cached page's header. A
cookie seen before, with the same secret key, gives back what it held then, as long as it is younger than
the session lifetime, as Flask would check. Sessions holding a list or a dict (flashed messages) are not
remembered: Flask changes those in place."""
from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from shop.core.cache import Recollection


class RememberingCookieSessions(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._opened = Recollection(size=5_000)  # cookie -> (its contents, when it was signed)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), cookie)
        known = self._opened.recall(key)
        if known is not None and int(time.time()) - known[1] <= max_age:  # itsdangerous's own test
            return self.session_class(known[0])
        try:
            data, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if not any(isinstance(value, list | dict) for value in data.values()):
            self._opened.learn(key, (data, int(signed_at.timestamp())))
        return self.session_class(data)


def install(app: Flask) -> None:
    app.session_interface = RememberingCookieSessions()
