"""A local Stripe-compatible HTTP server for tests: the app's real stripe SDK talks to it over HTTP.

It covers the part of Stripe the mall uses (KRW Checkout Sessions, refunds, signed webhooks and a
hosted test-card page) in Stripe's wire format: nested form-encoded params in, JSON out, Bearer auth,
Idempotency-Key replay, and `{"error": {...}}` bodies that the SDK turns into its own exceptions.

    with StripeServer(webhook_secret="whsec_test_local") as server:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": server.base_url})
        session = client.v1.checkout.sessions.create({...})
        server.webhook_url = f"{live_app}/payments/stripe/webhook"
        event = server.complete_session(session.id)  # signed checkout.session.completed, delivered

Webhooks that API calls (refunds, expiring) or the hosted page cause follow `webhook_timing`:
"after_response" (default; like Stripe, sent after the answer, `wait_for_webhooks()` waits for them),
"before_response" (sent before the answer: deterministic, and the earliest a webhook can race the
caller) or "manual" (queued in `pending_events` until `deliver_pending()`). The control methods
(`complete_session` and friends) always deliver at once, unless told `deliver=False`.

Only for tests: state lives in memory, one lock serialises every change.
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import html
import json
import re
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from collections import namedtuple
from dataclasses import dataclass

import stripe
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

API_VERSION = stripe.api_version  # what the installed SDK expects in events
ZERO_DECIMAL_CURRENCIES = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()
)
REFUND_STATUSES = frozenset({"pending", "requires_action", "succeeded", "failed", "canceled"})
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
WEBHOOK_TIMINGS = ("after_response", "before_response", "manual")
PAGE_TITLE = "테스트 카드 결제 (로컬 Stripe 호환 서버)"

# Stripe's documented create params. Only some are modelled; the rest are accepted and stored so the
# app may send them, while a typo still fails the way Stripe fails it ("Received unknown parameter").
SESSION_PARAMS = frozenset("""
    adaptive_pricing after_expiration allow_promotion_codes automatic_tax billing_address_collection
    branding_settings cancel_url client_reference_id consent_collection currency custom_fields custom_text
    customer customer_account customer_creation customer_email customer_update discounts
    excluded_payment_method_types expand expires_at invoice_creation line_items locale metadata mode
    name_collection optional_items origin_context payment_intent_data payment_method_collection
    payment_method_configuration payment_method_data payment_method_options payment_method_types
    permissions phone_number_collection redirect_on_completion return_url saved_payment_method_options
    setup_intent_data shipping_address_collection shipping_options submit_type subscription_data
    success_url tax_id_collection ui_mode wallet_options
""".split())
LINE_ITEM_PARAMS = frozenset(
    "adjustable_quantity dynamic_tax_rates metadata price price_data quantity tax_rates".split())
PRICE_DATA_PARAMS = frozenset(
    "currency product product_data recurring tax_behavior unit_amount unit_amount_decimal".split())
PRODUCT_DATA_PARAMS = frozenset("description images metadata name tax_code unit_label".split())
REFUND_PARAMS = frozenset("""
    amount charge currency customer expand instructions_email metadata origin payment_intent reason
    refund_application_fee reverse_transfer
""".split())

LoggedRequest = namedtuple("LoggedRequest", "method path params idempotency_key")
Delivery = namedtuple("Delivery", "event_id event_type url status")


# --- errors and params -----------------------------------------------------------------------------


class ApiError(Exception):
    """A Stripe error response; the SDK maps status and type to its exception classes."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code

    def body(self) -> dict:
        error = {"type": self.type, "message": self.message, "param": self.param, "code": self.code}
        return {"error": {key: value for key, value in error.items() if value is not None}}


def _missing(param: str) -> ApiError:
    return ApiError(400, f"Missing required param: {param}.", param=param, code="parameter_missing")


_BRACKETED = re.compile(r"\[([^\[\]]*)\]")


def parse_stripe_params(pairs) -> dict:
    """Stripe's form encoding to nested data: `a[0][b]=1&m[k]=v` -> {"a": [{"b": "1"}], "m": {"k": "v"}}.
    Values stay strings, as Stripe receives them; `a[]=x` appends like Stripe's legacy array syntax."""
    root: dict = {}
    for raw_key, value in pairs:
        head, bracket, rest = raw_key.partition("[")
        parts = [head] + (_BRACKETED.findall(bracket + rest) if bracket else [])
        node = root
        for depth, part in enumerate(parts):
            if part == "":
                part = str(len(node))
            if depth == len(parts) - 1:
                if isinstance(node.get(part), dict):
                    raise ApiError(400, f"Invalid hash: {raw_key} given as both a value and a hash.", param=raw_key)
                node[part] = value
            else:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ApiError(400, f"Invalid hash: {raw_key} given as both a value and a hash.", param=raw_key)
    return _indexed_to_lists(root)


def _indexed_to_lists(value, key: str | None = None):
    if not isinstance(value, dict):
        return value
    converted = {k: _indexed_to_lists(v, k) for k, v in value.items()}
    # metadata keys are the app's own strings, even when they look like indexes
    if key != "metadata" and converted and set(converted) == {str(i) for i in range(len(converted))}:
        return [converted[str(i)] for i in range(len(converted))]
    return converted


