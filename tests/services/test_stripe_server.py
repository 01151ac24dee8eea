"""The local Stripe-compatible server (tests/stripe_server.py), driven by the real stripe SDK over HTTP.

These tests need no Flask app: they never request the `app` fixture, so no database is touched."""
from __future__ import annotations

import copy
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.stripe_server import PAGE_TITLE, ApiError, LoggedRequest, StripeServer, parse_stripe_params

SECRET = "whsec_test_local_server"
API_KEY = "sk_test_local_server"
ORDER = "HK-20260101-0001"
RICE = {"quantity": 2, "price_data": {"currency": "krw", "unit_amount": 32000,
                                      "product_data": {"name": "유기농 쌀 10kg (백미)"}}}
SHIPPING = {"quantity": 1, "price_data": {"currency": "krw", "unit_amount": 3000,
                                          "product_data": {"name": "배송비 — 성수 공정커피 협동조합"}}}
TOTAL = 2 * 32000 + 3000
SUCCESS_URL = "https://shop.test/payments/stripe/success?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = f"https://shop.test/orders/{ORDER}/pay"


# --- fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture
def server():
    with StripeServer(webhook_secret=SECRET) as running:
        yield running


@pytest.fixture
def sdk(server):
    """Configured like the app's gateway: a StripeClient pointed at the server, two network retries."""
    return stripe.StripeClient(API_KEY, base_addresses={"api": server.base_url}, max_network_retries=2)


class WebhookReceiver:
    """Stands in for the mall's webhook endpoint: records every request, answers `status`. With a
    barrier, each request waits for the others, so only truly concurrent deliveries succeed."""

    def __init__(self, status: int = 200, barrier: threading.Barrier | None = None):
        self.status = status
        self.barrier = barrier
        self.received: list[tuple[dict, bytes]] = []
        self._lock = threading.Lock()
        self._http = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._http.server_port}/payments/stripe/webhook"
        threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def _app(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.received.append((dict(request.headers), request.get_data()))
        status = self.status
        if self.barrier is not None:
            try:
                self.barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                status = 500
        headers = {"Location": "https://shop.test/login"} if 300 <= status < 400 else {}
        return Response("ok", status=status, headers=headers)(environ, start_response)

    @property
    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]

    @property
    def types(self) -> list[str]:
        return [event["type"] for event in self.events]

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def receiver(server):
    endpoint = WebhookReceiver()
    server.webhook_url = endpoint.url
    yield endpoint
    endpoint.close()


def session_params(**overrides) -> dict:
    """What the app's gateway sends for a two-line KRW order."""
    params = {
        "mode": "payment",
        "line_items": [copy.deepcopy(RICE), copy.deepcopy(SHIPPING)],
        "client_reference_id": ORDER,
        "metadata": {"order_number": ORDER},
        "customer_email": "buyer@example.com",
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
    }
    params.update(overrides)
    return params


def paid_session(server: StripeServer, sdk: stripe.StripeClient, *, amount_total: int | None = None) -> tuple[str, str]:
    """(session id, payment intent id) of a session the buyer has paid."""
    session = sdk.v1.checkout.sessions.create(session_params())
    server.complete_session(session.id, amount_total=amount_total, deliver=False)
    return session.id, server.sessions[session.id]["payment_intent"]


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_RAW = urllib.request.build_opener(urllib.request.ProxyHandler({}), _KeepRedirects())


