"""Sending a record does not stop the server: while its signatures are decoded and looked at
(up to a second each), everyone else is still answered; and what is wrong with one still reads
as before, naming the signer."""

import base64
import io
import threading

from litestar.testing import TestClient
from PIL import Image

from server.inspections import signature
from tests.inspections.conftest import Day, drawn_signature, record_body
from tests.support.app import login_as
from tests.support.stalls import HeldWork


def test_other_requests_are_answered_while_a_records_signatures_are_checked(
    client: TestClient, today_route: Day, monkeypatch
) -> None:
    checking = HeldWork(signature._ink)
    monkeypatch.setattr(signature, "_ink", checking)
    csrf = login_as(client, "insp-a")
    answers = {}

    def send() -> None:
        answers["record"] = client.post(
            "/api/v1/inspections", json=record_body(today_route), headers={"X-CSRF-Token": csrf}
        )

    phone = threading.Thread(target=send)
    phone.start()
    assert checking.started.wait(10)
    health = client.get("/healthz")  # someone else, while a signature is being looked at
    checking.served()
    phone.join(60)
    assert health.status_code == 200
    assert answers["record"].status_code == 201, answers["record"].text
    assert checking.saw_others_served, "the health check waited for the signature check"


def test_a_blank_signature_is_still_refused_naming_the_signer(
    client: TestClient, today_route: Day
) -> None:
    csrf = login_as(client, "insp-a")
    body = record_body(today_route)
    body["signatures"]["merchant"] = drawn_signature().replace("iVBOR", "iVBOx", 1)
    one = today_route.officers[0]
    body["signatures"]["officers"][str(one.id)] = _blank()
    refused = client.post("/api/v1/inspections", json=body, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 422
    problems = refused.json()["problems"]
    assert f"{one.name}的签名是空白的，请重新签名" in problems
    assert "商户的签名不是可识别的图片（须为 PNG、JPEG 或 WebP）" in problems


def _blank() -> str:
    """A pad sent without a stroke on it."""
    out = io.BytesIO()
    Image.new("RGBA", (360, 140), (0, 0, 0, 0)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
