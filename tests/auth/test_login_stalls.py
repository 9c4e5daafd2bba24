"""A sign-in does not stop the server: while one password is being checked (Argon2 takes a
quarter of a second on purpose), everyone else is still answered."""

import threading

from litestar.testing import TestClient

from server.auth import passwords, service
from tests.support.factories import make_user
from tests.support.stalls import HeldWork


def test_other_requests_are_answered_while_a_password_is_checked(
    client: TestClient, sync_engine, monkeypatch
) -> None:
    make_user(sync_engine, "early")
    checking = HeldWork(passwords.verify_password)
    monkeypatch.setattr(service, "verify_password", checking)
    answers = {}

    def sign_in() -> None:
        answers["login"] = client.post(
            "/api/v1/auth/login", json={"username": "early", "password": "pw-correct-horse"}
        )

    phone = threading.Thread(target=sign_in)
    phone.start()
    assert checking.started.wait(10)
    health = client.get("/healthz")  # someone else, while the password is being checked
    checking.served()
    phone.join(30)
    assert health.status_code == 200
    assert answers["login"].status_code == 200
    assert checking.saw_others_served, "the health check waited for the password check"