def raw_request(method: str, url: str, *, form: dict | None = None, headers: dict | None = None):
    """(status, headers, text) without following redirects: what a browser or curl would see first."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _RAW.open(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, exc.read().decode("utf-8")


def run_together(count: int, action) -> tuple[list, list]:
    """Run action(index) in `count` threads released at once; (results, errors)."""
    start = threading.Barrier(count)
    results, errors, lock = [], [], threading.Lock()

    def one(index: int) -> None:
        start.wait()
        try:
            outcome = action(index)
        except Exception as exc:  # collected and asserted on by the caller
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


# --- the form encoding -----------------------------------------------------------------------------


def test_nested_form_keys_become_nested_dicts_and_lists():
    parsed = parse_stripe_params([
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "krw"),
        ("line_items[0][price_data][product_data][name]", "쌀"),
        ("line_items[0][quantity]", "2"),
        ("line_items[1][quantity]", "1"),
        ("metadata[order_number]", ORDER),
        ("expand[0]", "payment_intent"),
    ])
    assert parsed == {
        "mode": "payment",
        "line_items": [{"price_data": {"currency": "krw", "product_data": {"name": "쌀"}}, "quantity": "2"},
                       {"quantity": "1"}],
        "metadata": {"order_number": ORDER},
        "expand": ["payment_intent"],
    }


def test_metadata_keys_that_look_like_indexes_stay_a_dict():
    assert parse_stripe_params([("metadata[0]", "a"), ("metadata[1]", "b")]) == {"metadata": {"0": "a", "1": "b"}}


def test_legacy_empty_brackets_append():
    assert parse_stripe_params([("expand[]", "a"), ("expand[]", "b")]) == {"expand": ["a", "b"]}


def test_a_key_given_as_value_and_hash_is_refused():
    with pytest.raises(ApiError) as refused:
        parse_stripe_params([("metadata", "x"), ("metadata[k]", "v")])
    assert refused.value.status == 400


def test_the_sdk_nested_params_arrive_nested_in_the_request_log(server, sdk):
    sdk.v1.checkout.sessions.create(session_params(), {"idempotency_key": "checkout-log"})
    assert server.requests == [LoggedRequest("POST", "/v1/checkout/sessions", {
        "mode": "payment",
        "line_items": [
            {"quantity": "2", "price_data": {"currency": "krw", "unit_amount": "32000",
                                             "product_data": {"name": "유기농 쌀 10kg (백미)"}}},
            {"quantity": "1", "price_data": {"currency": "krw", "unit_amount": "3000",
                                             "product_data": {"name": "배송비 — 성수 공정커피 협동조합"}}},
        ],
        "client_reference_id": ORDER,
        "metadata": {"order_number": ORDER},
        "customer_email": "buyer@example.com",
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
    }, "checkout-log")]


# --- Checkout Sessions -----------------------------------------------------------------------------


def test_creates_a_krw_session_in_stripes_shape(server, sdk):
    before = int(time.time())
    session = sdk.v1.checkout.sessions.create(session_params())
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.amount_total == TOTAL and session.amount_subtotal == TOTAL
    assert session.currency == "krw"
    assert session.client_reference_id == ORDER
    assert session.metadata.to_dict() == {"order_number": ORDER}
    assert session.customer_email == "buyer@example.com"
    assert (session.mode, session.status, session.payment_status) == ("payment", "open", "unpaid")
    assert session.payment_intent is None
    assert session.url == f"{server.base_url}/pay/{session.id}"
    assert (session.success_url, session.cancel_url) == (SUCCESS_URL, CANCEL_URL)
    assert session.livemode is False
    assert before <= session.created <= int(time.time())
    assert session.expires_at - session.created == 24 * 3600  # Stripe's default lifetime
    assert list(server.sessions) == [session.id]


def test_keeps_the_expiry_the_app_asks_for(sdk):
    expires_at = int(time.time()) + 31 * 60
    assert sdk.v1.checkout.sessions.create(session_params(expires_at=expires_at)).expires_at == expires_at


def test_retrieves_the_session_and_its_line_items(sdk):
    created = sdk.v1.checkout.sessions.create(session_params())
    fetched = sdk.v1.checkout.sessions.retrieve(created.id)
    assert fetched.to_dict() == created.to_dict()
    items = sdk.v1.checkout.sessions.line_items.list(created.id)
    assert [(item.description, item.quantity, item.price.unit_amount, item.amount_total) for item in items.data] == [
        ("유기농 쌀 10kg (백미)", 2, 32000, 64000), ("배송비 — 성수 공정커피 협동조합", 1, 3000, 3000)]


def test_an_unknown_session_is_resource_missing(sdk):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        sdk.v1.checkout.sessions.retrieve("cs_test_nope")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


def test_expires_an_open_session_once(server, sdk):
    session = sdk.v1.checkout.sessions.create(session_params())
    assert sdk.v1.checkout.sessions.expire(session.id).status == "expired"
    assert sdk.v1.checkout.sessions.retrieve(session.id).status == "expired"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.checkout.sessions.expire(session.id)
    assert refused.value.http_status == 400


def test_a_completed_session_cannot_be_expired_through_the_api(server, sdk):
    session_id, _ = paid_session(server, sdk)
    with pytest.raises(stripe.InvalidRequestError):
        sdk.v1.checkout.sessions.expire(session_id)
    assert server.sessions[session_id]["status"] == "complete"


def one_item(**price_data) -> list[dict]:
    data = {"currency": "krw", "unit_amount": 1000, "product_data": {"name": "커피"}}
    data.update(price_data)
    return [{"quantity": 1, "price_data": {k: v for k, v in data.items() if v is not None}}]


@pytest.mark.parametrize("line_items, param", [
    pytest.param(one_item(currency=None), "line_items[0][price_data][currency]", id="currency missing"),
    pytest.param(one_item(unit_amount=1000.5), "line_items[0][price_data][unit_amount]", id="fractional won"),
    pytest.param(one_item(unit_amount=0), "line_items[0][price_data][unit_amount]", id="zero won"),
    pytest.param(one_item(unit_amount=-1000), "line_items[0][price_data][unit_amount]", id="negative won"),
    pytest.param(one_item(unit_amount=None), "line_items[0][price_data][unit_amount]", id="amount missing"),
    pytest.param(one_item(product_data={"description": "원두"}), "line_items[0][price_data][product_data][name]",
                 id="name missing"),
    pytest.param(one_item() + one_item(currency="usd"), "line_items[1][price_data][currency]", id="mixed currency"),
    pytest.param([{**one_item()[0], "quantity": 0}], "line_items[0][quantity]", id="zero quantity"),
    pytest.param([{**one_item()[0], "quantity": 1.5}], "line_items[0][quantity]", id="fractional quantity"),
    pytest.param([{"price_data": one_item()[0]["price_data"]}], "line_items[0][quantity]", id="quantity missing"),
])
def test_invalid_line_items_are_refused_with_the_param(server, sdk, line_items, param):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.checkout.sessions.create(session_params(line_items=line_items))
    assert (refused.value.http_status, refused.value.param) == (400, param)
    assert server.sessions == {}


@pytest.mark.parametrize("overrides, param", [
    pytest.param({"mode": None}, "mode", id="mode missing"),
    pytest.param({"success_url": None}, "success_url", id="success_url missing"),
    pytest.param({"success_url": "/relative"}, "success_url", id="success_url not a URL"),
    pytest.param({"expires_at": "soon"}, "expires_at", id="expires_at not a timestamp"),
    pytest.param({"expires_at": int(time.time()) + 10 * 60}, "expires_at", id="expires in under 30 minutes"),
    pytest.param({"metadata": {"reason": "가" * 501}}, "metadata[reason]", id="metadata value too long"),
    pytest.param({"amount": 1000}, "amount", id="unknown parameter"),
])
def test_invalid_session_params_are_refused_with_the_param(server, sdk, overrides, param):
    params = {k: v for k, v in session_params(**overrides).items() if v is not None}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.checkout.sessions.create(params)
    assert (refused.value.http_status, refused.value.param) == (400, param)
    assert server.sessions == {}


# --- authentication --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["sk_live_real_money", "pk_test_publishable", "not_a_key"])
def test_only_secret_test_keys_are_accepted(server, key):
    client = stripe.StripeClient(key, base_addresses={"api": server.base_url})
    with pytest.raises(stripe.AuthenticationError) as refused:
        client.v1.checkout.sessions.create(session_params())
    assert refused.value.http_status == 401
    assert server.sessions == {}


def test_a_configured_api_key_must_match(server):
    server.api_key = API_KEY
    other = stripe.StripeClient("sk_test_someone_else", base_addresses={"api": server.base_url})
    with pytest.raises(stripe.AuthenticationError):
        other.v1.checkout.sessions.create(session_params())
    mine = stripe.StripeClient(API_KEY, base_addresses={"api": server.base_url})
    assert mine.v1.checkout.sessions.create(session_params()).status == "open"


def test_a_request_without_a_key_gets_stripes_error_body(server):
    status, _, body = raw_request("GET", f"{server.base_url}/v1/checkout/sessions/cs_test_x")
    assert status == 401
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error" and "API key" in error["message"]


def test_an_unknown_url_is_a_stripe_404(server):
    status, _, body = raw_request("GET", f"{server.base_url}/v1/nothing_here",
                                  headers={"Authorization": f"Bearer {API_KEY}"})
    assert status == 404
    assert "Unrecognized request URL" in json.loads(body)["error"]["message"]


def test_module_level_sdk_configuration_reaches_the_server(server, monkeypatch):
    monkeypatch.setattr(stripe, "api_key", API_KEY)
    monkeypatch.setattr(stripe, "api_base", server.base_url)
    created = stripe.checkout.Session.create(**session_params(), idempotency_key="module-level")
    assert stripe.checkout.Session.retrieve(created.id).amount_total == TOTAL
    server.complete_session(created.id, deliver=False)
    intent_id = server.sessions[created.id]["payment_intent"]
    assert stripe.PaymentIntent.retrieve(intent_id).status == "succeeded"
    refund = stripe.Refund.create(payment_intent=intent_id, amount=5000)
    assert stripe.Refund.retrieve(refund.id).amount == 5000
    assert server.requests[0].idempotency_key == "module-level"


# --- idempotency -----------------------------------------------------------------------------------


def test_the_same_key_twice_replays_the_first_answer(server, sdk):
    first = sdk.v1.checkout.sessions.create(session_params(), {"idempotency_key": f"checkout-{ORDER}"})
    second = sdk.v1.checkout.sessions.create(session_params(), {"idempotency_key": f"checkout-{ORDER}"})
    assert second.to_dict() == first.to_dict()
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(server.sessions) == 1
    assert [r.idempotency_key for r in server.requests] == [f"checkout-{ORDER}"] * 2


def test_the_same_key_with_other_params_is_an_idempotency_error(server, sdk):
    sdk.v1.checkout.sessions.create(session_params(), {"idempotency_key": "checkout-1"})
    with pytest.raises(stripe.IdempotencyError) as refused:
        sdk.v1.checkout.sessions.create(session_params(client_reference_id="HK-other"),
                                        {"idempotency_key": "checkout-1"})
    assert refused.value.http_status == 400
    assert len(server.sessions) == 1


def test_the_same_key_on_another_endpoint_is_an_idempotency_error(server, sdk):
    session = sdk.v1.checkout.sessions.create(session_params(), {"idempotency_key": "shared-key"})
    with pytest.raises(stripe.IdempotencyError):
        sdk.v1.checkout.sessions.expire(session.id, options={"idempotency_key": "shared-key"})
    assert server.sessions[session.id]["status"] == "open"


def test_a_refused_request_is_not_remembered_under_its_key(server, sdk):
    bad = session_params(line_items=one_item(unit_amount=0))
    with pytest.raises(stripe.InvalidRequestError):
        sdk.v1.checkout.sessions.create(bad, {"idempotency_key": "fix-and-retry"})
    # Like Stripe: validation failures are not stored, so the corrected request may reuse the key.
    assert sdk.v1.checkout.sessions.create(session_params(), {"idempotency_key": "fix-and-retry"}).status == "open"


def test_ten_concurrent_requests_with_one_key_create_one_session(server, sdk):
    ids, errors = run_together(10, lambda _: sdk.v1.checkout.sessions.create(
        session_params(), {"idempotency_key": "checkout-race"}).id)
    assert errors == []
    assert len(ids) == 10 and len(set(ids)) == 1
    assert list(server.sessions) == ids[:1]


def test_ten_concurrent_requests_with_their_own_keys_create_ten_sessions(server, sdk):
    ids, errors = run_together(10, lambda i: sdk.v1.checkout.sessions.create(
        session_params(), {"idempotency_key": f"checkout-{i}"}).id)
    assert errors == []
    assert sorted(ids) == sorted(server.sessions)
    assert len(server.sessions) == 10


def test_a_lost_answer_is_retried_with_the_same_key_and_refunds_once(server, sdk):
    _, intent_id = paid_session(server, sdk)
    server.fail_next(path="/v1/refunds", after_executing=True)  # Stripe refunded, the answer was lost
    refund = sdk.v1.refunds.create({"payment_intent": intent_id, "amount": 7000}, {"idempotency_key": "refund-cancel:1"})
    assert list(server.refunds) == [refund.id]
    assert [r.idempotency_key for r in server.requests if r.path == "/v1/refunds"] == ["refund-cancel:1"] * 2


def test_a_server_error_before_executing_creates_nothing(server):
    no_retries = stripe.StripeClient(API_KEY, base_addresses={"api": server.base_url}, max_network_retries=0)
    server.fail_next(status=503)
    with pytest.raises(stripe.APIError) as failed:
        no_retries.v1.checkout.sessions.create(session_params())
    assert failed.value.http_status == 503
    assert server.sessions == {}
    assert no_retries.v1.checkout.sessions.create(session_params()).status == "open"  # one failure only


# --- completing, expiring and delayed payments -----------------------------------------------------


def test_complete_session_marks_it_paid_and_delivers_the_event(server, sdk, receiver):
    session = sdk.v1.checkout.sessions.create(session_params())
    event = server.complete_session(session.id)
    assert event["type"] == "checkout.session.completed"
    assert event["_delivery_status"] == 200
    fetched = sdk.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert (fetched.status, fetched.payment_status) == ("complete", "paid")
    assert fetched.payment_intent.id.startswith("pi_")
    assert (fetched.payment_intent.amount, fetched.payment_intent.status) == (TOTAL, "succeeded")
    delivered = receiver.events[0]
    assert delivered["id"] == event["id"]
    assert delivered["data"]["object"]["payment_intent"] == fetched.payment_intent.id
    assert delivered["data"]["object"]["amount_total"] == TOTAL
    assert "_delivery_status" not in delivered


def test_an_amount_override_simulates_a_mismatched_payment(server, sdk):
    session = sdk.v1.checkout.sessions.create(session_params())
    event = server.complete_session(session.id, amount_total=1000, deliver=False)
    assert event["data"]["object"]["amount_total"] == 1000
    assert event["_delivery_status"] is None
    intent = sdk.v1.payment_intents.retrieve(event["data"]["object"]["payment_intent"])
    assert (intent.amount, intent.amount_received) == (1000, 1000)


def test_control_methods_refuse_impossible_transitions(server, sdk):
    session_id, _ = paid_session(server, sdk)
    with pytest.raises(ValueError):
        server.complete_session(session_id)
    with pytest.raises(ValueError):
        server.expire_session(session_id)
    with pytest.raises(ValueError):
        server.fail_async_payment(session_id)
    with pytest.raises(KeyError):
        server.complete_session("cs_test_unknown")


def test_expire_session_delivers_the_expired_event(server, sdk, receiver):
    session = sdk.v1.checkout.sessions.create(session_params())
    event = server.expire_session(session.id)
    assert (event["type"], event["_delivery_status"]) == ("checkout.session.expired", 200)
    assert receiver.events[0]["data"]["object"]["status"] == "expired"
    assert sdk.v1.checkout.sessions.retrieve(session.id).status == "expired"


def test_a_failed_delayed_payment_completes_unpaid_then_fails(server, sdk, receiver):
    session = sdk.v1.checkout.sessions.create(session_params())
    event = server.fail_async_payment(session.id)
    assert receiver.types == ["checkout.session.completed", "checkout.session.async_payment_failed"]
    assert receiver.events[0]["data"]["object"]["payment_status"] == "unpaid"
    assert event["data"]["object"]["status"] == "complete"
    assert event["data"]["object"]["payment_status"] == "unpaid"
    intent_id = event["data"]["object"]["payment_intent"]
    assert sdk.v1.payment_intents.retrieve(intent_id).status == "requires_payment_method"
    with pytest.raises(stripe.InvalidRequestError):  # nothing was taken, so nothing to refund
        sdk.v1.refunds.create({"payment_intent": intent_id})


def test_a_delayed_payment_that_arrives_makes_the_session_paid(server, sdk, receiver):
    session = sdk.v1.checkout.sessions.create(session_params())
    server.complete_session(session.id, payment_status="unpaid", deliver=False)
    assert sdk.v1.payment_intents.retrieve(server.sessions[session.id]["payment_intent"]).status == "processing"
    event = server.succeed_async_payment(session.id)
    assert receiver.types == ["checkout.session.async_payment_succeeded"]
    assert event["data"]["object"]["payment_status"] == "paid"
    assert sdk.v1.payment_intents.retrieve(event["data"]["object"]["payment_intent"]).status == "succeeded"


# --- refunds ---------------------------------------------------------------------------------------


def test_a_refund_without_amount_returns_everything(server, sdk):
    _, intent_id = paid_session(server, sdk)
    refund = sdk.v1.refunds.create({"payment_intent": intent_id, "metadata": {"purpose": "cancel:1"}})
    assert refund.id.startswith("re_") and refund.object == "refund"
    assert (refund.amount, refund.currency, refund.status) == (TOTAL, "krw", "succeeded")
    assert refund.payment_intent == intent_id
    assert refund.metadata.to_dict() == {"purpose": "cancel:1"}
    assert sdk.v1.refunds.retrieve(refund.id).to_dict() == refund.to_dict()
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.refunds.create({"payment_intent": intent_id, "amount": 1})
    assert refused.value.code == "charge_already_refunded"


def test_partial_refunds_up_to_what_is_left(server, sdk):
    _, intent_id = paid_session(server, sdk)
    sdk.v1.refunds.create({"payment_intent": intent_id, "amount": 3000})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.refunds.create({"payment_intent": intent_id, "amount": TOTAL - 3000 + 1})
    assert (refused.value.param, refused.value.code) == ("amount", "amount_too_large")
    rest = sdk.v1.refunds.create({"payment_intent": intent_id, "amount": TOTAL - 3000})
    assert rest.amount == TOTAL - 3000
    listed = sdk.v1.refunds.list({"payment_intent": intent_id})
    assert [r.amount for r in listed.data] == [TOTAL - 3000, 3000]  # newest first, like Stripe


@pytest.mark.parametrize("make_params, param", [
    pytest.param(lambda intent: {"payment_intent": "pi_unknown"}, "payment_intent", id="unknown payment intent"),
    pytest.param(lambda intent: {"amount": 1000}, "payment_intent", id="no payment intent"),
    pytest.param(lambda intent: {"payment_intent": intent, "amount": 0}, "amount", id="zero amount"),
    pytest.param(lambda intent: {"payment_intent": intent, "amount": "1000.5"}, "amount", id="fractional won"),
    pytest.param(lambda intent: {"payment_intent": intent, "reason": "changed_mind"}, "reason",
                 id="reason not Stripe's"),
])
def test_invalid_refunds_are_refused_with_the_param(server, sdk, make_params, param):
    _, intent_id = paid_session(server, sdk)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.refunds.create(make_params(intent_id))
    assert refused.value.param == param
    assert server.refunds == {}


def test_an_unpaid_session_has_nothing_to_refund(server, sdk):
    session = sdk.v1.checkout.sessions.create(session_params())
    server.complete_session(session.id, payment_status="unpaid", deliver=False)
    with pytest.raises(stripe.InvalidRequestError):
        sdk.v1.refunds.create({"payment_intent": server.sessions[session.id]["payment_intent"]})


def test_concurrent_refunds_never_exceed_the_payment(server, sdk):
    _, intent_id = paid_session(server, sdk)
    made, refused = run_together(10, lambda i: sdk.v1.refunds.create(
        {"payment_intent": intent_id, "amount": 10000}, {"idempotency_key": f"return:{i}"}))
    assert len(made) == TOTAL // 10000 and len(refused) == 10 - TOTAL // 10000
    assert all(isinstance(error, stripe.InvalidRequestError) for error in refused)
    assert sum(refund["amount"] for refund in server.refunds.values()) == 60000


def test_pending_refunds_settle_with_refund_updated(server, sdk, receiver):
    _, intent_id = paid_session(server, sdk)
    server.refund_status = "pending"
    refund = sdk.v1.refunds.create({"payment_intent": intent_id, "amount": 5000})
    assert refund.status == "pending"
    event = server.update_refund(refund.id, "succeeded")
    assert event["type"] == "refund.updated"
    assert event["data"]["previous_attributes"] == {"status": "pending"}
    assert event["data"]["object"]["status"] == "succeeded"
    assert event["_delivery_status"] == 200
    assert sdk.v1.refunds.retrieve(refund.id).status == "succeeded"


def test_a_failed_refund_makes_its_amount_refundable_again(server, sdk):
    _, intent_id = paid_session(server, sdk)
    refund = sdk.v1.refunds.create({"payment_intent": intent_id})
    event = server.update_refund(refund.id, "failed", deliver=False)
    assert event["data"]["object"]["failure_reason"] == "unknown"
    assert sdk.v1.refunds.create({"payment_intent": intent_id}).amount == TOTAL


def test_a_refund_emits_refund_created_and_charge_refunded(server, sdk, receiver):
    server.webhook_timing = "before_response"
    _, intent_id = paid_session(server, sdk)
    refund = sdk.v1.refunds.create({"payment_intent": intent_id, "amount": 7000}, {"idempotency_key": "refund-r1"})
    # before_response: both are in by the time the SDK call returns
    assert receiver.types == ["refund.created", "charge.refunded"]
    created, charged = (event["data"]["object"] for event in receiver.events)
    assert created == refund.to_dict()
    assert receiver.events[0]["request"] == {"id": refund.last_response.request_id, "idempotency_key": "refund-r1"}
    assert charged["id"].startswith("ch_") and charged["object"] == "charge"
    assert (charged["payment_intent"], charged["amount"], charged["currency"]) == (intent_id, TOTAL, "krw")
    assert (charged["amount_refunded"], charged["refunded"]) == (7000, False)
    assert "refunds" not in charged  # not included since API version 2022-11-15


def test_charge_refunded_can_carry_the_legacy_refunds_list(server, sdk, receiver):
    server.webhook_timing = "before_response"
    server.charge_refunds_in_events = True
    _, intent_id = paid_session(server, sdk)
    refund = sdk.v1.refunds.create({"payment_intent": intent_id})
    charged = receiver.events[1]["data"]["object"]
    assert charged["refunded"] is True
    assert [r["id"] for r in charged["refunds"]["data"]] == [refund.id]


# --- when API-caused webhooks go out ---------------------------------------------------------------


def test_after_response_webhooks_arrive_once_waited_for(server, sdk, receiver):
    _, intent_id = paid_session(server, sdk)
    sdk.v1.refunds.create({"payment_intent": intent_id})
    server.wait_for_webhooks()
    assert receiver.types == ["refund.created", "charge.refunded"]


def test_manual_webhooks_wait_for_deliver_pending(server, sdk, receiver):
    server.webhook_timing = "manual"
    _, intent_id = paid_session(server, sdk)
    sdk.v1.refunds.create({"payment_intent": intent_id})
    assert receiver.received == []
    assert [event["type"] for event in server.pending_events] == ["refund.created", "charge.refunded"]
    assert server.deliver_pending() == [200, 200]
    assert receiver.types == ["refund.created", "charge.refunded"] and server.pending_events == []


def test_expiring_through_the_api_emits_the_expired_event(server, sdk, receiver):
    server.webhook_timing = "before_response"
    session = sdk.v1.checkout.sessions.create(session_params())
    sdk.v1.checkout.sessions.expire(session.id, options={"idempotency_key": "expire-1"})
    assert receiver.types == ["checkout.session.expired"]
    assert receiver.events[0]["request"]["idempotency_key"] == "expire-1"


def test_expiring_through_the_api_can_stay_silent(server, sdk, receiver):
    server.webhook_timing = "before_response"
    server.emit_on_api_expire = False
    session = sdk.v1.checkout.sessions.create(session_params())
    sdk.v1.checkout.sessions.expire(session.id)
    assert receiver.received == []


# --- webhook signatures ----------------------------------------------------------------------------


def test_the_signature_is_stripes_scheme(server):
    payload = b'{"id": "evt_1", "object": "event"}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + payload, hashlib.sha256).hexdigest()
    assert server.sign(payload, timestamp=1_700_000_000) == f"t=1700000000,v1={expected}"


def signed_event(server: StripeServer, **sign_options) -> tuple[bytes, str]:
    event = server.build_event("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session",
                                                              "amount_total": TOTAL, "currency": "krw"})
    payload = server.payload_of(event)
    return payload, server.sign(payload, **sign_options)


def test_a_signed_event_verifies_with_the_sdk(server):
    payload, header = signed_event(server)
    event = stripe.Webhook.construct_event(payload, header, SECRET)
    assert (event.type, event.data.object.id, event.data.object.amount_total) == (
        "checkout.session.completed", "cs_test_1", TOTAL)
    assert event.object == "event" and event.id.startswith("evt_") and event.livemode is False


def test_a_signature_under_another_secret_fails_verification(server):
    payload, header = signed_event(server, secret="whsec_test_somebody_else")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, SECRET)
    assert stripe.Webhook.construct_event(payload, header, "whsec_test_somebody_else").type


def test_a_signature_older_than_five_minutes_fails_verification(server):
    payload, header = signed_event(server, timestamp=int(time.time()) - 301)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, SECRET)
    payload, header = signed_event(server, timestamp=int(time.time()) - 200)
    assert stripe.Webhook.construct_event(payload, header, SECRET).type == "checkout.session.completed"


def test_a_tampered_body_fails_verification(server):
    payload, header = signed_event(server)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload.replace(str(TOTAL).encode(), b"1000"), header, SECRET)


# --- delivering webhooks ---------------------------------------------------------------------------


def test_delivery_posts_the_raw_body_with_a_verifiable_signature(server, receiver):
    event = server.build_event("refund.updated", {"id": "re_1", "object": "refund", "status": "succeeded"})
    event["_note"] = "server-side only"
    assert server.deliver(event) == [200]
    headers, body = receiver.received[0]
    assert body == server.payload_of(event)
    assert "_note" not in json.loads(body)
    assert headers["Content-Type"].startswith("application/json")
    verified = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], SECRET)
    assert verified.id == event["id"]
    assert server.deliveries[-1].status == 200 and server.deliveries[-1].event_id == event["id"]


def test_repeated_delivery_sends_the_same_event_again(server, receiver):
    event = server.build_event("checkout.session.completed", {"id": "cs_test_1"})
    assert server.deliver(event, times=3) == [200, 200, 200]
    assert [e["id"] for e in receiver.events] == [event["id"]] * 3


def test_concurrent_delivery_sends_all_copies_at_once(server):
    # Each request waits at the barrier for the other nine: sequential delivery would time out with 500s.
    endpoint = WebhookReceiver(barrier=threading.Barrier(10))
    try:
        event = server.build_event("checkout.session.completed", {"id": "cs_test_1"})
        assert server.deliver(event, times=10, concurrently=True, url=endpoint.url) == [200] * 10
        assert len(endpoint.received) == 10
    finally:
        endpoint.close()


def test_delivery_reports_errors_redirects_and_silence(server, receiver):
    event = server.build_event("checkout.session.completed", {"id": "cs_test_1"})
    receiver.status = 500
    assert server.deliver(event) == [500]
    receiver.status = 302  # e.g. a login redirect: Stripe counts it as failed and does not follow it
    assert server.deliver(event) == [302]
    assert len(receiver.received) == 2
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    assert server.deliver(event, url=f"http://127.0.0.1:{closed_port}/webhook") == [None]


def test_delivery_can_be_signed_stale_or_with_another_secret(server, receiver):
    event = server.build_event("checkout.session.completed", {"id": "cs_test_1"})
    server.deliver(event, timestamp=int(time.time()) - 600)
    server.deliver(event, secret="whsec_test_wrong")
    for headers, body in receiver.received:
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body, headers["Stripe-Signature"], SECRET)


def test_delivery_without_a_webhook_url_is_a_test_mistake(server):
    with pytest.raises(RuntimeError):
        server.deliver(server.build_event("checkout.session.completed", {"id": "cs_test_1"}))


# --- the hosted payment page -----------------------------------------------------------------------


def test_the_payment_page_lists_the_items_and_the_total_in_won(server, sdk):
    session = sdk.v1.checkout.sessions.create(session_params())
    status, headers, page = raw_request("GET", session.url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert PAGE_TITLE in page and PAGE_TITLE == "테스트 카드 결제 (로컬 Stripe 호환 서버)"
    for text in ("유기농 쌀 10kg (백미)", "32,000원", "64,000원", "배송비 — 성수 공정커피 협동조합", "3,000원", "67,000원"):
        assert text in page
    assert f'action="/pay/{session.id}"' in page
    assert 'value="pay">결제하기</button>' in page and 'value="cancel" class="secondary">취소</button>' in page
    for external in ("<script", "<link", "src=", "url("):
        assert external not in page


def test_paying_on_the_page_completes_the_session_and_redirects_to_success(server, sdk, receiver):
    session = sdk.v1.checkout.sessions.create(session_params())
    status, headers, _ = raw_request("POST", session.url, form={"action": "pay"})
    assert status == 303
    assert headers["Location"] == SUCCESS_URL.replace("{CHECKOUT_SESSION_ID}", session.id)
    fetched = sdk.v1.checkout.sessions.retrieve(session.id)
    assert (fetched.status, fetched.payment_status) == ("complete", "paid")
    server.wait_for_webhooks()
    assert receiver.types == ["checkout.session.completed"]
    assert receiver.events[0]["data"]["object"]["payment_intent"] == fetched.payment_intent


def test_cancelling_on_the_page_redirects_to_cancel_and_keeps_the_session_open(server, sdk, receiver):
    session = sdk.v1.checkout.sessions.create(session_params())
    status, headers, _ = raw_request("POST", session.url, form={"action": "cancel"})
    assert (status, headers["Location"]) == (303, CANCEL_URL)
    assert server.sessions[session.id]["status"] == "open"
    server.wait_for_webhooks()
    assert receiver.received == []


def test_an_expired_session_page_says_so_and_cannot_be_paid(server, sdk):
    session = sdk.v1.checkout.sessions.create(session_params())
    server.expire_session(session.id)
    status, _, page = raw_request("GET", session.url)
    assert status == 200 and "만료되었습니다" in page and "결제하기" not in page
    status, _, _ = raw_request("POST", session.url, form={"action": "pay"})
    assert status == 409
    assert server.sessions[session.id]["status"] == "expired"
    assert server.payment_intents == {}


def test_a_paid_session_page_says_so(server, sdk):
    session_id, _ = paid_session(server, sdk)
    status, _, page = raw_request("GET", f"{server.base_url}/pay/{session_id}")
    assert status == 200 and "이미 결제가 완료된 세션입니다" in page and "결제하기" not in page


def test_an_unknown_session_page_is_404(server):
    status, _, page = raw_request("GET", f"{server.base_url}/pay/cs_test_unknown")
    assert status == 404 and "찾을 수 없습니다" in page


# --- lifecycle -------------------------------------------------------------------------------------


def test_reset_forgets_everything(server, sdk):
    paid_session(server, sdk)
    server.reset()
    assert (server.sessions, server.payment_intents, server.requests, server.events) == ({}, {}, [], [])
    with pytest.raises(stripe.InvalidRequestError):
        sdk.v1.checkout.sessions.retrieve("cs_test_any")


def test_stop_closes_the_port():
    server = StripeServer(webhook_secret=SECRET)
    base_url = server.start()
    assert base_url == server.base_url and base_url.startswith("http://127.0.0.1:")
    server.stop()
    client = stripe.StripeClient(API_KEY, base_addresses={"api": base_url}, max_network_retries=0)
    with pytest.raises(stripe.APIConnectionError):
        client.v1.checkout.sessions.retrieve("cs_test_any")
