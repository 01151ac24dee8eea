"""Fictional but realistic people and organisations for the demo mall.

Every enterprise, person and school here is made up; the public bodies named as exhibition
organisers are the kinds of bodies that run such exhibitions in Seoul.
"""
from __future__ import annotations

from shop.enterprises.models import EnterpriseType as T

DEMO_PASSWORD = "hamkke-demo-2026"

DEMO_ACCOUNTS: list[dict[str, str]] = [
    {"role": "consumer", "label": "소비자", "email": "consumer@demo.hamkke.kr", "password": DEMO_PASSWORD},
    {"role": "institution", "label": "공공기관 구매담당", "email": "buyer@demo.hamkke.kr", "password": DEMO_PASSWORD},
    {"role": "enterprise", "label": "입점기업", "email": "seller@demo.hamkke.kr", "password": DEMO_PASSWORD},
    {"role": "admin", "label": "지원센터 관리자", "email": "admin@demo.hamkke.kr", "password": DEMO_PASSWORD},
]

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍전고문손양배백허남심노하곽성차주우구민유진나"
GIVEN_SYLLABLES = "민서지현수영예준하윤도은채원우진성호연아유나희경재혜주소정태승한결동빈다솜보람새봄"

# (name, slug, type, district, sub-category slugs, one-line summary)
ENTERPRISES: tuple[tuple[str, str, T, str, tuple[str, ...], str], ...] = (
    ("늘봄농부 사회적협동조합", "neulbom-farmers", T.SOCIAL_COOPERATIVE, "강동구", ("food-rice", "food-produce"),
     "도시농부와 경기 동부 소농이 함께 짓는 친환경 쌀과 채소"),
    ("두레곡간 협동조합", "dure-gokgan", T.COOPERATIVE, "은평구", ("food-rice", "food-processed"),
     "마을 방앗간에서 갓 도정한 잡곡과 전통 장류"),
    ("햇살베이커리", "haetsal-bakery", T.SOCIAL_ENTERPRISE, "마포구", ("food-bakery", "gifts-sets"),
     "발달장애 청년 제빵사가 굽는 우리밀 빵과 쿠키"),
    ("성수 공정커피 협동조합", "seongsu-fair-coffee", T.COOPERATIVE, "성동구", ("coffee-beans", "coffee-dripbag"),
     "공정무역 생두를 들여와 성수동에서 볶는 로스터리"),
    ("커피밭사람들", "coffee-field-people", T.SOCIAL_ENTERPRISE, "종로구", ("coffee-beans", "coffee-dripbag", "gifts-sets"),
     "경력보유여성 바리스타와 함께하는 공정무역 커피"),
    ("북한산 다향 마을기업", "bukhansan-dahyang", T.VILLAGE_ENTERPRISE, "강북구", ("coffee-tea-leaf", "food-processed"),
     "마을 어르신들이 덖고 말린 우리 차"),
    ("푸른손 자활기업", "pureunson", T.SELF_SUFFICIENCY_ENTERPRISE, "노원구", ("cleaning-tools", "cleaning-hygiene"),
     "청소·방역 현장에서 쓰는 위생용품을 만드는 자활기업"),
    ("초록세제 사회적협동조합", "chorok-detergent", T.SOCIAL_COOPERATIVE, "도봉구", ("cleaning-detergent", "cleaning-soap"),
     "생분해 원료로 만드는 친환경 세제"),
    ("숲속비누공방", "forest-soap", T.PRELIMINARY_SOCIAL_ENTERPRISE, "서대문구", ("cleaning-soap", "living-bath"),
     "저온 숙성 천연 비누와 욕실용품 공방"),
    ("다시쓰는종이", "dasi-paper", T.SOCIAL_ENTERPRISE, "성북구", ("office-paper", "stationery-notes"),
     "폐지를 다시 살려 복사용지와 노트를 만드는 기업"),
    ("한울사무 자활기업", "hanul-office", T.SELF_SUFFICIENCY_ENTERPRISE, "중랑구",
     ("office-supplies", "office-pens", "office-paper"),
     "공공기관 사무용품을 납품하는 자활기업"),
    ("그린토너 협동조합", "green-toner", T.COOPERATIVE, "구로구", ("office-supplies", "office-paper"),
     "빈 카트리지를 수거해 재생 토너로 되살리는 협동조합"),
    ("소소한문구", "sosohan-stationery", T.PRELIMINARY_SOCIAL_ENTERPRISE, "마포구",
     ("stationery-notes", "stationery-cards", "stationery-calendar"), "신진 작가와 함께 만드는 디자인 문구"),
    ("서울그림엽서 협동조합", "seoul-postcards", T.COOPERATIVE, "종로구", ("stationery-cards", "gifts-souvenir"),
     "서울의 골목을 그리는 작가들의 협동조합"),
    ("리본업사이클", "reborn-upcycle", T.SOCIAL_ENTERPRISE, "성동구", ("apparel-bags", "interior-recycled"),
     "폐현수막과 자투리 원단을 가방으로 되살리는 업사이클 기업"),
    ("바느질하는마을 마을기업", "sewing-village", T.VILLAGE_ENTERPRISE, "금천구", ("apparel-goods", "apparel-bags"),
     "독산동 봉제 장인들이 모인 마을기업"),
    ("함께입는옷 사회적협동조합", "wear-together", T.SOCIAL_COOPERATIVE, "동대문구", ("apparel-shirts", "apparel-goods"),
     "공정무역 면으로 단체복을 짓는 봉제 협동조합"),
    ("신당봉제 협동조합", "sindang-sewing", T.COOPERATIVE, "중구", ("apparel-shirts", "gifts-promo"),
     "신당동 봉제공장 다섯 곳이 함께 만든 협동조합"),
    ("착한판촉", "good-promo", T.SOCIAL_ENTERPRISE, "영등포구", ("gifts-promo", "gifts-souvenir"),
     "기관 기념품을 친환경 소재로 만드는 판촉물 전문 기업"),
    ("명절꾸러미 협동조합", "holiday-bundle", T.COOPERATIVE, "송파구", ("gifts-sets", "food-processed"),
     "사회적경제기업 제품을 모아 선물세트로 엮는 협동조합"),
    ("인쇄골목 사회적협동조합", "print-alley", T.SOCIAL_COOPERATIVE, "중구", ("printing-cards", "printing-books"),
     "을지로 인쇄 장인과 청년 디자이너의 협동조합"),
    ("푸른인쇄 자활기업", "pureun-print", T.SELF_SUFFICIENCY_ENTERPRISE, "관악구", ("printing-cards", "printing-banners"),
     "자활 참여자가 인쇄 기술을 익혀 운영하는 인쇄소"),
    ("두드림현수막", "dodream-banner", T.PRELIMINARY_SOCIAL_ENTERPRISE, "강서구", ("printing-banners",),
     "친환경 현수막을 만들고 쓴 현수막을 거둬 재활용하는 기업"),
    ("밥상공동체 케이터링", "bapsang-catering", T.SOCIAL_ENTERPRISE, "용산구", ("events-catering", "events-lunchbox"),
     "자립준비청년을 조리사로 키우는 케이터링"),
    ("우리동네도시락 마을기업", "neighborhood-lunch", T.VILLAGE_ENTERPRISE, "양천구", ("events-lunchbox",),
     "어르신 조리사가 아침마다 만드는 마을 도시락"),
    ("잔치마당 협동조합", "janchi-madang", T.COOPERATIVE, "광진구", ("events-planning", "events-catering"),
     "주민 축제와 기관 행사를 기획하는 문화예술 협동조합"),
    ("배움나무 사회적협동조합", "baeum-namu", T.SOCIAL_COOPERATIVE, "관악구", ("education-training", "education-workshop"),
     "공공기관과 학교로 찾아가는 교육 협동조합"),
    ("초록학교", "green-school", T.PRELIMINARY_SOCIAL_ENTERPRISE, "은평구", ("education-eco", "education-workshop"),
     "기후위기 시대의 환경교육을 만드는 청년 기업"),
    ("손끝공예 마을기업", "sonkkeut-craft", T.VILLAGE_ENTERPRISE, "서초구",
     ("education-workshop", "stationery-cards", "gifts-souvenir"),
     "마을 공방 강사들이 여는 공예 체험"),
    ("다시살림가구", "dasi-furniture", T.SOCIAL_ENTERPRISE, "동작구", ("interior-furniture", "interior-recycled"),
     "철거 현장의 폐목재로 가구를 짓는 청년 목공 기업"),
    ("새빛인테리어 자활기업", "saebit-interior", T.SELF_SUFFICIENCY_ENTERPRISE, "강서구", ("interior-space",),
     "집수리와 공공시설 시공을 하는 자활기업"),
    ("나무와사람 협동조합", "tree-and-people", T.COOPERATIVE, "강남구", ("interior-furniture", "living-kitchen"),
     "목수와 디자이너가 함께하는 원목 생활용품 협동조합"),
    ("살림공방 사회적협동조합", "salim-workshop", T.SOCIAL_COOPERATIVE, "서대문구", ("living-kitchen", "living-storage"),
     "경력보유여성이 만드는 제로웨이스트 살림살이"),
    ("해밀소잉랩", "haemil-sewing", T.PRELIMINARY_SOCIAL_ENTERPRISE, "중랑구", ("living-bath", "apparel-goods"),
     "청년 봉제 기술자를 키우는 소잉 랩"),
    ("망원시장 반찬 마을기업", "mangwon-banchan", T.VILLAGE_ENTERPRISE, "마포구", ("food-processed", "events-lunchbox"),
     "망원시장 상인과 주민이 함께 만드는 반찬가게"),
    ("청년농부 협동조합", "young-farmers", T.COOPERATIVE, "강동구", ("food-produce", "food-rice"),
     "서울 근교에서 농사짓는 청년 농부들의 협동조합"),
    ("차곡차곡 자활기업", "chagok-storage", T.SELF_SUFFICIENCY_ENTERPRISE, "영등포구", ("living-storage", "cleaning-tools"),
     "수납용품을 조립하고 청소도구를 만드는 자활기업"),
    ("지구살림", "earth-living", T.PRELIMINARY_SOCIAL_ENTERPRISE, "용산구",
     ("living-kitchen", "cleaning-detergent", "cleaning-soap"), "제로웨이스트 생활용품 리필 스테이션"),
    ("행복한떡방앗간 사회적협동조합", "happy-rice-cake", T.SOCIAL_COOPERATIVE, "송파구", ("food-bakery", "gifts-sets"),
     "장애인 직원과 함께 떡을 빚는 방앗간"),
    ("모두의오피스", "everyones-office", T.SOCIAL_ENTERPRISE, "강남구",
     ("office-pens", "office-supplies", "stationery-calendar"), "장애인 표준사업장에서 만드는 사무용품"),
)

