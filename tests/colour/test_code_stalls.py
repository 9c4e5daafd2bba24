"""Drawing QR codes does not stop the server: a page of a street's posters takes seconds of
drawing, and meanwhile everyone else is still answered."""

import threading

from litestar.testing import TestClient
from sqlalchemy import Engine

from server.merchants import qrcode as qr
from tests.support.app import login_as
from tests.support.factories import make_merchants, make_user
from tests.support.stalls import HeldWork


def test_other_requests_are_answered_while_a_streets_posters_are_drawn(
    client: TestClient, sync_engine: Engine, monkeypatch
) -> None:
    make_merchants(sync_engine, 3, street="hubin", name_prefix="湖滨店")
    make_user(sync_engine, "sup_hubin", role="supervisor", street="hubin")
    drawing = HeldWork(qr._code)
    monkeypatch.setattr(qr, "_code", drawing)
    login_as(client, "sup_hubin")
    answers = {}

    def print_posters() -> None:
        answers["posters"] = client.get("/console/codes/streets/hubin/posters")

    printer = threading.Thread(target=print_posters)
    printer.start()
    assert drawing.started.wait(10)
    health = client.get("/healthz")  # someone else, while the codes are drawn
    drawing.served()
    printer.join(60)
    assert health.status_code == 200
    posters = answers["posters"]
    assert posters.status_code == 200, posters.text
    assert posters.text.count('class="poster"') == 3 and posters.text.count("<svg") == 3
    assert drawing.saw_others_served, "the health check waited for the posters' codes"
