"""What a worker remembers to name cache entries early stays bounded and keeps what it learned last."""
from __future__ import annotations

from shop.core.cache import Recollection


def test_a_full_recollection_forgets_the_older_half_and_keeps_the_newest():
    seen = Recollection(size=10)
    for slug_number in range(10):
        seen.learn(f"slug-{slug_number}", slug_number)
    seen.learn("slug-9", 99)  # learning again what it knows takes no room
    assert seen.recall("slug-0") == 0 and seen.recall("slug-9") == 99

    seen.learn("slug-10", 10)
    assert [seen.recall(f"slug-{n}") for n in range(5)] == [None] * 5
    assert [seen.recall(f"slug-{n}") for n in range(5, 11)] == [5, 6, 7, 8, 99, 10]
    assert seen.recall("never-seen") is None