def _reject_unknown(params: dict, allowed: frozenset, prefix: str = "") -> None:
    for name in params:
        if name not in allowed:
            param = f"{prefix}[{name}]" if prefix else name
            raise ApiError(400, f"Received unknown parameter: {param}", param=param)


def _integer(value, param: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not re.fullmatch(r"-?\d+", str(value)):
        raise ApiError(400, f"Invalid integer: {value}", param=param)
    number = int(value)
    if minimum is not None and number < minimum:
        raise ApiError(400, f"This value must be greater than or equal to {minimum}.", param=param)
    return number


def _string(value, param: str, *, max_length: int = 5000) -> str:
    if not isinstance(value, str):
        raise ApiError(400, f"Invalid string: {value!r}", param=param)
    if len(value) > max_length:
        raise ApiError(400, f"Invalid string: must be at most {max_length} characters", param=param)
    return value


def _url(value, param: str) -> str:
    value = _string(value, param)
    if not re.match(r"https?://[^/\s]+", value):
        raise ApiError(400, "Not a valid URL", param=param, code="url_invalid")
    return value


def _metadata(value, param: str = "metadata") -> dict:
    """Stripe's limits: 50 keys, keys up to 40 characters, values up to 500; an empty value unsets."""
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise ApiError(400, "Invalid hash", param=param)
    if len(value) > 50:
        raise ApiError(400, "Metadata can have up to 50 keys.", param=param)
    for key, item in value.items():
        if len(key) > 40:
            raise ApiError(400, f"Metadata keys can have up to 40 characters, but '{key}' has {len(key)}.",
                           param=f"{param}[{key}]")
        if not isinstance(item, str):
            raise ApiError(400, "Invalid metadata value: must be a string", param=f"{param}[{key}]")
        if len(item) > 500:
            raise ApiError(400, "Metadata values can have up to 500 characters, but you passed in a value "
                           f"that is {len(item)} characters.", param=f"{param}[{key}]")
    return {key: item for key, item in value.items() if item != ""}


def _expand(params: dict) -> list[str]:
    value = params.get("expand") or []
    return [value] if isinstance(value, str) else list(value)


_ID_ALPHABET = string.ascii_letters + string.digits


def _new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(24))


def format_amount(amount: int, currency: str) -> str:
    if currency == "krw":
        return f"{amount:,}원"
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{amount:,} {currency.upper()}"
    return f"{amount / 100:,.2f} {currency.upper()}"


# --- HTTP plumbing ---------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """Tests race hundreds of requests; one access-log line each would drown real failures."""

    def log_request(self, code="-", size="-"):
        pass


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Stripe does not follow redirects from a webhook endpoint: a 3xx is a failed delivery."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No proxies either: deliveries go to local ports.
_WEBHOOK_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())

_ROUTES = Map([
    Rule("/v1/checkout/sessions", methods=["POST"], endpoint="create_session"),
    Rule("/v1/checkout/sessions/<session_id>", methods=["GET"], endpoint="retrieve_session"),
    Rule("/v1/checkout/sessions/<session_id>/expire", methods=["POST"], endpoint="expire_session"),
    Rule("/v1/checkout/sessions/<session_id>/line_items", methods=["GET"], endpoint="list_line_items"),
    Rule("/v1/refunds", methods=["POST"], endpoint="create_refund"),
    Rule("/v1/refunds", methods=["GET"], endpoint="list_refunds"),
    Rule("/v1/refunds/<refund_id>", methods=["GET"], endpoint="retrieve_refund"),
    Rule("/v1/payment_intents/<intent_id>", methods=["GET"], endpoint="retrieve_payment_intent"),
    Rule("/v1/charges/<charge_id>", methods=["GET"], endpoint="retrieve_charge"),
    Rule("/v1/events/<event_id>", methods=["GET"], endpoint="retrieve_event"),
    Rule("/pay/<session_id>", methods=["GET", "POST"], endpoint="hosted_page"),
], strict_slashes=False)


@dataclass
class _StoredResponse:
    route: str
    params: dict
    status: int
    body: bytes


@dataclass
class _Failure:
    remaining: int
    status: int
    path: str | None
    after_executing: bool


# --- the server ------------------------------------------------------------------------------------


