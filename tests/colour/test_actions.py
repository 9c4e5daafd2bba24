"""The colour actions told directly: each refuses what it must with the reason a person reads,
whichever surface calls it."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.audit.service import Actor
from server.colour.actions import request_rerating, revoke_override, set_override
from server.colour.models import ColourOverride, ReratingRequest
from server.colour.schemas import OverrideRequest, ReratingForm
from server.colour.service import ColourRefused
from server.core.clock import local_today
from server.merchants.models import Merchant
from server.policy.rules import DEFAULT_POLICY
from tests.support.factories import make_merchants
from tests.support.records import add_order

UNKNOWN = uuid.UUID("00000000-0000-4000-8000-000000000000")


def test_a_green_merchant_is_refused_a_rerating_and_a_yellow_one_is_answered_once(
    sync_engine: Engine,
):
    green, yellow = make_merchants(sync_engine, 2)
    today = local_today()
    add_order(sync_engine, yellow.id, today, today + timedelta(days=10))  # yellow while open
    with Session(sync_engine) as session:
        session.get(Merchant, yellow.id).colour = "yellow"
        session.commit()
    with Session(sync_engine) as session:
        with pytest.raises(ColourRefused) as refused:
            request_rerating(
                session,
                green.id,
                ReratingForm("已整改"),
                via="owner",
                policy=DEFAULT_POLICY,
                actor=Actor("merchant"),
            )
        assert (refused.value.status, refused.value.detail) == (400, "当前为绿码，无需申请复评")
        first, due = request_rerating(
            session,
            yellow.id,
            ReratingForm("  已整改  "),
            via="owner",
            policy=DEFAULT_POLICY,
            actor=Actor("merchant"),
        )
        again, _ = request_rerating(
            session,
            yellow.id,
            ReratingForm("再次申请"),
            via="owner",
            policy=DEFAULT_POLICY,
            actor=Actor("merchant"),
        )
        session.commit()
        assert again.id == first.id and first.reason == "已整改" and due is not None
    with Session(sync_engine) as session:
        assert len(session.exec(select(ReratingRequest)).all()) == 1


def test_an_override_of_no_merchant_and_the_end_of_no_override_are_not_found(
    sync_engine: Engine,
):
    (merchant,) = make_merchants(sync_engine, 1)
    with Session(sync_engine) as session:
        with pytest.raises(ColourRefused) as missing:
            set_override(
                session,
                UNKNOWN,
                OverrideRequest("red", "复核中", 5),
                policy=DEFAULT_POLICY,
                actor=Actor("sup"),
            )
        assert (missing.value.status, missing.value.detail) == (404, "找不到该记录")
        with pytest.raises(ColourRefused) as none:
            revoke_override(session, merchant.id, policy=DEFAULT_POLICY, actor=Actor("sup"))
        assert (none.value.status, none.value.detail) == (404, "该商户当前没有生效的人工调整")
        assert session.exec(select(ColourOverride)).all() == []