# Applications waiting for the center's decision (shown in /admin/approvals).
PENDING_ENTERPRISES = (
    ("새싹로컬푸드 협동조합", "saessak-local-food", T.COOPERATIVE, "서초구", ("food-produce",),
     "서초 주말농장 작물을 나누는 로컬푸드 협동조합"),
    ("온기수제청 마을기업", "ongi-syrup", T.VILLAGE_ENTERPRISE, "광진구", ("food-processed",),
     "자양동 어머니들이 담그는 수제청"),
)

MISSIONS = {
    T.SOCIAL_ENTERPRISE: "고용노동부 인증 사회적기업으로, 일자리를 얻기 어려운 이웃을 직원으로 맞아 함께 일합니다.",
    T.PRELIMINARY_SOCIAL_ENTERPRISE: "서울시 지정 예비사회적기업으로, 사회적기업 인증을 목표로 성장하고 있습니다.",
    T.COOPERATIVE: "조합원이 함께 출자하고 한 사람이 한 표로 운영하는 협동조합입니다.",
    T.SOCIAL_COOPERATIVE: "이윤을 조합원에게 배당하지 않고 지역사회에 다시 쓰는 비영리 사회적협동조합입니다.",
    T.VILLAGE_ENTERPRISE: "마을 주민이 함께 출자해 지역 자원으로 일자리와 소득을 만드는 마을기업입니다.",
    T.SELF_SUFFICIENCY_ENTERPRISE: "자활사업 참여자들이 기술을 익혀 스스로 일어서도록 함께 세운 자활기업입니다.",
}

