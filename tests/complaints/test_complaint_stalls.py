"""Checking a complaint's photo does not stop the server: while one photo is decoded and drawn
again, everyone else is still answered."""

import io
import threading

from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import Engine

from server.complaints import service
from tests.support.factories import make_merchants
from tests.support.stalls import HeldWork


def test_other_requests_are_answered_while_a_complaint_photo_is_checked(
    client: TestClient, sync_engine: Engine, monkeypatch
) -> None:
    (merchant,) = make_merchants(sync_engine, 1)
    photo = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(photo, "JPEG")
    checking = HeldWork(service.check_photo)
    monkeypatch.setattr(service, "check_photo", checking)
    answers = {}

    def complain() -> None:
        answers["complaint"] = client.post(
            f"/m/{merchant.qr_token}/complaints",
            data={"text": "后厨地面油污严重", "contact": ""},
            files={"photo": ("photo.jpg", photo.getvalue(), "image/jpeg")},
            follow_redirects=False,
        )

    sender = threading.Thread(target=complain)
    sender.start()
    assert checking.started.wait(10)
    page = client.get(f"/m/{merchant.qr_token}")  # another passer-by scans the shop's code
    checking.served()
    sender.join(30)
    assert page.status_code == 200
    assert answers["complaint"].status_code == 303, answers["complaint"].text
    assert checking.saw_others_served, "the merchant page waited for the photo check"