class StripeServer:
    """See the module docstring. Public state (`sessions`, `refunds`, ...) is for reading only."""

    def __init__(self, webhook_secret: str = "whsec_test_local", webhook_url: str | None = None, *,
                 api_key: str | None = None, webhook_timing: str = "after_response",
                 emit_on_api_expire: bool = True, host: str = "127.0.0.1", port: int = 0):
        if webhook_timing not in WEBHOOK_TIMINGS:
            raise ValueError(f"webhook_timing must be one of {WEBHOOK_TIMINGS}")
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.api_key = api_key  # None: any sk_test_/rk_test_ key is accepted
        self.webhook_timing = webhook_timing
        self.emit_on_api_expire = emit_on_api_expire
        self.host, self.port = host, port
        self.base_url: str | None = None
        self._http = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)  # background deliveries in flight reach zero
        self._in_flight = 0
        self.reset()

    def reset(self) -> None:
        """Forget everything, so one server can serve a whole test session."""
        with self._lock:
            self.sessions: dict[str, dict] = {}
            self.session_line_items: dict[str, list[dict]] = {}
            self.payment_intents: dict[str, dict] = {}
            self.charges: dict[str, dict] = {}
            self.refunds: dict[str, dict] = {}
            self.events: list[dict] = []  # every event the server emitted, in order
            self.requests: list[LoggedRequest] = []
            self.deliveries: list[Delivery] = []
            self.pending_events: list[dict] = []  # webhook_timing="manual"
            self.refund_status = "succeeded"  # "pending" makes new refunds pending, like bank refunds
            # Since API version 2022-11-15 a charge no longer carries its refunds unless expanded, so
            # charge.refunded events omit them; True restores the older shape.
            self.charge_refunds_in_events = False
            self._idempotent: dict[str, _StoredResponse] = {}
            self._failures: list[_Failure] = []

    # lifecycle

    def start(self) -> str:
        if self._http is not None:
            raise RuntimeError("StripeServer is already running")
        self._http = make_server(self.host, self.port, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.base_url = f"http://{self.host}:{self._http.server_port}"
        # A short poll interval keeps stop() quick; tests start one server each.
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="stripe-server", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._http is None:
            return
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)
        self._http = self._thread = None

    def __enter__(self) -> StripeServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # control: what happens at Stripe without an API call

    def complete_session(self, session_id: str, *, payment_status: str = "paid", amount_total: int | None = None,
                         deliver: bool = True) -> dict:
        """The buyer paid (or, with payment_status="unpaid", started a delayed payment such as a bank
        transfer). `amount_total` overrides what was charged, to simulate an amount mismatch. Returns
        the checkout.session.completed event; `event["_delivery_status"]` is the webhook's HTTP status
        (None when not delivered or unreachable)."""
        with self._lock:
            event = self._complete(session_id, payment_status, amount_total)
        return self._deliver_now(event, deliver)

    def expire_session(self, session_id: str, *, deliver: bool = True) -> dict:
        """The session ran out of time: checkout.session.expired."""
        with self._lock:
            session = self._session_or_keyerror(session_id)
            if session["status"] != "open":
                raise ValueError(f"session {session_id} is {session['status']}, only open sessions expire")
            event = self._expire(session)
        return self._deliver_now(event, deliver)

    def fail_async_payment(self, session_id: str, *, deliver: bool = True) -> dict:
        """A delayed payment failed: checkout.session.async_payment_failed. An open session is first
        completed as unpaid (its checkout.session.completed is delivered too, as Stripe would)."""
        return self._finish_async(session_id, succeeded=False, deliver=deliver)

    def succeed_async_payment(self, session_id: str, *, deliver: bool = True) -> dict:
        """A delayed payment arrived: checkout.session.async_payment_succeeded, the session now paid."""
        return self._finish_async(session_id, succeeded=True, deliver=deliver)

    def update_refund(self, refund_id: str, status: str, *, failure_reason: str | None = None,
                      deliver: bool = True) -> dict:
        """The bank settled a refund (pending -> succeeded) or refused it (-> failed, and the amount
        becomes refundable again): refund.updated with previous_attributes."""
        if status not in REFUND_STATUSES:
            raise ValueError(f"refund status must be one of {sorted(REFUND_STATUSES)}")
        with self._lock:
            refund = self.refunds.get(refund_id)
            if refund is None:
                raise KeyError(f"no refund {refund_id}")
            previous = refund["status"]
            refund["status"] = status
            if status == "failed":
                refund["failure_reason"] = failure_reason or "unknown"
            self._recount_refunds(self.charges[refund["charge"]])
            event = self._emit("refund.updated", refund, previous_attributes={"status": previous})
        return self._deliver_now(event, deliver)

    def fail_next(self, count: int = 1, *, status: int = 500, path: str | None = None,
                  after_executing: bool = False) -> None:
        """The next `count` API requests (under `path`, if given) answer `status`. after_executing=True
        runs the request first, as when Stripe acts but the answer is lost: the SDK's retry with the
        same Idempotency-Key then gets the stored result."""
        with self._lock:
            self._failures.append(_Failure(count, status, path, after_executing))

    # events and webhooks

    def build_event(self, type: str, obj: dict, *, previous_attributes: dict | None = None,
                    request: dict | None = None) -> dict:
        """A Stripe event around a snapshot of `obj`; not recorded or sent."""
        data = {"object": copy.deepcopy(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        return {
            "id": _new_id("evt_"), "object": "event", "api_version": API_VERSION, "created": int(time.time()),
            "data": data, "livemode": False, "pending_webhooks": 1 if self.webhook_url else 0,
            "request": request or {"id": None, "idempotency_key": None}, "type": type,
        }

    def sign(self, payload: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
        """Stripe's scheme: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>" under the secret>`."""
        timestamp = int(time.time()) if timestamp is None else int(timestamp)
        key = (secret or self.webhook_secret).encode("utf-8")
        digest = hmac.new(key, f"{timestamp}.".encode("utf-8") + payload, hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={digest}"

    @staticmethod
    def payload_of(event: dict) -> bytes:
        """The JSON body a webhook carries; keys starting with "_" are the server's notes, not Stripe's."""
        public = {key: value for key, value in event.items() if not key.startswith("_")}
        return json.dumps(public, ensure_ascii=False).encode("utf-8")

    def deliver(self, event: dict, *, times: int = 1, concurrently: bool = False, secret: str | None = None,
                timestamp: int | None = None, url: str | None = None) -> list[int | None]:
        """POST the signed event to the webhook URL `times` times (concurrently: all released at once,
        for race tests). Returns each delivery's HTTP status; None where nothing answered."""
        url = url or self.webhook_url
        if not url:
            raise RuntimeError("no webhook_url to deliver to")
        payload = self.payload_of(event)
        if not concurrently:
            return [self._post(event, payload, url, secret, timestamp) for _ in range(times)]
        statuses: list[int | None] = [None] * times
        start = threading.Barrier(times)

        def one(index: int) -> None:
            start.wait()
            statuses[index] = self._post(event, payload, url, secret, timestamp)

        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(times)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return statuses

    def deliver_pending(self) -> list[int | None]:
        """webhook_timing="manual": send the queued events, oldest first."""
        with self._lock:
            events, self.pending_events = self.pending_events, []
        return [self.deliver(event)[0] for event in events]

    def wait_for_webhooks(self, timeout: float = 5.0) -> None:
        """Until every background ("after_response") delivery has been answered."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout):
                raise TimeoutError(f"{self._in_flight} webhook batches still in flight after {timeout}s")

    def _post(self, event: dict, payload: bytes, url: str, secret: str | None, timestamp: int | None) -> int | None:
        request = urllib.request.Request(url, data=payload, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": self.sign(payload, timestamp=timestamp, secret=secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        })
        try:
            with _WEBHOOK_OPENER.open(request, timeout=15) as answer:
                answer.read()
                status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
        except OSError:
            status = None
        with self._lock:
            self.deliveries.append(Delivery(event.get("id"), event.get("type"), url, status))
        return status

    def _deliver_now(self, event: dict, deliver: bool) -> dict:
        event["_delivery_status"] = self.deliver(event)[0] if deliver and self.webhook_url else None
        return event

    def _dispatch_events(self, events: list[dict], response: Response) -> None:
        """Events an API call or the hosted page caused, sent as `webhook_timing` says."""
        if not events:
            return
        if self.webhook_timing == "manual":
            with self._lock:
                self.pending_events.extend(events)
        elif not self.webhook_url:
            return
        elif self.webhook_timing == "before_response":
            for event in events:
                self.deliver(event)
        else:
            with self._lock:  # counted before the answer leaves, so wait_for_webhooks cannot miss it
                self._in_flight += 1
            response.call_on_close(lambda: threading.Thread(
                target=self._deliver_in_background, args=(events,), daemon=True).start())

    def _deliver_in_background(self, events: list[dict]) -> None:
        try:
            for event in events:
                if self.webhook_url:
                    self.deliver(event)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    # state changes; callers hold the lock

    def _emit(self, type: str, obj: dict, **kwargs) -> dict:
        event = self.build_event(type, obj, **kwargs)
        self.events.append(event)
        return event

    def _session_or_keyerror(self, session_id: str) -> dict:
        session = self.sessions.get(session_id)
        if session is None:
            raise KeyError(f"no checkout session {session_id}")
        return session

    def _complete(self, session_id: str, payment_status: str, amount_total: int | None) -> dict:
        session = self._session_or_keyerror(session_id)
        if session["status"] != "open":
            raise ValueError(f"session {session_id} is {session['status']}, only open sessions complete")
        if payment_status not in ("paid", "unpaid"):
            raise ValueError("payment_status must be paid or unpaid")
        if amount_total is not None:
            session["amount_total"] = int(amount_total)
        intent = {
            "id": _new_id("pi_"), "object": "payment_intent", "amount": session["amount_total"],
            "amount_received": 0, "currency": session["currency"], "status": "processing",
            "latest_charge": None, "metadata": dict(session["_payment_intent_metadata"]),
            "payment_method_types": list(session["payment_method_types"]), "created": int(time.time()),
            "livemode": False,
        }
        self.payment_intents[intent["id"]] = intent
        session.update(status="complete", payment_status=payment_status, payment_intent=intent["id"],
                       customer_details={"email": session["customer_email"], "name": None, "phone": None})
        if payment_status == "paid":
            self._capture(intent)
        return self._emit("checkout.session.completed", self._public(session))

    def _capture(self, intent: dict) -> None:
        charge = {
            "id": _new_id("ch_"), "object": "charge", "amount": intent["amount"],
            "amount_captured": intent["amount"], "amount_refunded": 0, "captured": True,
            "currency": intent["currency"], "paid": True, "payment_intent": intent["id"], "refunded": False,
            "status": "succeeded", "metadata": {}, "created": int(time.time()), "livemode": False,
        }
        self.charges[charge["id"]] = charge
        intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"])

    def _expire(self, session: dict) -> dict:
        session["status"] = "expired"
        return self._emit("checkout.session.expired", self._public(session))

    def _finish_async(self, session_id: str, *, succeeded: bool, deliver: bool) -> dict:
        with self._lock:
            session = self._session_or_keyerror(session_id)
            completed = self._complete(session_id, "unpaid", None) if session["status"] == "open" else None
            intent = self.payment_intents.get(session["payment_intent"] or "")
            if intent is None or intent["status"] != "processing":
                raise ValueError(f"session {session_id} has no delayed payment in progress")
            if succeeded:
                self._capture(intent)
                session["payment_status"] = "paid"
            else:
                intent["status"] = "requires_payment_method"
            kind = "succeeded" if succeeded else "failed"
            event = self._emit(f"checkout.session.async_payment_{kind}", self._public(session))
        if completed is not None:
            self._deliver_now(completed, deliver)
        return self._deliver_now(event, deliver)

    def _recount_refunds(self, charge: dict) -> None:
        """Pending and succeeded refunds hold money; failed and canceled ones give it back."""
        charge["amount_refunded"] = sum(r["amount"] for r in self.refunds.values()
                                        if r["charge"] == charge["id"] and r["status"] not in ("failed", "canceled"))
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]

    def _charge_view(self, charge: dict, *, with_refunds: bool) -> dict:
        view = copy.deepcopy(charge)
        if with_refunds:
            data = [copy.deepcopy(r) for r in self._refunds_newest_first() if r["charge"] == charge["id"]]
            view["refunds"] = {"object": "list", "data": data, "has_more": False, "total_count": len(data),
                               "url": f"/v1/charges/{charge['id']}/refunds"}
        return view

    def _refunds_newest_first(self) -> list[dict]:
        return list(reversed(self.refunds.values()))

    @staticmethod
    def _public(session: dict) -> dict:
        return {key: copy.deepcopy(value) for key, value in session.items() if not key.startswith("_")}

    # the WSGI app

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        request_id = _new_id("req_")
        events: list[dict] = []
        try:
            pairs = request.form.items(multi=True) if request.method == "POST" else request.args.items(multi=True)
            params = parse_stripe_params(pairs)
            with self._lock:
                self.requests.append(LoggedRequest(request.method, request.path, params,
                                                   request.headers.get("Idempotency-Key")))
            try:
                endpoint, url_args = _ROUTES.bind_to_environ(environ).match()
            except (NotFound, MethodNotAllowed):
                raise ApiError(404, f"Unrecognized request URL ({request.method}: {request.path}).") from None
            if endpoint == "hosted_page":
                response = self._hosted_page(request, params, events, **url_args)
            else:
                response = self._api(request, request_id, endpoint, url_args, params, events)
        except ApiError as exc:
            response = self._json(exc.status, exc.body())
        except Exception as exc:  # a bug or a misconfigured test: say so in Stripe's shape, not an HTML 500
            response = self._json(500, ApiError(500, f"{type(exc).__name__}: {exc}", type="api_error").body())
        response.headers["Request-Id"] = request_id
        self._dispatch_events(events, response)
        return response(environ, start_response)

    @staticmethod
    def _json(status: int, obj) -> Response:
        body = obj if isinstance(obj, bytes) else json.dumps(obj, ensure_ascii=False).encode("utf-8")
        return Response(body, status=status, mimetype="application/json", headers={"Stripe-Version": API_VERSION})

    def _authenticate(self, request: Request) -> None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise ApiError(401, "You did not provide an API key. You need to provide your API key in the "
                                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
        if not key.startswith(("sk_test_", "rk_test_")) or (self.api_key is not None and key != self.api_key):
            raise ApiError(401, f"Invalid API Key provided: {key[:8]}{'*' * 4}{key[-4:]}")

    def _api(self, request: Request, request_id: str, endpoint: str, url_args: dict, params: dict,
             events: list[dict]) -> Response:
        self._authenticate(request)
        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        route = f"{request.method} {request.path}"
        # One lock around look-up, execution and storing: concurrent requests with one key see one result.
        with self._lock:
            failure = self._take_failure(request.path)
            if failure is not None and not failure.after_executing:
                return self._failure_response(failure)
            if key is not None and key in self._idempotent:
                stored = self._idempotent[key]
                self._check_same_request(key, stored, route, params)
                response = self._json(stored.status, stored.body)
                response.headers["Idempotent-Replayed"] = "true"
                response.headers["Original-Request"] = stored.route
                return response
            handler = getattr(self, f"_api_{endpoint}")
            context = {"events": events, "request": {"id": request_id, "idempotency_key": key}}
            status, obj = handler(params, context, **url_args)
            body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
            # Like Stripe, only requests that ran are remembered; validation errors raised above are not.
            if key is not None:
                self._idempotent[key] = _StoredResponse(route, params, status, body)
            if failure is not None:
                return self._failure_response(failure)
            return self._json(status, body)

    @staticmethod
    def _check_same_request(key: str, stored: _StoredResponse, route: str, params: dict) -> None:
        if stored.route != route:
            raise ApiError(400, "Keys for idempotent requests can only be used for the same endpoint they were "
                                f"first used for ('{stored.route}' vs '{route}'). Try using a key other than "
                                f"'{key}' if you meant to execute a different request.", type="idempotency_error")
        if stored.params != params:
            raise ApiError(400, "Keys for idempotent requests can only be used with the same parameters they were "
                                f"first used with. Try using a key other than '{key}' if you meant to execute a "
                                "different request.", type="idempotency_error")

    def _take_failure(self, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.path is None or path.startswith(failure.path):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _failure_response(self, failure: _Failure) -> Response:
        error = ApiError(failure.status, "Simulated failure from the local Stripe server (fail_next).",
                         type="api_error")
        return self._json(failure.status, error.body())

    # API endpoints: (params, context, **url args) -> (status, object); called with the lock held

    def _api_create_session(self, params: dict, context: dict) -> tuple[int, dict]:
        _reject_unknown(params, SESSION_PARAMS)
        if "mode" not in params:
            raise _missing("mode")
        if params["mode"] != "payment":
            raise ApiError(400, f"This local server only supports mode=payment, not {params['mode']!r}.", param="mode")
        raw_items = params.get("line_items")
        if not raw_items:
            raise _missing("line_items")
        if not isinstance(raw_items, list):
            raise ApiError(400, "Invalid array", param="line_items")
        items = [self._line_item(index, raw) for index, raw in enumerate(raw_items)]
        currency = items[0]["currency"]
        for index, item in enumerate(items):
            if item["currency"] != currency:
                raise ApiError(400, "Checkout Sessions do not support line items with different currencies "
                                    f"({currency} and {item['currency']}).",
                               param=f"line_items[{index}][price_data][currency]")
        total = sum(item["amount_total"] for item in items)
        if total < 1:
            raise ApiError(400, "The Checkout Session's total amount due must be greater than zero.", param="line_items")
        if "success_url" not in params:
            raise _missing("success_url")
        now = int(time.time())
        expires_at = now + 24 * 3600
        if "expires_at" in params:
            expires_at = _integer(params["expires_at"], "expires_at")
            # Stripe: 30 minutes to 24 hours after creation; a few seconds of slack for clock ticks.
            if not now + 30 * 60 - 5 <= expires_at <= now + 24 * 3600 + 5:
                raise ApiError(400, "The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                                    "Checkout Session creation.", param="expires_at")
        methods = params.get("payment_method_types") or ["card"]
        if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
            raise ApiError(400, "Invalid array", param="payment_method_types")
        intent_data = params.get("payment_intent_data") or {}
        session_id = _new_id("cs_test_")
        session = {
            "id": session_id, "object": "checkout.session",
            "amount_subtotal": total, "amount_total": total, "currency": currency,
            "cancel_url": _url(params["cancel_url"], "cancel_url") if "cancel_url" in params else None,
            "success_url": _url(params["success_url"], "success_url"),
            "client_reference_id": _string(params["client_reference_id"], "client_reference_id", max_length=200)
            if "client_reference_id" in params else None,
            "customer_email": _string(params["customer_email"], "customer_email") if "customer_email" in params else None,
            "customer_details": None, "locale": params.get("locale"),
            "metadata": _metadata(params.get("metadata")), "mode": "payment",
            "payment_intent": None, "payment_method_types": methods, "payment_status": "unpaid",
            "status": "open", "url": f"{self.base_url}/pay/{session_id}",
            "expires_at": expires_at, "created": now, "livemode": False,
            "_payment_intent_metadata": _metadata(intent_data.get("metadata") if isinstance(intent_data, dict) else None,
                                                  "payment_intent_data[metadata]"),
            "_params": params,  # everything sent, including accepted-but-unmodelled params
        }
        self.sessions[session_id] = session
        self.session_line_items[session_id] = items
        return 200, self._session_view(session, _expand(params))

    def _line_item(self, index: int, raw) -> dict:
        prefix = f"line_items[{index}]"
        if not isinstance(raw, dict):
            raise ApiError(400, "Invalid hash", param=prefix)
        _reject_unknown(raw, LINE_ITEM_PARAMS, prefix)
        if "price" in raw:  # this server has no catalogue of Prices
            raise ApiError(400, f"No such price: '{raw['price']}'", param=f"{prefix}[price]", code="resource_missing")
        price_data = raw.get("price_data")
        if not isinstance(price_data, dict):
            raise _missing(f"{prefix}[price_data]")
        price_prefix = f"{prefix}[price_data]"
        _reject_unknown(price_data, PRICE_DATA_PARAMS, price_prefix)
        if "currency" not in price_data:
            raise _missing(f"{price_prefix}[currency]")
        currency = _string(price_data["currency"], f"{price_prefix}[currency]").lower()
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise ApiError(400, f"Invalid currency: {currency}", param=f"{price_prefix}[currency]")
        if "unit_amount_decimal" in price_data:
            raise ApiError(400, "This local server supports unit_amount only (an integer in the currency's "
                                "smallest unit).", param=f"{price_prefix}[unit_amount_decimal]")
        if "unit_amount" not in price_data:
            raise _missing(f"{price_prefix}[unit_amount]")
        # Zero-decimal currencies such as KRW have no fractional unit: whole won, and a price is positive.
        minimum = 1 if currency in ZERO_DECIMAL_CURRENCIES else 0
        unit_amount = _integer(price_data["unit_amount"], f"{price_prefix}[unit_amount]", minimum=minimum)
        if "product" in price_data:
            raise ApiError(400, f"No such product: '{price_data['product']}'", param=f"{price_prefix}[product]",
                           code="resource_missing")
        product_data = price_data.get("product_data")
        if not isinstance(product_data, dict):
            raise _missing(f"{price_prefix}[product_data]")
        _reject_unknown(product_data, PRODUCT_DATA_PARAMS, f"{price_prefix}[product_data]")
        name = product_data.get("name")
        if not name:
            raise _missing(f"{price_prefix}[product_data][name]")
        name = _string(name, f"{price_prefix}[product_data][name]", max_length=250)
        if "quantity" not in raw:
            raise _missing(f"{prefix}[quantity]")
        quantity = _integer(raw["quantity"], f"{prefix}[quantity]", minimum=1)
        amount = unit_amount * quantity
        return {
            "id": _new_id("li_"), "object": "item", "amount_discount": 0, "amount_subtotal": amount,
            "amount_tax": 0, "amount_total": amount, "currency": currency, "description": name,
            "price": {"id": _new_id("price_"), "object": "price", "active": False, "currency": currency,
                      "product": _new_id("prod_"), "type": "one_time", "unit_amount": unit_amount,
                      "livemode": False},
            "quantity": quantity,
        }

    def _session_view(self, session: dict, expand: list[str]) -> dict:
        view = self._public(session)
        if "payment_intent" in expand and session["payment_intent"]:
            view["payment_intent"] = copy.deepcopy(self.payment_intents[session["payment_intent"]])
        if "line_items" in expand:
            view["line_items"] = self._line_items_list(session["id"])
        return view

    def _line_items_list(self, session_id: str) -> dict:
        data = copy.deepcopy(self.session_line_items[session_id])
        return {"object": "list", "data": data, "has_more": False,
                "url": f"/v1/checkout/sessions/{session_id}/line_items"}

    def _known_session(self, session_id: str) -> dict:
        session = self.sessions.get(session_id)
        if session is None:
            raise ApiError(404, f"No such checkout.session: '{session_id}'", param="session", code="resource_missing")
        return session

    def _api_retrieve_session(self, params: dict, context: dict, session_id: str) -> tuple[int, dict]:
        return 200, self._session_view(self._known_session(session_id), _expand(params))

    def _api_list_line_items(self, params: dict, context: dict, session_id: str) -> tuple[int, dict]:
        self._known_session(session_id)
        return 200, self._line_items_list(session_id)

    def _api_expire_session(self, params: dict, context: dict, session_id: str) -> tuple[int, dict]:
        session = self._known_session(session_id)
        if session["status"] != "open":
            raise ApiError(400, "Only Checkout Sessions with a status in [\"open\"] can be expired, but this one "
                                f"is \"{session['status']}\".")
        event = self._expire(session)
        event["request"] = context["request"]
        if self.emit_on_api_expire:
            context["events"].append(event)
        return 200, self._session_view(session, _expand(params))

    def _api_create_refund(self, params: dict, context: dict) -> tuple[int, dict]:
        _reject_unknown(params, REFUND_PARAMS)
        intent, charge = self._refundable(params)
        left = charge["amount"] - charge["amount_refunded"]
        if left <= 0:
            raise ApiError(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
        amount = _integer(params["amount"], "amount", minimum=1) if "amount" in params else left
        if amount > left:
            raise ApiError(400, f"Refund amount ({format_amount(amount, charge['currency'])}) is greater than "
                                f"unrefunded amount on charge ({format_amount(left, charge['currency'])})",
                           param="amount", code="amount_too_large")
        if "currency" in params and str(params["currency"]).lower() != charge["currency"]:
            raise ApiError(400, f"Refund currency must be {charge['currency']}.", param="currency")
        reason = params.get("reason")
        if reason is not None and reason not in REFUND_REASONS:
            raise ApiError(400, f"Invalid reason: must be one of {', '.join(sorted(REFUND_REASONS))}", param="reason")
        if self.refund_status not in REFUND_STATUSES:
            raise ValueError(f"server.refund_status must be one of {sorted(REFUND_STATUSES)}")
        refund = {
            "id": _new_id("re_"), "object": "refund", "amount": amount, "balance_transaction": None,
            "charge": charge["id"], "created": int(time.time()), "currency": charge["currency"],
            "metadata": _metadata(params.get("metadata")), "payment_intent": intent["id"], "reason": reason,
            "receipt_number": None, "status": self.refund_status,
        }
        self.refunds[refund["id"]] = refund
        self._recount_refunds(charge)
        request = context["request"]
        context["events"] += [
            self._emit("refund.created", refund, request=request),
            self._emit("charge.refunded", self._charge_view(charge, with_refunds=self.charge_refunds_in_events),
                       request=request),
        ]
        return 200, copy.deepcopy(refund)

    def _refundable(self, params: dict) -> tuple[dict, dict]:
        """The payment intent and its charge, when there is money taken to give back."""
        if "payment_intent" in params:
            intent = self.payment_intents.get(params["payment_intent"])
            if intent is None:
                raise ApiError(404, f"No such payment_intent: '{params['payment_intent']}'",
                               param="payment_intent", code="resource_missing")
        elif "charge" in params:
            charge = self.charges.get(params["charge"])
            if charge is None:
                raise ApiError(404, f"No such charge: '{params['charge']}'", param="charge", code="resource_missing")
            intent = self.payment_intents[charge["payment_intent"]]
        else:
            raise ApiError(400, "One of the following params should be provided for this request: "
                                "payment_intent or charge.", param="payment_intent", code="parameter_missing")
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise ApiError(400, f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                           param="payment_intent")
        return intent, self.charges[intent["latest_charge"]]

    def _api_list_refunds(self, params: dict, context: dict) -> tuple[int, dict]:
        limit = _integer(params.get("limit", 10), "limit", minimum=1)
        data = [r for r in self._refunds_newest_first()
                if params.get("payment_intent") in (None, r["payment_intent"])
                and params.get("charge") in (None, r["charge"])]
        return 200, {"object": "list", "data": copy.deepcopy(data[:limit]), "has_more": len(data) > limit,
                     "url": "/v1/refunds"}

    def _api_retrieve_refund(self, params: dict, context: dict, refund_id: str) -> tuple[int, dict]:
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise ApiError(404, f"No such refund: '{refund_id}'", param="id", code="resource_missing")
        return 200, copy.deepcopy(refund)

    def _api_retrieve_payment_intent(self, params: dict, context: dict, intent_id: str) -> tuple[int, dict]:
        intent = self.payment_intents.get(intent_id)
        if intent is None:
            raise ApiError(404, f"No such payment_intent: '{intent_id}'", param="intent", code="resource_missing")
        view = copy.deepcopy(intent)
        if "latest_charge" in _expand(params) and intent["latest_charge"]:
            view["latest_charge"] = self._charge_view(self.charges[intent["latest_charge"]], with_refunds=False)
        return 200, view

    def _api_retrieve_charge(self, params: dict, context: dict, charge_id: str) -> tuple[int, dict]:
        charge = self.charges.get(charge_id)
        if charge is None:
            raise ApiError(404, f"No such charge: '{charge_id}'", param="id", code="resource_missing")
        return 200, self._charge_view(charge, with_refunds="refunds" in _expand(params))

    def _api_retrieve_event(self, params: dict, context: dict, event_id: str) -> tuple[int, dict]:
        for event in self.events:
            if event["id"] == event_id:
                return 200, json.loads(self.payload_of(event))
        raise ApiError(404, f"No such event: '{event_id}'", param="id", code="resource_missing")

    # the hosted payment page

    def _hosted_page(self, request: Request, params: dict, events: list[dict], session_id: str) -> Response:
        with self._lock:
            session = self.sessions.get(session_id)
            if session is None:
                return self._page(404, "<p>결제 세션을 찾을 수 없습니다.</p>")
            if request.method == "GET":
                return self._page(200, self._page_body(session))
            if session["status"] != "open":
                return self._page(409, self._page_body(session))
            if params.get("action") == "cancel":
                if not session["cancel_url"]:
                    return self._page(200, "<p>결제를 취소했습니다. 이 창을 닫아도 됩니다.</p>")
                return Response(status=303, headers={"Location": session["cancel_url"]})
            if params.get("action") != "pay":
                return self._page(400, "<p>결제하기 또는 취소를 선택해 주세요.</p>" + self._page_body(session))
            events.append(self._complete(session_id, "paid", None))
            target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        return Response(status=303, headers={"Location": target})

    def _page_body(self, session: dict) -> str:
        if session["status"] == "expired":
            return "<p role=\"alert\">이 결제 세션은 만료되었습니다. 쇼핑몰에서 다시 주문해 주세요.</p>"
        if session["status"] == "complete":
            return "<p role=\"status\">이미 결제가 완료된 세션입니다.</p>"
        currency = session["currency"]
        rows = "".join(
            f"<tr><td>{html.escape(item['description'])}</td><td>{item['quantity']:,}</td>"
            f"<td>{format_amount(item['price']['unit_amount'], currency)}</td>"
            f"<td>{format_amount(item['amount_total'], currency)}</td></tr>"
            for item in self.session_line_items[session["id"]]
        )
        action = html.escape(f"/pay/{session['id']}")
        return f"""
<p class="note">실제 돈이 오가지 않는 테스트 결제입니다. 테스트 카드 4242 4242 4242 4242로 결제한 것으로 처리합니다.</p>
<table>
  <caption>결제할 상품</caption>
  <thead><tr><th scope="col">상품</th><th scope="col">수량</th><th scope="col">단가</th><th scope="col">금액</th></tr></thead>
  <tbody>{rows}</tbody>
  <tfoot><tr><th scope="row" colspan="3">합계</th>
    <td class="total">{format_amount(session['amount_total'], currency)}</td></tr></tfoot>
</table>
<form method="post" action="{action}">
  <button type="submit" name="action" value="pay">결제하기</button>
  <button type="submit" name="action" value="cancel" class="secondary">취소</button>
</form>"""

    @staticmethod
    def _page(status: int, body: str) -> Response:
        document = f"""<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{PAGE_TITLE}</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1f2328; }}
  main {{ max-width: 36rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: .5rem; }}
  h1 {{ font-size: 1.25rem; }}
  .note {{ background: #fff4d6; padding: .75rem; border-radius: .25rem; }}
  table {{ width: 100%; border-collapse: collapse; margin: 1rem 0; }}
  caption {{ text-align: left; font-weight: 600; }}
  th, td {{ padding: .5rem; border-bottom: 1px solid #d0d7de; text-align: left; }}
  .total {{ font-weight: 700; }}
  button {{ font-size: 1rem; padding: .75rem 1.5rem; border: 0; border-radius: .25rem;
            background: #1f6feb; color: #fff; cursor: pointer; }}
  button.secondary {{ background: #57606a; }}
</style>
</head>
<body><main>
<h1>{PAGE_TITLE}</h1>
{body}
</main></body>
</html>"""
        return Response(document, status=status, mimetype="text/html")
