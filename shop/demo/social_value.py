"""Demo social value: what each enterprise created in 2023–2025, by area, in won."""
from __future__ import annotations

import random

from shop.enterprises.models import Enterprise, EnterpriseType, SocialValueArea, SocialValueRecord
from shop.extensions import db

YEARS = (2023, 2024, 2025)
# Enterprises that take part in SPC (사회성과인센티브) are measured by it; the rest measure themselves.
SPC_TYPES = {EnterpriseType.SOCIAL_ENTERPRISE, EnterpriseType.SOCIAL_COOPERATIVE}
NOTES = {
    SocialValueArea.EMPLOYMENT: "취약계층 고용 인건비와 고용 유지 기간을 화폐가치로 환산",
    SocialValueArea.SOCIAL_SERVICE: "지역 주민에게 제공한 사회서비스 이용 인원과 시장가격 기준 환산",
    SocialValueArea.ENVIRONMENT: "재활용·재사용으로 줄인 폐기물과 탄소 배출량 환산",
    SocialValueArea.COMMUNITY: "지역 기부, 교육, 협력기업 지원액 합산",
}


def seed_social_values(rng: random.Random, enterprises: list[Enterprise]) -> list[SocialValueRecord]:
    """Two or three areas per enterprise, growing (mostly) year on year, 10M–900M won each."""
    records = []
    for enterprise in enterprises:
        areas = set(rng.sample(list(SocialValueArea), rng.randint(2, 3)))
        if enterprise.enterprise_type in (EnterpriseType.SOCIAL_ENTERPRISE, EnterpriseType.SELF_SUFFICIENCY_ENTERPRISE):
            areas.add(SocialValueArea.EMPLOYMENT)
        spc = enterprise.enterprise_type in SPC_TYPES and rng.random() < 0.7
        for area in sorted(areas, key=lambda a: a.value):
            amount = rng.randint(10, 320) * 1_000_000
            for year in YEARS:
                amount = min(900_000_000, max(10_000_000, int(amount * rng.uniform(0.95, 1.3)) // 1000 * 1000))
                records.append(SocialValueRecord(
                    enterprise=enterprise, year=year, area=area, amount_krw=amount,
                    measured_by="SPC" if spc else "자체 측정",
                    verified=spc or rng.random() < 0.2,
                    # SPC pays part of the measured value back as an incentive.
                    incentive_krw=amount // 10 // 1000 * 1000 if spc else None,
                    note=NOTES[area] + (" (사회성과인센티브 측정)" if spc else " (기업 자체 보고)"),
                ))
    db.session.add_all(records)
    return records
