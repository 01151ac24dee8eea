"""Order numbers a person can read out on the phone: the Korean date and six unambiguous characters."""
from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_order_number(now: datetime) -> str:
    """`20261126-7K3QX2`; 32⁶ ≈ 10⁹ per day, and the unique constraint catches the rare clash."""
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(6))
    return f"{now.astimezone(KST):%Y%m%d}-{suffix}"
