# ruff: noqa: E501  (the table reads best one rule to a line)
"""Every route of the app × every kind of visitor, against a table of what each must get.

The table is the written rule per route (server/auth/access.py says why). A route the app serves
that the table does not name fails the test, so a new route cannot ship without its rule; a rule
for a route that is gone fails it too. Requests run in the table's order, each visitor in the
column order, against one small district (tests/auth/world.py).

Outcomes: a status code, or `login` for the console's redirect to its sign-in page. In a row the
columns are: anonymous, inspector of another team, inspector of the team, supervisor of another
street, supervisor of the street, district supervisor, administrator.
"""

import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import get
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.app import create_app
from server.audit.service import Actor
from server.auth.resets import issue_reset_link
from server.cases.lead_models import Lead
from server.cases.models import EnforcementCase
from server.core.clock import utcnow
from server.core.settings import Settings
from server.merchants.models import Merchant
from server.org.models import Street, User
from tests.auth.world import DAY, PERSONAS, World, make_world
from tests.evidence import tus
from tests.support.app import with_settings

Url = str | Callable[[World], str]
Body = Callable[[World, str], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    method: str
    route: str  # the route's path as the app declares it
    url: Url
    expect: str  # one outcome per visitor, in PERSONAS order
    body: Body | None = None
    before: Callable[[World], object] | None = field(default=None, compare=False)
    then: Callable[[World, str], None] | None = field(default=None, compare=False)


def json(value: Any) -> Body:
    return lambda world, who: {"json": value(world) if callable(value) else value}


def form(value: Any) -> Body:
    return lambda world, who: {"data": value(world) if callable(value) else value}


def tus_headers(**extra: str) -> Body:
    return lambda world, who: {"headers": tus.headers(**extra)}


def signed_in_again(world: World, who: str) -> None:
    world.sign_in(world.visitors[who])


M = "/api/v1/merchants/{merchant_id:uuid}"
CM = "/console/codes/merchants/{merchant_id:uuid}"
E = "/api/v1/evidence/{evidence_id:uuid}"
U = "/api/v1/uploads/{upload_id:uuid}"
P = "/api/v1/plans/{day:str}"
OWNER = "/m/o/{secret:str}"
CU = "/console/users/{user_id:uuid}"


def m(tail: str = "") -> Url:
    return lambda w: f"/api/v1/merchants/{w.merchant.id}{tail}"


def cm(tail: str = "") -> Url:
    return lambda w: f"/console/codes/merchants/{w.merchant.id}{tail}"


def ev(tail: str = "") -> Url:
    return lambda w: f"/api/v1/evidence/{w.evidence_id}{tail}"


def owner(tail: str = "") -> Url:
    return lambda w: f"/m/o/{w.owner_secret()}{tail}"


def console_sign_in(world: World, who: str) -> dict[str, Any]:
    """The console's sign-in form as a browser sends it back (its token and cookie), with a
    password that is wrong."""
    world.client.cookies.clear()
    page = world.client.get("/console/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token, page.text
    cookie = "; ".join(f"{k}={v}" for k, v in page.cookies.items())
    world.client.cookies.clear()
    form = {"username": f"nobody-{who}", "password": "wrong", "login_token": token.group(1)}
    return {"data": form, "headers": {"Cookie": cookie}}


def user_target(world: World) -> uuid.UUID:
    """The user the users page's rules edit: one of its own, as the others' places matter to
    the rules of other routes."""
    if not hasattr(world, "user_target"):
        with Session(world.engine) as session:
            street = session.exec(select(Street).where(Street.code == "hubin")).one()
            user = User(
                username="matrix_target",
                name="目标",
                password_hash="x",
                role="inspector",
                street_id=street.id,
            )
            session.add(user)
            session.commit()
            world.user_target = user.id  # type: ignore[attr-defined]
    return world.user_target  # type: ignore[attr-defined]


def lead(key: str, tail: str = "", prefix: str = "/api/v1/leads") -> Url:
    """A lead passed to the merchant's street, one per `key`, made on first use."""

    def url(world: World) -> str:
        leads = world.__dict__.setdefault("leads", {})
        if key not in leads:
            with Session(world.engine) as session:
                street = session.exec(select(Street).where(Street.code == "hubin")).one()
                merchant = session.exec(
                    select(Merchant).where(Merchant.street_id == street.id)
                ).first()
                row = Lead(
                    action_code=f"XS20261207{key.upper():0>10}",
                    merchant_id=merchant.id,
                    to_street_id=street.id,
                    reason="区市场监管局移交线索",
                    sent_on=DAY,
                )
                session.add(row)
                session.commit()
                leads[key] = row.id
        return f"{prefix}/{leads[key]}{tail}"

    return url


def case(tail: str = "", prefix: str = "/api/v1/cases") -> Url:
    """The case the team filed from its visit (by the first rule of the cases' rows)."""

    def url(world: World) -> str:
        with Session(world.engine) as session:
            found = session.exec(
                select(EnforcementCase.id).where(
                    EnforcementCase.inspection_id == world.inspection_id
                )
            ).one()
        return f"{prefix}/{found}{tail}"

    return url


def cu(tail: str = "") -> Url:
    return lambda w: f"/console/users/{user_target(w)}{tail}"


def reset_link(world: World) -> str:
    """A fresh one-time password link of the users page's own user."""
    with Session(world.engine) as session:
        user = session.get(User, user_target(world))
        issued = issue_reset_link(session, user, Actor("test"), utcnow())
        session.commit()
    return f"/console/reset/{issued.secret}"


def plan_form(**extra: Any) -> Body:
    return form(
        lambda w: {"date": DAY.isoformat(), "street": "hubin", "version": w.version()} | extra
    )


def plan_json(**extra: Any) -> Body:
    return json(lambda w: {"version": w.version()} | extra)


# fmt: off
#                                                                                 anon io  it  so  ss  di  ad
RULES: list[Rule] = [
    # Public pages: anyone, signed in or not, sees the same.
    Rule("GET", "/healthz", "/healthz", "200 200 200 200 200 200 200"),
    Rule("GET", "/readyz", "/readyz", "200 200 200 200 200 200 200"),
    Rule("GET", "/v/{code:str}", lambda w: f"/v/{w.action_code}", "200 200 200 200 200 200 200"),
    Rule("GET", "/m/{token:str}", lambda w: f"/m/{w.token()}", "200 200 200 200 200 200 200"),
    Rule("GET", "/m", "/m", "404 404 404 404 404 404 404"),
    Rule("GET", "/m/c", "/m/c", "404 404 404 404 404 404 404"),
    Rule("GET", "/m/c/{tracking_no:str}", lambda w: f"/m/c/{w.tracking_no}", "200 200 200 200 200 200 200"),
    Rule("GET", "/m/c/{tracking_no:str}/{rest:path}", lambda w: f"/m/c/{w.tracking_no}/x", "404 404 404 404 404 404 404"),
    Rule("GET", "/m/{token:str}/{rest:path}", lambda w: f"/m/{w.token()}/x", "404 404 404 404 404 404 404"),
    Rule("GET", "/m/{token:str}/complaints", lambda w: f"/m/{w.token()}/complaints", "404 404 404 404 404 404 404"),
    Rule("GET", "/m/{token:str}/complaints/{rest:path}", lambda w: f"/m/{w.token()}/complaints/x", "404 404 404 404 404 404 404"),
    Rule("POST", "/m/{token:str}/complaints", lambda w: f"/m/{w.token()}/complaints", "303 303 303 303 303 303 303",
         form({"text": "门口堆放杂物", "contact": ""})),
    # The owner link's pages: whoever holds the link, signed in or not.
    Rule("GET", OWNER, owner(), "200 200 200 200 200 200 200"),
    Rule("GET", "/m/o", "/m/o", "404 404 404 404 404 404 404"),
    Rule("GET", OWNER + "/{rest:path}", owner("/x"), "404 404 404 404 404 404 404"),
    Rule("GET", OWNER + "/orders", owner("/orders"), "404 404 404 404 404 404 404"),
    Rule("GET", OWNER + "/orders/{order_id:str}", lambda w: f"/m/o/{w.owner_secret()}/orders/{w.order_id}", "404 404 404 404 404 404 404"),
    Rule("GET", OWNER + "/orders/{order_id:str}/{rest:path}", lambda w: f"/m/o/{w.owner_secret()}/orders/{w.order_id}/x", "404 404 404 404 404 404 404"),
    Rule("GET", OWNER + "/orders/{order_id:str}/photos", lambda w: f"/m/o/{w.owner_secret()}/orders/{w.order_id}/photos", "404 404 404 404 404 404 404"),
    Rule("GET", OWNER + "/orders/{order_id:str}/photos/{rest:path}", lambda w: f"/m/o/{w.owner_secret()}/orders/{w.order_id}/photos/x", "404 404 404 404 404 404 404"),
    Rule("POST", OWNER + "/orders/{order_id:uuid}/photos", lambda w: f"/m/o/{w.owner_secret()}/orders/{w.order_id}/photos", "303 303 303 303 303 303 303",
         lambda w, who: {"files": {"photo": ("fixed.jpg", tus.jpeg((200, 150)), "image/jpeg")}}),
    Rule("GET", OWNER + "/rerating", owner("/rerating"), "404 404 404 404 404 404 404"),
    Rule("GET", OWNER + "/rerating/{rest:path}", owner("/rerating/x"), "404 404 404 404 404 404 404"),
    # (a green shop needs no re-rating: the page says so, to whoever holds the link)
    Rule("POST", OWNER + "/rerating", owner("/rerating"), "400 400 400 400 400 400 400", form({"reason": "已整改完毕"})),
    # Signing in and out.
    Rule("POST", "/api/v1/auth/login", "/api/v1/auth/login", "401 401 401 401 401 401 401",
         lambda w, who: {"json": {"username": f"nobody-{who}", "password": "wrong"}}),
    Rule("GET", "/api/v1/auth/me", "/api/v1/auth/me", "401 200 200 200 200 200 200"),
    Rule("POST", "/api/v1/auth/logout", "/api/v1/auth/logout", "401 204 204 204 204 204 204", then=signed_in_again),
    Rule("GET", "/console/login", "/console/login", "200 200 200 200 200 200 200"),
    Rule("POST", "/console/login", "/console/login", "401 401 401 401 401 401 401", console_sign_in),
    # The console's pages: supervisors and administrators, each within their street.
    Rule("GET", "/console", "/console", "login login login 200 200 200 200"),
    Rule("GET", "/console/merchants", "/console/merchants", "login login login 200 200 200 200"),
    Rule("GET", "/console/merchants/{merchant_id:uuid}", lambda w: f"/console/merchants/{w.merchant.id}", "login login login 404 200 200 200"),
    Rule("GET", "/console/complaints", "/console/complaints", "login login login 200 200 200 200"),
    Rule("GET", "/console/plan", lambda w: f"/console/plan?date={DAY}", "login login login 200 200 200 200"),
    Rule("GET", "/console/plan/view", lambda w: f"/console/plan/view?date={DAY}&street=hubin", "404 404 404 404 200 200 200"),
    Rule("GET", "/console/codes", "/console/codes", "login login login 200 200 200 200"),
    Rule("GET", CM, cm(), "login login login 404 200 200 200"),
    Rule("GET", CM + "/poster", cm("/poster"), "login login login 404 200 200 200"),
    Rule("GET", "/console/codes/streets/{code:str}/posters", "/console/codes/streets/hubin/posters", "login login login 404 200 200 200"),
    Rule("GET", "/console/evidence", "/console/evidence", "login login login 200 200 200 200"),
    Rule("GET", "/console/evidence/dock", "/console/evidence/dock", "login 200 200 200 200 200 200"),
    Rule("GET", "/console/data", "/console/data/", "login login login login login login 200"),
    Rule("GET", "/console/data/template/{kind:str}", "/console/data/template/org", "login login login login login login 200"),
    Rule("GET", "/console/data/export/{kind:str}", "/console/data/export/org", "login login login login login login 200"),
    # Merchants, their codes and colours.
    Rule("GET", "/api/v1/merchants", "/api/v1/merchants", "401 200 200 200 200 200 200"),
    Rule("GET", M, m(), "401 404 200 404 200 200 200"),
    Rule("GET", M + "/leniency", m("/leniency?items=T-licence"), "401 404 200 404 200 200 200"),
    Rule("GET", M + "/code.png", m("/code.png"), "401 403 403 404 200 200 200"),
    Rule("GET", M + "/code.svg", m("/code.svg"), "401 403 403 404 200 200 200"),
    Rule("GET", M + "/colour", m("/colour"), "401 403 403 404 200 200 200"),
    Rule("POST", M + "/colour/override", m("/colour/override"), "401 403 403 404 200 200 200",
         json({"colour": "yellow", "reason": "复核中", "days": 10})),
    Rule("DELETE", M + "/colour/override", m("/colour/override"), "401 403 403 404 200 200 200",
         before=World.override),
    Rule("POST", CM + "/override", cm("/override"), "403 403 403 404 201 201 201",
         form({"colour": "yellow", "reason": "复核中", "days": "10"})),
    Rule("POST", CM + "/override/revoke", cm("/override/revoke"), "403 403 403 404 201 201 201",
         before=World.override),
    # Complaints.
    Rule("GET", "/api/v1/complaints", "/api/v1/complaints", "401 403 403 200 200 200 200"),
    Rule("GET", "/api/v1/complaints/{complaint_id:uuid}/photo", lambda w: f"/api/v1/complaints/{w.complaint_id}/photo", "401 403 403 404 200 200 200"),
    Rule("POST", "/api/v1/complaints/{complaint_id:uuid}/outcome", lambda w: f"/api/v1/complaints/{w.complaint_id}/outcome", "401 403 403 404 200 200 200",
         json(lambda w: {"status": "planned", "note": "已安排检查", "inspection_id": str(w.inspection_id)})),
    # Cases: filed by the inspection's officers or the street's supervisors; read by the
    # streets of the units that held or received it; worked by the holding unit; the district
    # accepts a transfer to a department; review by legal reviewers (here the administrator).
    Rule("POST", "/api/v1/cases", "/api/v1/cases", "401 404 201 404 409 409 409",
         json(lambda w: {"inspection_id": str(w.inspection_id), "items": ["T-licence"], "summary": "未悬挂许可证"})),
    Rule("GET", "/api/v1/cases", "/api/v1/cases", "401 200 200 200 200 200 200"),
    Rule("GET", "/api/v1/cases/{case_id:uuid}", case(), "401 404 200 404 200 200 200"),
    Rule("GET", "/console/cases", "/console/cases", "login login login 200 200 200 200"),
    Rule("GET", "/api/v1/cases/leniency", "/api/v1/cases/leniency?from=2026-01-01&to=2026-12-31", "401 200 200 200 200 200 200"),
    Rule("GET", "/console/cases/leniency", "/console/cases/leniency", "login login login 200 200 200 200"),
    Rule("GET", "/console/cases/{case_id:uuid}", case(prefix="/console/cases"), "login login login 404 200 200 200"),
    Rule("POST", "/api/v1/cases/{case_id:uuid}/steps", case("/steps"), "401 404 200 404 409 409 409", json({"step": "investigate"})),
    Rule("POST", "/api/v1/cases/{case_id:uuid}/transfer", case("/transfer"), "401 404 200 404 409 409 409", json({"to_unit": "scjg", "reason": "区级管辖"})),
    Rule("POST", "/api/v1/cases/{case_id:uuid}/accept", case("/accept"), "401 404 403 404 403 200 409"),
    Rule("POST", "/api/v1/cases/{case_id:uuid}/return", case("/return"), "401 404 409 404 409 409 409", json({"reason": "不属于本部门"})),
    Rule("POST", "/api/v1/cases/{case_id:uuid}/submit", case("/submit"), "401 404 403 404 403 200 409", json({"kind": "penalty", "measures": ["warning"]})),
    Rule("POST", "/api/v1/cases/{case_id:uuid}/reviews", case("/reviews"), "401 404 403 404 403 403 200", json({"verdict": "approve"})),
    Rule("POST", "/api/v1/cases/{case_id:uuid}/decision", case("/decision"), "401 404 403 404 403 200 409", json({"kind": "penalty", "measures": ["warning"]})),
    Rule("POST", "/console/cases/{case_id:uuid}/{action:str}", case("/step", prefix="/console/cases"), "403 403 403 200 200 200 200", form({"step": "serve"})),
    # Leads: sent by anyone of a unit (here refused for an item the merchant's scenarios lack);
    # read by the sending unit and the receiving street; answered by the street's staff.
    Rule("POST", "/api/v1/leads", "/api/v1/leads", "401 422 422 422 422 422 422",
         json(lambda w: {"merchant_id": str(w.merchant.id), "to_street": "hubin", "items": ["T-licence"], "reason": "举报"})),
    Rule("GET", "/api/v1/leads", "/api/v1/leads?inbox=1", "401 200 200 200 200 200 200"),
    Rule("GET", "/api/v1/leads/{lead_id:uuid}", lead("read"), "401 404 200 404 200 200 200"),
    Rule("POST", "/api/v1/leads/{lead_id:uuid}/accept", lead("accept", "/accept"), "401 404 200 404 409 409 409"),
    Rule("POST", "/api/v1/leads/{lead_id:uuid}/return", lead("return", "/return"), "401 404 200 404 409 409 409", json({"reason": "不属本街道"})),
    Rule("GET", "/console/leads", "/console/leads", "login login login 200 200 200 200"),
    Rule("GET", "/console/leads/{lead_id:uuid}", lead("read", prefix="/console/leads"), "login login login 404 200 200 200"),
    Rule("POST", "/console/leads", "/console/leads", "403 403 403 200 200 200 200", form({"merchant_id": "x", "to_street": "hubin", "items": "T-licence", "reason": "r"})),
    Rule("POST", "/console/leads/{lead_id:uuid}/{action:str}", lead("console", "/return", prefix="/console/leads"), "403 403 403 200 200 200 200", form({"reason": ""})),
    # Inspections: their officers and the supervisors of the merchant's street.
    Rule("GET", "/api/v1/inspections/{inspection_id:uuid}", lambda w: f"/api/v1/inspections/{w.inspection_id}", "401 404 200 404 200 200 200"),
    Rule("GET", "/api/v1/inspections/{inspection_id:uuid}/record", lambda w: f"/api/v1/inspections/{w.inspection_id}/record", "401 404 200 404 200 200 200"),
    Rule("GET", "/api/v1/inspections/{inspection_id:uuid}/notice", lambda w: f"/api/v1/inspections/{w.inspection_id}/notice", "401 404 200 404 200 200 200"),
    Rule("POST", "/api/v1/inspections", "/api/v1/inspections", "401 403 200 403 403 403 403",
         json(lambda w: {**_record(w), "id": str(w.inspection_id)})),
    Rule("GET", "/api/v1/me/day", f"/api/v1/me/day?date={DAY}", "401 200 200 200 200 200 200"),
    Rule("GET", "/api/v1/me/tasks", f"/api/v1/me/tasks?date={DAY}", "401 200 200 200 200 200 200"),
    # Evidence: who took part, and the supervisors of its street.
    Rule("GET", E, ev(), "401 404 200 404 200 200 200"),
    Rule("GET", E + "/content", ev("/content"), "401 404 307 404 307 307 307"),
    Rule("GET", E + "/link", ev("/link"), "401 404 200 404 200 200 200"),
    Rule("GET", E + "/thumbnail.jpg", ev("/thumbnail.jpg"), "401 404 200 404 200 200 200"),
    Rule("GET", E + "/display.jpg", ev("/display.jpg"), "401 404 200 404 200 200 200"),
    Rule("DELETE", E, ev(), "401 405 405 405 405 405 405"),
    Rule("GET", "/api/v1/evidence/blob/{token:str}", lambda w: f"/api/v1/evidence/blob/{w.blob_token()}", "200 200 200 200 200 200 200"),
    Rule("POST", E + "/holds", ev("/holds"), "401 403 403 404 201 201 201", json({"reason": "行政复议"})),
    Rule("POST", E + "/holds/{hold_id:uuid}/release", lambda w: f"/api/v1/evidence/{w.evidence_id}/holds/{w.fresh_hold()}/release", "401 403 403 404 200 200 200",
         json({"reason": "复议结束"})),
    # Uploads: the officer who started one, nobody else.
    Rule("OPTIONS", "/api/v1/uploads", "/api/v1/uploads/", "204 204 204 204 204 204 204", tus_headers()),
    Rule("POST", "/api/v1/uploads", "/api/v1/uploads/", "401 201 201 201 201 201 201",
         lambda w, who: {"headers": tus.headers(**{"Upload-Length": "10", "Upload-Metadata": tus.metadata(filename=f"{who}.jpg", kind="photo", sha256="ab" * 32)})}),
    Rule("HEAD", U, lambda w: w.upload_path, "401 404 200 404 404 404 404", tus_headers()),
    Rule("GET", U, lambda w: w.upload_path, "401 404 200 404 404 404 404"),
    Rule("PATCH", U, lambda w: w.upload_path, "401 404 204 404 404 404 404",
         lambda w, who: {"content": b"\xff\xd8\xff" + b"0" * 97, "headers": tus.headers(**{"Upload-Offset": "0", "Content-Type": tus.OCTET})}),
    Rule("DELETE", U, lambda w: w.upload_path, "401 404 204 404 404 404 404", tus_headers()),
    # The review queue of recorder clips.
    Rule("POST", "/console/evidence/clips/{evidence_id:uuid}/assign", lambda w: f"/console/evidence/clips/{w.fresh_clip()}/assign", "404 404 404 404 200 200 200",
         form(lambda w: {"inspection_id": str(w.inspection_id)})),
    Rule("POST", "/console/evidence/clips/{evidence_id:uuid}/dismiss", lambda w: f"/console/evidence/clips/{w.fresh_clip()}/dismiss", "404 404 404 404 200 200 200"),
    Rule("POST", "/console/evidence/dock", "/console/evidence/dock", "404 400 400 400 400 400 400", form({"device": "REC-0001"})),
    Rule("POST", "/console/data/import", "/console/data/import", "login login login login login login 400", form({"kind": "nothing"})),
    # Plans: the supervisors of the street, district supervisors, administrators.
    # (in the order a planner works: a visit put in order, moved out of the routes, the empty
    # route locked; the published plan cannot be published again; a rebuild comes last)
    Rule("GET", P, f"/api/v1/plans/{DAY}?street=hubin", "401 403 403 404 200 200 200"),
    Rule("POST", P + "/streets/{street:str}/reorder", f"/api/v1/plans/{DAY}/streets/hubin/reorder", "401 403 403 404 201 201 201",
         json(lambda w: {"version": w.version(), "team": 1, "order": [str(w.visit_key)]})),
    Rule("POST", P + "/streets/{street:str}/move", f"/api/v1/plans/{DAY}/streets/hubin/move", "401 403 403 404 201 201 201",
         json(lambda w: {"version": w.version(), "visit": str(w.visit_key), "team": None})),
    Rule("POST", "/console/plan/move", "/console/plan/move", "401 403 403 404 200 200 200",
         lambda w, who: {"data": {"date": DAY.isoformat(), "street": "hubin", "version": w.version(), "visit": str(w.visit_key), "team": ""}}),
    Rule("POST", "/console/plan/reorder", "/console/plan/reorder", "401 403 403 404 200 200 200", plan_form(team="1", order="")),
    Rule("POST", P + "/streets/{street:str}/lock", f"/api/v1/plans/{DAY}/streets/hubin/lock", "401 403 403 404 201 201 201", plan_json(team=1)),
    Rule("POST", "/console/plan/lock", "/console/plan/lock", "401 403 403 404 200 200 200", plan_form(team="1", locked="")),
    Rule("POST", P + "/streets/{street:str}/publish", f"/api/v1/plans/{DAY}/streets/hubin/publish", "401 403 403 404 422 422 422", plan_json()),
    Rule("POST", "/console/plan/publish", "/console/plan/publish", "401 403 403 404 422 422 422", plan_form()),
    Rule("POST", P, f"/api/v1/plans/{DAY}", "401 403 403 404 201 201 201", json({"street": "hubin"})),
    Rule("POST", "/console/plan/build", "/console/plan/build", "401 403 403 404 200 200 200", plan_form()),
    Rule("GET", "/api/v1/draws/{day:str}", f"/api/v1/draws/{DAY}", "200 200 200 200 200 200 200"),
    Rule("POST", "/api/v1/draws/{day:str}/seed", f"/api/v1/draws/{DAY}/seed", "401 403 403 201 201 201 201"),
    Rule("GET", "/api/v1/leave", f"/api/v1/leave?date={DAY}", "401 403 403 200 200 200 200"),
    Rule("POST", "/api/v1/leave", "/api/v1/leave", "401 403 403 404 201 200 200",
         json(lambda w: {"user_id": str(w.users["partner"].id), "starts_on": "2026-12-14", "ends_on": "2026-12-14", "reason": "年休假"})),
    Rule("POST", "/api/v1/recusals", "/api/v1/recusals", "401 403 403 404 201 409 409",
         json(lambda w: {"user_id": str(w.users["partner"].id), "merchant_id": str(w.merchant.id), "reason": "近亲属"})),
    # Audit trail: administrators.
    Rule("GET", "/api/v1/audit", "/api/v1/audit", "401 403 403 403 403 403 200"),
    # Users, their roles and their passwords: administrators.
    Rule("GET", "/console/users", "/console/users", "login login login login login login 200"),
    Rule("GET", CU, cu(), "login login login login login login 200"),
    Rule("POST", "/console/users", "/console/users", "403 403 403 403 403 403 201",
         form({"username": "matrix_new", "role": "inspector", "name": "新人", "team": "湖滨综合行政执法队"})),
    Rule("POST", CU, cu(), "403 403 403 403 403 403 200", form({"role": "inspector", "name": "改名", "team": "湖滨综合行政执法队"})),
    Rule("POST", CU + "/reset-link", cu("/reset-link"), "403 403 403 403 403 403 201"),
    Rule("POST", CU + "/deactivate", cu("/deactivate"), "403 403 403 403 403 403 200"),
    Rule("POST", CU + "/activate", cu("/activate"), "403 403 403 403 403 403 200"),
    # The page a one-time password link opens: whoever holds the link, signed in or not.
    Rule("GET", "/console/reset/{secret:str}", reset_link, "200 200 200 200 200 200 200"),
    Rule("POST", "/console/reset/{secret:str}", reset_link, "200 200 200 200 200 200 200",
         form({"password": "a-new-password", "password_again": "a-new-password"})),
    # Last, what ends things others above use: owner links, the merchant's code.
    Rule("POST", M + "/owner-link", m("/owner-link"), "401 403 403 404 201 201 201"),
    Rule("POST", CM + "/owner-link", cm("/owner-link"), "403 403 403 404 200 200 200"),
    Rule("DELETE", M + "/owner-links", m("/owner-links"), "401 403 403 404 204 204 204"),
    Rule("POST", CM + "/owner-links/revoke", cm("/owner-links/revoke"), "403 403 403 404 201 201 201"),
    Rule("POST", M + "/code/rotate", m("/code/rotate"), "401 403 403 404 200 200 200", json({"reason": "二维码污损", "revoke": False})),
    Rule("POST", CM + "/rotate", cm("/rotate"), "403 403 403 404 201 201 201", form({"reason": "二维码污损"})),
    # The phone app's files and the API's documentation: public.
    Rule("GET", "/app", "/app", "200 200 200 200 200 200 200"),
    Rule("GET", "/app/sw.js", "/app/sw.js", "200 200 200 200 200 200 200"),
    Rule("GET", "/app/{file_path:path}", "/app/app.css", "200 200 200 200 200 200 200"),
    Rule("HEAD", "/app/{file_path:path}", "/app/app.css", "200 200 200 200 200 200 200"),
    Rule("GET", "/static/vendor/{file_path:path}", "/static/vendor/htmx.min.js", "200 200 200 200 200 200 200"),
    Rule("HEAD", "/static/vendor/{file_path:path}", "/static/vendor/htmx.min.js", "200 200 200 200 200 200 200"),
    Rule("GET", "/schema", "/schema", "200 200 200 200 200 200 200"),
    Rule("GET", "/schema/openapi.json", "/schema/openapi.json", "200 200 200 200 200 200 200"),
    Rule("GET", "/schema/openapi.yaml", "/schema/openapi.yaml", "200 200 200 200 200 200 200"),
    Rule("GET", "/schema/openapi.yml", "/schema/openapi.yml", "200 200 200 200 200 200 200"),
    Rule("GET", "/schema/swagger", "/schema/swagger", "200 200 200 200 200 200 200"),
    Rule("GET", "/schema/redoc", "/schema/redoc", "200 200 200 200 200 200 200"),
    Rule("GET", "/schema/elements", "/schema/elements", "200 200 200 200 200 200 200"),
    Rule("GET", "/schema/rapidoc", "/schema/rapidoc", "200 200 200 200 200 200 200"),
    Rule("GET", "/schema/oauth2-redirect.html", "/schema/oauth2-redirect.html", "200 200 200 200 200 200 200"),
    Rule("GET", "/schema/{path:str}", "/schema/nothing", "404 404 404 404 404 404 404"),
]
# fmt: on


def _record(world: World) -> dict[str, Any]:
    from tests.auth.world import _record as record

    return record(world.users, world.visit_key, world.token())


def served_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route the app answers, Litestar's automatic OPTIONS aside."""
    found = set()
    for route in app.routes:
        for method, (handler, _) in getattr(route, "route_handler_map", {}).items():
            fn = handler.fn
            if method == "OPTIONS" and getattr(fn, "__module__", "").startswith("litestar"):
                continue
            found.add((method, route.path))
    return found


@pytest.fixture
def matrix_settings(settings: Settings) -> Settings:
    # The matrix sends the complaint form once per visitor: not a flood.
    return with_settings(settings, complaint_rate_client=(100, 600))


@pytest.fixture
def world(sync_engine: Engine, matrix_settings: Settings):
    with TestClient(create_app(matrix_settings)) as client:
        yield make_world(sync_engine, client)


def undeclared(app: Any) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Routes the app serves without a rule, and rules for routes it does not serve."""
    served, declared = served_routes(app), {(r.method, r.route) for r in RULES}
    assert len(declared) == len(RULES), "a route is declared twice"
    return served - declared, declared - served


def test_every_route_has_a_declared_rule(settings: Settings):
    without_rule, gone = undeclared(create_app(settings))
    assert without_rule == set(), "routes without a rule in the access matrix"
    assert gone == set(), "rules for routes the app no longer serves"


def test_a_route_added_without_a_rule_is_caught(settings: Settings):
    @get("/api/v1/new-thing", sync_to_thread=False)
    def new_thing() -> str:
        return "?"

    app = create_app(settings)
    app.register(new_thing)
    assert undeclared(app) == ({("GET", "/api/v1/new-thing")}, set())


def outcome(response: Any) -> str:
    location = response.headers.get("location", "")
    if response.status_code in (302, 303) and location.endswith("/console/login"):
        return "login"
    return str(response.status_code)


def test_every_route_answers_every_visitor_as_its_rule_says(world: World):
    discover = os.environ.get("ACCESS_MATRIX_DISCOVER")
    wrong = []
    for rule in RULES:
        expected = rule.expect.split()
        assert len(expected) == len(PERSONAS), rule
        got = []
        for who in PERSONAS:
            if rule.before is not None:
                rule.before(world)
            url = rule.url(world) if callable(rule.url) else rule.url
            extra = rule.body(world, who) if rule.body else {}
            headers = {**world.visitors[who].headers, **extra.pop("headers", {})}
            world.client.cookies.clear()
            response = world.client.request(
                rule.method, url, headers=headers, follow_redirects=False, **extra
            )
            got.append(outcome(response))
            if rule.then is not None:
                rule.then(world, who)
        if got != expected:
            wrong.append(
                f"{rule.method} {rule.route}: expected {' '.join(expected)}, got {' '.join(got)}"
            )
    if discover:
        print("\n".join(wrong))
    assert wrong == []
