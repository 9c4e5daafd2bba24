"""The reference geography and departments of Shangcheng district (上城区)."""

from dataclasses import dataclass

from server.core.geo import haversine_m

__all__ = [
    "DEPARTMENTS",
    "STREETS",
    "TEAMS",
    "DepartmentRef",
    "StreetRef",
    "TeamRef",
    "nearest_street",
    "street_aliases",
]


@dataclass(frozen=True)
class StreetRef:
    code: str
    name: str
    kind: str
    office_lat: float  # WGS-84
    office_lng: float


@dataclass(frozen=True)
class DepartmentRef:
    code: str
    name: str
    specialised: bool


# The 14 streets and the East Station hub committee, with their enforcement teams' offices.
# A street's territory is taken as the part of the district nearer to its office than to any
# other (a Voronoi cell): enough to place and check merchants without boundary files.
STREETS: tuple[StreetRef, ...] = (
    StreetRef("hubin", "湖滨街道", "street", 30.2590, 120.1680),
    StreetRef("qingbo", "清波街道", "street", 30.2430, 120.1640),
    StreetRef("xiaoying", "小营街道", "street", 30.2640, 120.1790),
    StreetRef("wangjiang", "望江街道", "street", 30.2410, 120.1880),
    StreetRef("nanxing", "南星街道", "street", 30.2230, 120.1760),
    StreetRef("ziyang", "紫阳街道", "street", 30.2480, 120.1760),
    StreetRef("zhanongkou", "闸弄口街道", "street", 30.2880, 120.1890),
    StreetRef("kaixuan", "凯旋街道", "street", 30.2740, 120.1930),
    StreetRef("caihe", "采荷街道", "street", 30.2580, 120.1980),
    StreetRef("sijiqing", "四季青街道", "street", 30.2520, 120.2160),
    StreetRef("jianqiao", "笕桥街道", "street", 30.3100, 120.2170),
    StreetRef("pengbu", "彭埠街道", "street", 30.2820, 120.2380),
    StreetRef("jiubao", "九堡街道", "street", 30.3030, 120.2700),
    StreetRef("dinglan", "丁兰街道", "street", 30.3380, 120.2010),
    StreetRef("dongzhan", "东站枢纽管委会", "hub", 30.2930, 120.2130),
)

DEPARTMENTS: tuple[DepartmentRef, ...] = (
    DepartmentRef("zhzf", "综合行政执法", False),
    DepartmentRef("scjg", "市场监管", True),
    DepartmentRef("whsc", "文化市场", True),
    DepartmentRef("yjgl", "应急管理", True),
    DepartmentRef("wsjk", "卫生健康", True),
    DepartmentRef("zrzy", "自然资源和规划", True),
    DepartmentRef("xf", "消防", False),
    DepartmentRef("sthj", "生态环境", False),
)


@dataclass(frozen=True)
class TeamRef:
    code: str
    name: str
    street: str  # a street's code; "" for a district-level team
    department: str  # a department's code


# The 1+5 structure: each street's comprehensive team, and a district team of each specialised
# department whose officers join the street teams where a street may not act on its matters.
TEAMS: tuple[TeamRef, ...] = (
    *(
        TeamRef(f"{s.code}-zh", f"{s.name.removesuffix('街道')}综合行政执法队", s.code, "zhzf")
        for s in STREETS
    ),
    *(
        TeamRef(f"{d.code}-zy", f"{d.name}专业执法队", "", d.code)
        for d in DEPARTMENTS
        if d.specialised
    ),
)


def nearest_street(lat: float, lng: float, streets: tuple[StreetRef, ...] = STREETS) -> StreetRef:
    """The street whose territory holds the point (nearest office)."""
    return min(streets, key=lambda s: haversine_m(lat, lng, s.office_lat, s.office_lng))


def street_aliases(street: StreetRef) -> set[str]:
    """Names a spreadsheet may use for a street: 湖滨街道, 湖滨, hubin."""
    short = street.name.removesuffix("街道")
    return {street.name, short, street.code, street.code.upper()}
