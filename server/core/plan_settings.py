"""Planning settings: shift, speeds, service times, solver effort and the map (from env)."""

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["PlanningSettings", "hhmm", "load_planning_settings", "parse_hhmm"]

TRAVEL_MODES = ("walk", "ebike")


def parse_hhmm(raw: str) -> int:
    """`08:30` → minutes after midnight."""
    hours, sep, minutes = raw.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit():
        raise ValueError(f"expected HH:MM, got {raw!r}")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= 24 * 60 or int(minutes) >= 60:
        raise ValueError(f"expected a time of day HH:MM, got {raw!r}")
    return value


def hhmm(minute: int) -> str:
    """Minutes after midnight → `HH:MM`."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class PlanningSettings:
    """How a day is planned: the numbers a district tunes without touching code."""

    shift_start_minute: int = 8 * 60 + 30
    shift_minutes: int = 8 * 60
    travel_mode: str = "ebike"
    walk_kmh: float = 4.5
    ebike_kmh: float = 15.0
    # streets are not straight lines: road distance ≈ this times the straight-line distance
    detour_factor: float = 1.3
    service_base_minutes: float = 10.0
    service_item_minutes: float = 1.5
    default_opening: tuple[int, int] = (9 * 60, 21 * 60)
    exploration: int = 3
    threads: int = 2
    map_tile_url: str = ""
    map_attribution: str = ""

    def __post_init__(self) -> None:
        if self.travel_mode not in TRAVEL_MODES:
            raise ValueError(f"PLAN_TRAVEL_MODE must be one of {', '.join(TRAVEL_MODES)}")
        if self.shift_minutes <= 0 or self.shift_start_minute + self.shift_minutes > 24 * 60:
            raise ValueError("the shift must start and end within one day")
        if min(self.walk_kmh, self.ebike_kmh, self.detour_factor) <= 0:
            raise ValueError("PLAN speeds and detour factor must be positive")
        if not 1 <= self.exploration <= 5 or self.threads < 1:
            raise ValueError("PLAN_EXPLORATION is 1–5 and PLAN_THREADS at least 1")
        if self.default_opening[0] >= self.default_opening[1]:
            raise ValueError("PLAN_DEFAULT_OPENING must open before it closes")

    @property
    def speed_kmh(self) -> float:
        return self.walk_kmh if self.travel_mode == "walk" else self.ebike_kmh

    def service_minutes(self, items: int) -> int:
        """Minutes on site for a visit carrying `items` check items."""
        return round(self.service_base_minutes + self.service_item_minutes * items)


def load_planning_settings(source: Mapping[str, str]) -> PlanningSettings:
    """Read the PLAN_* and MAP_* variables; anything unset keeps its default."""
    d = PlanningSettings()
    opening = source.get("PLAN_DEFAULT_OPENING", "").strip()
    opens, closes = d.default_opening
    if opening:
        first, _, last = opening.partition("-")
        opens, closes = parse_hhmm(first), parse_hhmm(last)
    return PlanningSettings(
        shift_start_minute=parse_hhmm(source.get("PLAN_SHIFT_START") or hhmm(d.shift_start_minute)),
        shift_minutes=round(float(source.get("PLAN_SHIFT_HOURS") or d.shift_minutes / 60) * 60),
        travel_mode=source.get("PLAN_TRAVEL_MODE") or d.travel_mode,
        walk_kmh=float(source.get("PLAN_WALK_KMH") or d.walk_kmh),
        ebike_kmh=float(source.get("PLAN_EBIKE_KMH") or d.ebike_kmh),
        detour_factor=float(source.get("PLAN_DETOUR_FACTOR") or d.detour_factor),
        service_base_minutes=float(
            source.get("PLAN_SERVICE_BASE_MINUTES") or d.service_base_minutes
        ),
        service_item_minutes=float(
            source.get("PLAN_SERVICE_ITEM_MINUTES") or d.service_item_minutes
        ),
        default_opening=(opens, closes),
        exploration=int(source.get("PLAN_EXPLORATION") or d.exploration),
        threads=int(source.get("PLAN_THREADS") or d.threads),
        map_tile_url=source.get("MAP_TILE_URL", "").strip(),
        map_attribution=source.get("MAP_ATTRIBUTION", "").strip(),
    )
