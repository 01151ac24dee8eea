"""Soak: mixed traffic for a while (browse, search, buy, pay with the test payment, cancel, enterprise
stock updates through /api/v1/enterprise), then check that nothing failed, that stock and orders
reconcile, and that worker memory stayed put.

A Python driver rather than wrk: each step depends on the previous answer (the order number to pay or
cancel, the stock to compare-and-set), which wrk's Lua hooks cannot carry between requests well.
"""
from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

from bench.sessions import USER_AGENT, Buyer, request
from bench.wrk import CHECKOUT_FIELDS

ORDER_IN_LOCATION = re.compile(r"/payments/test/([0-9A-Z-]+)")
WEIGHTS = {"browse": 40, "search": 20, "buy": 18, "pay": 10, "cancel": 6, "api": 6}


@dataclass
class SoakStats:
    counts: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    orders_placed: int = 0
    api_delta: Counter = field(default_factory=Counter)  # variant id -> units the API added
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


class Shopper:
    def __init__(self, base: str, buyer: Buyer, plan: dict, stats: SoakStats, seed: int):
        self.base, self.buyer, self.plan, self.stats = base, buyer, plan, stats
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.pending: list[str] = []
        self.paid: list[str] = []

    def _do(self, action: str, method: str, path: str, expect: tuple[int, ...], refusals: tuple[int, ...] = (),
            **kw) -> requests.Response | None:
        try:
            answer = request(self.http, self.buyer, method, self.base + path, **kw)
        except requests.RequestException as exc:
            self.stats.error(f"{action} {path}: {type(exc).__name__}")
            return None
        with self.stats.lock:
            self.stats.counts[action] += 1
            if answer.status_code in refusals:
                self.stats.refusals[f"{action} {answer.status_code}"] += 1
        if answer.status_code not in expect and answer.status_code not in refusals:
            self.stats.error(f"{action} {path}: {answer.status_code}")
            return None
        return answer

    def browse(self) -> None:
        path = self.rng.choice(self.plan["browse"])
        self._do("browse", "GET", path, (200,))

    def search(self) -> None:
        self._do("search", "GET", "/search?q=" + self.rng.choice(self.plan["queries"]), (200,))

    def buy(self) -> None:
        variant = self.rng.choice(self.plan["variants"])
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        added = self._do("add", "POST", "/cart/items", (302,), data=(
            f"csrf_token={self.buyer.csrf}&variant_id={variant}&quantity={self.rng.randint(1, 2)}"), headers=form)
        if added is None:
            return
        key = f"soak{self.rng.getrandbits(64):020d}"
        answer = self._do("checkout", "POST", "/checkout", (303,), (400,), headers=form,
                          data=f"csrf_token={self.buyer.csrf}&idempotency_key={key}&{CHECKOUT_FIELDS}")
        if answer is not None and answer.status_code == 303:
            found = ORDER_IN_LOCATION.search(answer.headers.get("Location", ""))
            if found:
                self.pending.append(found.group(1))
                with self.stats.lock:
                    self.stats.orders_placed += 1
            else:
                self.stats.error(f"checkout redirected to {answer.headers.get('Location')}")

    def pay(self) -> None:
        if not self.pending:
            return self.buy()
        number = self.pending.pop(self.rng.randrange(len(self.pending)))
        answer = self._do("pay", "POST", f"/payments/test/{number}", (303,), data={"csrf_token": self.buyer.csrf})
        if answer is not None:
            self.paid.append(number)

    def cancel(self) -> None:
        orders = self.pending + self.paid
        if not orders:
            return self.buy()
        number = self.rng.choice(orders)
        answer = self._do("cancel", "POST", f"/account/orders/{number}/cancel", (303,), (409,),
                          data={"csrf_token": self.buyer.csrf})
        if answer is not None:
            for held in (self.pending, self.paid):
                if number in held:
                    held.remove(number)

    def api(self) -> None:
        if not self.plan["api_skus"]:
            return self.browse()
        index = self.rng.randrange(len(self.plan["api_skus"]))
        sku, variant_id = self.plan["api_skus"][index], self.plan["api_ids"][index]
        auth = {"Authorization": f"Bearer {self.plan['api_key']}", "User-Agent": USER_AGENT}
        try:
            seen = self.http.get(f"{self.base}/api/v1/enterprise/options/{sku}", headers=auth, timeout=60)
            if seen.status_code != 200:
                return self.stats.error(f"api get {sku}: {seen.status_code}")
            stock = seen.json()["stock"]
            delta = self.rng.randint(5, 30)  # restocking; orders only take 1-2 units, so no value collides
            answer = self.http.patch(f"{self.base}/api/v1/enterprise/options/{sku}", headers=auth, timeout=60,
                                     json={"stock": stock + delta, "expected_stock": stock})
        except requests.RequestException as exc:
            return self.stats.error(f"api {sku}: {type(exc).__name__}")
        with self.stats.lock:
            self.stats.counts["api"] += 2
            if answer.status_code == 409:
                self.stats.refusals["api 409"] += 1
            elif answer.status_code == 200 and "stock" in answer.json().get("changed", []):
                self.stats.api_delta[variant_id] += delta
        if answer.status_code not in (200, 409):
            self.stats.error(f"api patch {sku}: {answer.status_code}")

    def step(self) -> None:
        action = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        getattr(self, action)()


def drive(base: str, buyers: list[Buyer], plan: dict, seconds: float, stats: SoakStats, seed: int = 5) -> None:
    """One thread per buyer, each stepping through random actions until the time is up."""
    stop_at = time.monotonic() + seconds
    shoppers = [Shopper(base, buyer, plan, stats, seed * 1000 + i) for i, buyer in enumerate(buyers)]

    def loop(shopper: Shopper) -> None:
        while time.monotonic() < stop_at:
            shopper.step()

    threads = [threading.Thread(target=loop, args=(s,)) for s in shoppers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def reconcile(ledger: dict, initial_stock: int, stats: SoakStats) -> list[str]:
    """initial − units in live orders + units given back by cancelled orders + API restocks = stock now."""
    mismatches = []
    for variant_id, entry in ledger["options"].items():
        expected = initial_stock - entry["live_units"] + stats.api_delta.get(int(variant_id), 0)
        if entry["stock"] != expected:
            mismatches.append(f"option {variant_id}: stock {entry['stock']:,}, expected {expected:,} "
                              f"(live units {entry['live_units']}, given back {entry['given_back_units']}, "
                              f"API +{stats.api_delta.get(int(variant_id), 0)})")
    in_db = ledger["orders"]
    if in_db != stats.orders_placed:
        mismatches.append(f"orders: {stats.orders_placed} placed by the driver, {in_db} in the database")
    return mismatches