STREETS = {
    "종로구": "율곡로", "중구": "을지로", "용산구": "한강대로", "성동구": "성수이로", "광진구": "자양로",
    "동대문구": "왕산로", "중랑구": "망우로", "성북구": "보문로", "강북구": "도봉로", "도봉구": "방학로",
    "노원구": "동일로", "은평구": "통일로", "서대문구": "연희로", "마포구": "월드컵로", "양천구": "목동로",
    "강서구": "공항대로", "구로구": "디지털로", "금천구": "시흥대로", "영등포구": "문래로", "동작구": "상도로",
    "관악구": "남부순환로", "서초구": "반포대로", "강남구": "테헤란로", "송파구": "올림픽로", "강동구": "천호대로",
}

# (name, kind value, address, postcode, yearly purchase target, approved?, buyer email, department, position)
INSTITUTIONS = (
    ("서울특별시 경제정책실", "city_office", "서울특별시 중구 세종대로 110", "04524", 3_000_000_000, True,
     "buyer@demo.hamkke.kr", "사회적경제담당관", "주무관"),
    ("마포구청", "district_office", "서울특별시 마포구 월드컵로 212", "03937", 1_200_000_000, True,
     "mapo.buyer@demo.hamkke.kr", "일자리경제과", "주무관"),
    ("서울도시철도공사", "invested_body", "서울특별시 성동구 천호대로 346", "04806", 2_500_000_000, True,
     "metro.buyer@demo.hamkke.kr", "구매계약처", "대리"),
    ("서울시민복지재단", "invested_body", "서울특별시 종로구 종로 1길 36", "03152", 600_000_000, True,
     "welfare.buyer@demo.hamkke.kr", "경영지원팀", "과장"),
    ("서울함께초등학교", "school", "서울특별시 은평구 진관2로 15", "03306", 80_000_000, True,
     "school.buyer@demo.hamkke.kr", "행정실", "주무관"),
    ("성동구청", "district_office", "서울특별시 성동구 고산자로 270", "04750", 900_000_000, False,
     "seongdong.buyer@demo.hamkke.kr", "지역경제과", "주무관"),
)

