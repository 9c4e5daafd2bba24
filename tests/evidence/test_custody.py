"""Custody over time: write-once records, legal holds, retention by kind, expiry of abandoned
uploads. Deletion happens only by the scheduled command, and only where the rules allow."""

import hashlib
import uuid
from datetime import timedelta

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from server.audit.models import AuditEvent
from server.core.clock import utcnow
from server.evidence.models import Evidence, EvidenceLink, LegalHold
from server.evidence.tus.models import Upload, UploadFragment
from server.storage import storage_from_url
from tests.evidence import tus
from tests.evidence.conftest import People, invoke
from tests.support.app import login_as


def old_evidence(engine: Engine, settings, people: People, kind: str, months: int) -> Evidence:
    """Evidence that came into custody `months` ago, its bytes in storage."""
    body = f"{kind}-{months}-{uuid.uuid4()}".encode()
    key = f"evidence/{kind}/{uuid.uuid4()}"
    store = storage_from_url(settings.storage_url)
    store.ensure_ready()
    store.put(key, [body])
    with Session(engine) as session:
        evidence = Evidence(
            owner=f"user:{people.officer.id}",
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            content_type="video/mp4",
            kind=kind,
            filename="old.mp4",
            storage_key=key,
            uploaded_by=people.officer.id,
            created_at=utcnow() - timedelta(days=31 * months),
        )
        session.add(evidence)
        session.commit()
        session.refresh(evidence)
        return evidence


def test_the_database_refuses_to_alter_or_delete_evidence(
    sync_engine: Engine, settings, people: People
) -> None:
    evidence = old_evidence(sync_engine, settings, people, "photo", 1)
    with sync_engine.begin() as conn, pytest.raises(DBAPIError, match="write-once"):
        conn.execute(text("UPDATE evidence SET sha256 = :s"), {"s": "0" * 64})
    with sync_engine.begin() as conn, pytest.raises(DBAPIError, match="write-once"):
        conn.execute(text("DELETE FROM evidence WHERE id = :i"), {"i": evidence.id.hex})


def test_purge_deletes_only_expired_unreferenced_unheld_evidence(
    runner: CliRunner,
    sync_engine: Engine,
    settings,
    people: People,
) -> None:
    expired = old_evidence(sync_engine, settings, people, "video", 7)
    young = old_evidence(sync_engine, settings, people, "video", 5)
    photo = old_evidence(sync_engine, settings, people, "photo", 7)  # photos: 36 months
    held = old_evidence(sync_engine, settings, people, "video", 7)
    linked = old_evidence(sync_engine, settings, people, "video", 7)
    with Session(sync_engine) as session:
        session.add(LegalHold(evidence_id=held.id, reason="诉讼保全", placed_by=people.admin.id))
        session.add(
            EvidenceLink(
                evidence_id=linked.id,
                subject="case",
                subject_id="CASE-1",
                inspection_id=people.inspection.id,
            )
        )
        session.commit()

    dry = invoke(runner, "evidence", "purge", "--dry-run")
    assert dry.output.count("would delete") == 1 and str(expired.id) in dry.output
    result = invoke(runner, "evidence", "purge")

    assert result.exit_code == 0 and result.output.count("deleted") == 1
    store = storage_from_url(settings.storage_url)
    assert not store.exists(expired.storage_key)
    assert all(store.exists(e.storage_key) for e in (young, photo, held, linked))
    with Session(sync_engine) as session:
        tombstone = session.get(Evidence, expired.id)
        assert tombstone is not None and tombstone.deleted_at is not None  # the record stays
        (event,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "evidence.delete_expired")
        ).all()
        assert event.entity_id == str(expired.id) and event.detail["sha256"] == expired.sha256
    assert "deleted" not in invoke(runner, "evidence", "purge").output


def test_a_legal_hold_is_placed_and_released_through_the_api(
    client: TestClient, people: People, sync_engine: Engine, settings
) -> None:
    evidence = old_evidence(sync_engine, settings, people, "video", 1)
    csrf = login_as(client, people.supervisor.username)

    placed = client.post(
        f"/api/v1/evidence/{evidence.id}/holds",
        json={"reason": "当事人申请复议"},
        headers={"X-CSRF-Token": csrf},
    )
    assert placed.status_code == 201
    record = client.get(f"/api/v1/evidence/{evidence.id}").json()
    assert record["legal_hold"] is True and record["retain_until"] is None

    released = client.post(
        f"/api/v1/evidence/{evidence.id}/holds/{placed.json()['id']}/release",
        json={"reason": "复议结束"},
        headers={"X-CSRF-Token": csrf},
    )
    assert released.status_code == 200
    record = client.get(f"/api/v1/evidence/{evidence.id}").json()
    assert record["legal_hold"] is False and record["retain_until"]


def test_inspectors_cannot_place_holds(client: TestClient, people: People, sync_engine, settings):
    evidence = old_evidence(sync_engine, settings, people, "video", 1)
    csrf = login_as(client, people.officer.username)

    response = client.post(
        f"/api/v1/evidence/{evidence.id}/holds",
        json={"reason": "x"},
        headers={"X-CSRF-Token": csrf},
    )

    assert response.status_code == 403


def test_deleted_evidence_says_so(client: TestClient, people: People, sync_engine, settings):
    evidence = old_evidence(sync_engine, settings, people, "video", 1)
    with sync_engine.begin() as conn:
        conn.execute(text("UPDATE evidence SET deleted_at = :now"), {"now": utcnow()})
    login_as(client, people.officer.username)

    assert client.get(f"/api/v1/evidence/{evidence.id}").json()["deleted_at"]
    assert client.get(f"/api/v1/evidence/{evidence.id}/content").status_code == 410


def test_abandoned_uploads_expire_and_free_their_bytes(
    runner: CliRunner,
    officer_client,
    sync_engine: Engine,
    settings,
) -> None:
    client, csrf = officer_client
    photo = tus.jpeg((400, 300), noise=True)
    path = tus.path_of(tus.create(client, csrf, photo))
    assert tus.patch(client, csrf, path, 0, photo[:3000]).status_code == 204
    store = storage_from_url(settings.storage_url)
    with Session(sync_engine) as session:
        fragments = list(session.exec(select(UploadFragment.storage_key)))
    assert fragments and all(store.exists(key) for key in fragments)
    with sync_engine.begin() as conn:
        conn.execute(
            text("UPDATE upload SET expires_at = :t"), {"t": utcnow() - timedelta(hours=1)}
        )

    assert client.head(path, headers=tus.headers()).status_code == 410  # before any sweep
    result = invoke(runner, "evidence", "expire-uploads")

    assert result.output.startswith("1 abandoned uploads expired")
    assert not any(store.exists(key) for key in fragments)
    with Session(sync_engine) as session:
        assert session.exec(select(Upload.state)).one() == "expired"
