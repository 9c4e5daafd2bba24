"""Merchant tests start from a migrated database holding the district's streets."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from server.org.service import ensure_district


@pytest.fixture
def district(sync_engine: Engine) -> dict[str, object]:
    """The streets' ids by code (hubin, qingbo …)."""
    with Session(sync_engine) as session:
        streets = ensure_district(session)
        session.commit()
        return {code: street.id for code, street in streets.items()}
