"""Factories for test data, written straight to the test database."""

import itertools
import random
import secrets
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from server.auth.passwords import hash_password
from server.core.clock import local_today
from server.merchants.models import Merchant
from server.merchants.uscc import make_uscc
from server.org.models import Street, User
from server.org.service import ensure_district

__all__ = ["DEFAULT_PASSWORD", "make_merchants", "make_user"]

DEFAULT_PASSWORD = "pw-correct-horse"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_user(
    engine: Engine,
    username: str,
    *,
    role: str = "inspector",
    password: str = DEFAULT_PASSWORD,
    active: bool = True,
    street: str | None = "hubin",
) -> User:
    with Session(engine) as session:
        streets = ensure_district(session)
        n = next(_counter)
        user = User(
            username=username,
            name=f"测试{n}",
            password_hash=_hash(password),
            role=role,
            street_id=streets[street].id if street else None,
            cert_no=f"33010299{n:04d}",
            cert_valid_from=local_today() - timedelta(days=365),
            cert_valid_until=local_today() + timedelta(days=365),
            active=active,
        )
        session.add(user)
        session.commit()
        session.refresh(user)
        return user


def make_merchants(
    engine: Engine,
    count: int,
    *,
    street: str = "hubin",
    colour: str = "green",
    seed: int = 1,
    name_prefix: str = "测试商户",
) -> list[Merchant]:
    rng = random.Random(seed)
    with Session(engine) as session:
        streets = ensure_district(session)
        s: Street = streets[street]
        rows = [
            Merchant(
                uscc=make_uscc(rng),
                name=f"{name_prefix}{i:04d}",
                address=f"测试路{i}号",
                lat=s.office_lat + rng.uniform(-0.002, 0.002),
                lng=s.office_lng + rng.uniform(-0.002, 0.002),
                street_id=s.id,
                business_type="餐饮店",
                colour=colour,
                qr_token=secrets.token_urlsafe(24),
            )
            for i in range(count)
        ]
        session.add_all(rows)
        session.commit()
        for row in rows:
            session.refresh(row)
        return rows
