"""Shared set-up for order and payment tests: a delivery, a fresh idempotency key, threads that race."""
from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

from shop.core.korea import kst_today
from shop.orders.services import Delivery

SEOUL = Delivery("김서울", "010-2345-6789", "04524", "서울특별시 중구 세종대로 110", "3층", "문 앞에 놓아 주세요")
JEJU = Delivery("고제주", "010-3456-7890", "63122", "제주특별자치도 제주시 문연로 6", "", "")
TODAY = kst_today()


def new_key() -> str:
    return secrets.token_urlsafe(24)


def race(app, count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) in `count` threads released at the same instant, each in its own app context (its own
    database session); returns each result or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
            except Exception as exc:  # collected, the test asserts on them
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
