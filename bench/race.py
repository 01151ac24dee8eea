"""The concurrency check: many buyers press "order" at the same moment for an option with a few units.

Exactly as many orders as units must come out, and no error responses. A refusal (400, the checkout
page saying the stock ran out) is a correct answer; an error is a 5xx or a failed connection.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from bench.sessions import Buyer, request
from bench.wrk import CHECKOUT_FIELDS


@dataclass
class RaceResult:
    buyers: int
    units: int
    orders: int = 0
    refused: int = 0
    errors: int = 0
    unexpected: list[str] = field(default_factory=list)
    seconds: float = 0.0
    db_live_orders: int | None = None
    db_stock: int | None = None

    @property
    def ok(self) -> bool:
        return (self.orders == self.units and self.errors == 0 and not self.unexpected
                and self.db_live_orders == self.units and self.db_stock == 0)


def _add_to_cart(base: str, buyer: Buyer, variant_id: int) -> None:
    with requests.Session() as http:
        answer = request(http, buyer, "POST", base + "/cart/items",
                         data={"csrf_token": buyer.csrf, "variant_id": variant_id, "quantity": 1})
    if answer.status_code != 302:
        raise RuntimeError(f"{buyer.email}: add to cart answered {answer.status_code}")


def run(base: str, buyers: list[Buyer], variant_id: int, units: int) -> RaceResult:
    result = RaceResult(len(buyers), units)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda b: _add_to_cart(base, b, variant_id), buyers))
    gate = threading.Barrier(len(buyers))
    lock = threading.Lock()

    def buy(index: int, buyer: Buyer) -> None:
        body = f"csrf_token={buyer.csrf}&idempotency_key=race{index:04d}{time.time_ns()}&{CHECKOUT_FIELDS}"
        with requests.Session() as http:
            gate.wait()
            try:
                answer = request(http, buyer, "POST", base + "/checkout", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
            except requests.RequestException as exc:
                with lock:
                    result.errors += 1
                    result.unexpected.append(f"{buyer.email}: {type(exc).__name__}")
                return
        with lock:
            if answer.status_code >= 500:
                result.errors += 1
            elif answer.status_code == 303 and "/payments/" in answer.headers.get("Location", ""):
                result.orders += 1
            elif answer.status_code == 400 and ("재고" in answer.text or "품절" in answer.text):
                result.refused += 1
            else:
                result.unexpected.append(f"{buyer.email}: {answer.status_code} {answer.headers.get('Location', '')}")

    started = time.perf_counter()
    threads = [threading.Thread(target=buy, args=(i, b)) for i, b in enumerate(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result
