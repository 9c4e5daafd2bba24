"""Demo merchants: who they are, where they are, and their colour after their past visits."""

import base64
import math
import random
import uuid
from collections import Counter
from datetime import date, timedelta

from server.core.clock import utcnow
from server.core.geo import haversine_m
from server.demo.colours import colour_rows, final_outcome, scheduler
from server.demo.history import HISTORY_DAYS, Batch, DemoScenario, History
from server.demo.names_data import person_name, phone_number, road_for
from server.merchants.uscc import make_uscc
from server.org.district import STREETS, StreetRef, nearest_street
from server.org.models import Street, User
from server.policy.rules import Policy

__all__ = ["ShopGenerator", "on_land"]

# Relative number of shops per street: the old town and the new CBD are the densest.
STREET_WEIGHTS = {
    "hubin": 9,
    "qingbo": 6,
    "xiaoying": 8,
    "wangjiang": 6,
    "nanxing": 6,
    "ziyang": 7,
    "zhanongkou": 7,
    "kaixuan": 8,
    "caihe": 7,
    "sijiqing": 8,
    "jianqiao": 6,
    "pengbu": 6,
    "jiubao": 7,
    "dinglan": 5,
    "dongzhan": 4,
}
INSPECTED_SHARE = 0.7  # merchants with at least one past visit
# Business types usually run as individual businesses (个体工商户, credit code 92…).
INDIVIDUAL_SHARE = {"餐饮": 0.65, "美容美发": 0.65, "食品销售": 0.65}


def on_land(lat: float, lng: float) -> bool:
    """Keep shops out of West Lake and the Qiantang River, which border the district."""
    in_west_lake = 30.225 <= lat <= 30.268 and lng < 120.163
    south_of_river_bank = lat < 30.212 + (lng - 120.19) * 0.63
    return not in_west_lake and not south_of_river_bank


class ShopGenerator:
    """Makes merchants batch by batch; the same seed and day always give the same rows."""

    def __init__(
        self,
        *,
        seed: int,
        today: date,
        bbox: tuple[float, float, float, float],
        policy: Policy,
        streets: dict[str, Street],
        scenarios: list[DemoScenario],
        inspectors: dict[str, list[User]],
        taken_usccs: set[str],
    ) -> None:
        self.rng = random.Random(f"onevisit-demo:{seed}:merchants")
        self.today, self.bbox, self.policy = today, bbox, policy
        self.streets = streets
        self.refs = [ref for ref in STREETS if ref.code in streets]
        self.street_weights = [STREET_WEIGHTS.get(ref.code, 5) for ref in self.refs]
        self.scenarios = scenarios
        self.scenario_weights = [s.ref.share for s in scenarios]
        self.history = History(self.rng, today=today, policy=policy, inspectors=inspectors)
        self.schedule = scheduler(policy)
        self.usccs = set(taken_usccs)
        self.names: set[str] = set()
        self.colours: Counter[str] = Counter()
        # A Gaussian around the office, narrow enough that most draws land in the territory.
        self.sigma_km = {ref.code: 0.45 * _nearest_office_km(ref) for ref in self.refs}

    def batch(self, count: int) -> Batch:
        """The rows of the next `count` merchants and their history."""
        batch = Batch()
        for _ in range(count):
            self._merchant(batch)
        return batch

    def _merchant(self, batch: Batch) -> None:
        rng = self.rng
        ref = rng.choices(self.refs, weights=self.street_weights)[0]
        scenario = rng.choices(self.scenarios, weights=self.scenario_weights)[0]
        lat, lng = self._place(ref)
        road = road_for(rng, ref.code)
        individual = rng.random() < INDIVIDUAL_SHARE.get(scenario.ref.business_type, 0.3)
        merchant_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        uscc = self._uscc("2" if individual else "1")
        name = self._name(scenario, ref, road, individual)
        token = base64.urlsafe_b64encode(rng.getrandbits(192).to_bytes(24, "big")).decode()
        inspected = rng.random() < INSPECTED_SHARE
        visits = self.history.visits(scenario, self.schedule) if inspected else []
        # Never inspected: its first check is spread over the coming two years.
        first_due = None if visits else self.today + timedelta(days=rng.randint(1, HISTORY_DAYS))
        now = utcnow()
        outcome = final_outcome(visits, self.today, first_due, self.policy)
        colour, due = outcome.colour, outcome.next_due
        if visits:
            self.history.record(merchant_id, ref.code, scenario, visits, batch)
        events, state = colour_rows(merchant_id, outcome, self.policy, now)
        batch.colour_events.extend(events)
        batch.colour_states.append(state)
        self.colours[colour] += 1
        batch.merchants.append(
            {
                "id": merchant_id,
                "uscc": uscc,
                "name": name,
                "address": f"{ref.name}{road}{rng.randint(1, 399)}号",
                "lat": lat,
                "lng": lng,
                "street_id": self.streets[ref.code].id,
                "business_type": scenario.ref.business_type,
                "contact": person_name(rng),
                "phone": phone_number(rng),
                "colour": colour,
                "next_due": due,
                "qr_token": token,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
        )
        batch.merchant_scenarios.append({"merchant_id": merchant_id, "scenario_id": scenario.id})

    def _place(self, ref: StreetRef) -> tuple[float, float]:
        """A point in the street's own territory, on land and inside the district box."""
        south, west, north, east = self.bbox
        sigma = self.sigma_km[ref.code]
        lat_scale, lng_scale = 111.2, 111.2 * math.cos(math.radians(ref.office_lat))
        while True:
            # Rounded before the checks, so the stored point is the one that passed them.
            lat = round(self.rng.gauss(ref.office_lat, sigma / lat_scale), 6)
            lng = round(self.rng.gauss(ref.office_lng, sigma / lng_scale), 6)
            if not (south <= lat <= north and west <= lng <= east) or not on_land(lat, lng):
                continue
            if nearest_street(lat, lng).code == ref.code:
                return lat, lng

    def _uscc(self, category: str) -> str:
        while (code := make_uscc(self.rng, area="330102", category=category)) in self.usccs:
            pass
        self.usccs.add(code)
        return code

    def _name(self, scenario: DemoScenario, ref: StreetRef, road: str, individual: bool) -> str:
        """A trade name; a taken one gets a branch suffix, as real registrations do."""
        branch = ref.name.removesuffix("街道")
        name = ""
        for _ in range(8):
            shop = self.rng.choice(scenario.ref.stems) + self.rng.choice(scenario.ref.kinds)
            if individual:
                candidates = (shop, f"{shop}（{road}店）")
            else:
                candidates = (f"杭州{shop}有限公司", f"杭州{shop}有限公司{branch}分公司")
            for name in candidates:
                if name not in self.names:
                    self.names.add(name)
                    return name
        return name  # a rare repeated trade name is realistic enough


def _nearest_office_km(ref: StreetRef) -> float:
    metres = min(
        haversine_m(ref.office_lat, ref.office_lng, o.office_lat, o.office_lng)
        for o in STREETS
        if o.code != ref.code
    )
    return metres / 1000.0