ARTISTS = (
    ("한별", "종이와 색연필로 동네의 작은 가게를 그리는 일러스트레이터. 2022년 서울 신진작가 공모에 뽑혔습니다.",
     "https://hanbyeol-illust.example"),
    ("오지우", "버려진 물건에서 패턴을 찾는 텍스타일 디자이너. 업사이클 원단으로 설치 작업을 해 왔습니다.",
     "https://jiwoo-textile.example"),
    ("김누리", "발달장애 작가들과 함께 작업하는 그림 공동체 ‘누리화실’의 대표 작가입니다.",
     "https://nuri-studio.example"),
    ("서다온", "전통 민화를 오늘의 색으로 다시 그리는 민화 작가. 한지 위에 형광 안료를 쓰는 것으로 알려졌습니다.",
     "https://daon-minhwa.example"),
    ("류해솔", "도시의 새와 나무를 관찰해 그리는 생태 일러스트레이터입니다.", "https://haesol-eco.example"),
)

# (title, slug, artist index, enterprise slug, year, summary, motif colours of the new design)
ART_COLLABS = (
    ("골목 가게를 입은 쿠키 상자", "alley-cookie-box", 0, "haetsal-bakery", 2024,
     "망원동 골목 풍경을 그린 선물 상자로 다시 태어난 우리밀 쿠키", ((255, 120, 90), (255, 205, 80), (90, 170, 220))),
    ("현수막의 두 번째 무늬", "banner-second-pattern", 1, "reborn-upcycle", 2024,
     "폐현수막의 글자 조각을 패턴으로 살린 에코백 태그와 포장", ((40, 160, 150), (250, 110, 140), (250, 220, 70))),
    ("누리화실의 커피 이야기", "nuri-coffee-story", 2, "coffee-field-people", 2025,
     "발달장애 작가의 그림으로 새 옷을 입은 드립백 커피", ((120, 80, 200), (250, 150, 60), (60, 190, 120))),
    ("민화 속 비누", "minhwa-soap", 3, "forest-soap", 2025,
     "모란과 나비 민화를 입힌 천연 비누 선물 포장", ((230, 60, 90), (255, 170, 200), (60, 150, 90))),
    ("도시의 새가 앉은 노트", "city-birds-notes", 4, "dasi-paper", 2023,
     "서울의 텃새를 그린 재생지 노트 표지", ((70, 130, 200), (240, 190, 60), (110, 180, 90))),
)

# (title, slug, organizer type value, organizer name, kind value, start offset, length in days,
#  top-category slugs of curated products, summary)
EXHIBITIONS = (
    ("서울시 사회적경제 공공구매 박람회 온라인관", "seoul-public-procurement-fair", "city", "서울특별시",
     "public_procurement", -150, 30, ("office", "cleaning", "printing"),
     "서울시와 투자·출연기관 구매 담당자를 위한 사회적경제 공공구매 박람회 온라인관입니다."),
    ("마포구 공공구매 기획전", "mapo-public-purchase", "district", "마포구", "public_procurement", -12, 40,
     ("office", "events", "printing", "food"), "마포구 부서와 동 주민센터가 바로 살 수 있는 마포 사회적경제기업 제품을 모았습니다."),
    ("서울주택도시공사와 함께하는 친환경 살림전", "sh-eco-living", "public_body", "서울주택도시공사", "theme", -5, 30,
     ("living", "cleaning", "interior"), "공공임대주택 입주민 행사와 관리사무소에서 쓰기 좋은 친환경 생활용품을 골랐습니다."),
    ("명절 선물은 사회적경제로", "holiday-gifts", "center", "서울시사회적경제지원센터", "seasonal", 20, 25,
     ("gifts", "food", "coffee-tea"), "기관 단체 선물부터 가족 선물까지, 사회적경제기업의 명절 선물세트를 미리 만나 보세요."),
    ("제로웨이스트 생활 기획전", "zero-waste-living", "center", "서울시사회적경제지원센터", "theme", -320, 21,
     ("living", "apparel", "interior"), "쓰레기를 줄이는 업사이클·리필 제품을 모았던 기획전입니다."),
    ("새 학기 학교 공공구매전", "new-semester-schools", "public_body", "서울특별시교육청", "public_procurement", 45, 30,
     ("stationery", "office", "education"), "학교 행정실과 교사를 위한 문구·교육 서비스 기획전입니다."),
)
