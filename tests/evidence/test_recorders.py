"""Body-worn recorder clips: ingest from a folder or the dock page, linked to the visit of the
officer who carried the recorder, the rest placed by a supervisor from the review queue."""

import hashlib
import shutil
import struct
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from server.cli import cli
from server.core.clock import local_today
from server.evidence.models import Evidence, EvidenceLink
from server.evidence.recorders.models import RecorderClip
from tests.evidence import tus
from tests.evidence.conftest import People, invoke, make_visit
from tests.support.app import login_as

ZONE = ZoneInfo("Asia/Shanghai")


def clip(path: Path, seconds: float = 120, created: datetime | None = None) -> Path:
    """A small MP4 whose movie header gives a duration (and perhaps a creation time)."""
    stamp = int((created - datetime(1904, 1, 1, tzinfo=UTC)).total_seconds()) if created else 0

    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(body), kind) + body

    mvhd = box(b"mvhd", b"\0" * 4 + struct.pack(">IIII", stamp, stamp, 1000, int(seconds * 1000)))
    body = path.name.encode() * 2000  # different bytes per file
    path.write_bytes(
        box(b"ftyp", b"isom\0\0\2\0isomiso2") + box(b"mdat", body) + box(b"moov", mvhd + b"\0" * 80)
    )
    return path


@pytest.fixture
def morning(sync_engine: Engine, people: People):
    """The officer's visit this morning, 09:00-09:40 local time, and the recorder they carried."""
    day = local_today()
    start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=ZONE).astimezone(UTC)
    visit = make_visit(sync_engine, people.merchant, [people.officer, people.partner], start)
    return day, visit


def test_ingest_links_clips_to_the_carriers_visit_and_queues_the_rest(
    runner: CliRunner, morning, people: People, sync_engine: Engine, tmp_path: Path
) -> None:
    day, visit = morning
    stamp = day.strftime("%Y%m%d")
    assert (
        invoke(runner, "evidence", "recorder", "add", "DSJ-0012", "--street", "hubin").exit_code
        == 0
    )
    assigned = invoke(
        runner, "evidence", "recorder", "assign", "DSJ-0012", "officer1", "--date", day.isoformat()
    )
    assert assigned.exit_code == 0, assigned.output
    folder = tmp_path / "DCIM"
    folder.mkdir()
    clip(folder / f"DSJ0012_{stamp}_091500_0001.MP4", seconds=300)
    clip(folder / f"DSJ0012_{stamp}_150000_0002.MP4")
    shutil.copy(folder / f"DSJ0012_{stamp}_091500_0001.MP4", folder / "copy_of_first.MP4")
    (folder / "README.txt").write_text("not a clip")

    result = invoke(runner, "evidence", "ingest", str(folder), "--device", "DSJ-0012")

    assert result.exit_code == 1, result.output  # one file was not a clip
    lines = {line.split("\t")[1]: line for line in result.output.strip().splitlines()}
    assert lines[f"DSJ0012_{stamp}_091500_0001.MP4"].startswith("已关联检查")
    assert lines[f"DSJ0012_{stamp}_150000_0002.MP4"].startswith("待人工确认")
    assert "没有时间重叠" in lines[f"DSJ0012_{stamp}_150000_0002.MP4"]
    assert lines["copy_of_first.MP4"].startswith("已导入过")
    assert lines["README.txt"].startswith("未导入")
    with Session(sync_engine) as session:
        clips = {c.state: c for c in session.exec(select(RecorderClip))}
        assert set(clips) == {"linked", "unmatched"}
        assert clips["linked"].inspection_id == visit.id
        assert clips["linked"].officer_id == people.officer.id
        assert clips["linked"].duration_s == 300
        linked = session.get(Evidence, clips["linked"].evidence_id)
        assert (
            linked.sha256
            == hashlib.sha256(
                (folder / f"DSJ0012_{stamp}_091500_0001.MP4").read_bytes()
            ).hexdigest()
        )
        assert linked.kind == "video" and linked.source == "recorder"
    again = invoke(runner, "evidence", "ingest", str(folder), "--device", "DSJ-0012")
    statuses = [line.split("\t")[0] for line in again.output.strip().splitlines()]
    assert statuses.count("已导入过") == 3  # re-running is harmless


def test_a_clip_without_a_carrier_that_day_waits_with_the_reason(
    runner: CliRunner, morning, tmp_path: Path
) -> None:
    day, _ = morning
    invoke(runner, "evidence", "recorder", "add", "DSJ-0099")
    clip(tmp_path / f"{day:%Y%m%d}_091000.mp4")

    result = invoke(runner, "evidence", "ingest", str(tmp_path), "--device", "DSJ-0099")

    assert "待人工确认" in result.output and "没有该记录仪的佩戴登记" in result.output


def test_an_unknown_recorder_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["evidence", "ingest", str(tmp_path), "--device", "NOPE"])

    assert result.exit_code == 2 and "未登记" in result.output


def test_the_start_time_comes_from_the_movie_header_when_the_name_has_none(
    runner: CliRunner, morning, sync_engine: Engine, tmp_path: Path
) -> None:
    day, visit = morning
    invoke(runner, "evidence", "recorder", "add", "DSJ-0012")
    invoke(
        runner, "evidence", "recorder", "assign", "DSJ-0012", "officer1", "--date", day.isoformat()
    )
    created = datetime(day.year, day.month, day.day, 9, 20, tzinfo=ZONE).astimezone(UTC)
    clip(tmp_path / "MOV0001.MP4", created=created)

    result = invoke(runner, "evidence", "ingest", str(tmp_path), "--device", "DSJ-0012")

    assert "已关联检查" in result.output
    with Session(sync_engine) as session:
        (row,) = session.exec(select(RecorderClip)).all()
        assert row.time_source == "metadata" and row.inspection_id == visit.id


def test_a_supervisor_places_a_queued_clip_from_the_console(
    runner: CliRunner,
    client: TestClient,
    morning,
    people: People,
    sync_engine: Engine,
    tmp_path: Path,
) -> None:
    day, visit = morning
    invoke(runner, "evidence", "recorder", "add", "DSJ-0012", "--street", "hubin")
    invoke(
        runner, "evidence", "recorder", "assign", "DSJ-0012", "officer1", "--date", day.isoformat()
    )
    clip(tmp_path / f"DSJ0012_{day:%Y%m%d}_120000.MP4")
    invoke(runner, "evidence", "ingest", str(tmp_path), "--device", "DSJ-0012")
    csrf = login_as(client, people.supervisor.username)

    page = client.get("/console/evidence/")
    assert page.status_code == 200
    assert f"DSJ0012_{day:%Y%m%d}_120000.MP4" in page.text
    assert people.merchant.name in page.text  # the day's visits are offered
    with Session(sync_engine) as session:
        evidence_id = session.exec(select(RecorderClip.evidence_id)).one()

    placed = client.post(
        f"/console/evidence/clips/{evidence_id}/assign",
        data={"inspection_id": str(visit.id)},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )

    assert placed.status_code == 200 and "已关联" in placed.text
    assert "DSJ0012" not in client.get("/console/evidence/").text
    with Session(sync_engine) as session:
        link = session.exec(select(EvidenceLink)).one()
        assert link.inspection_id == visit.id and link.evidence_id == evidence_id
        assert session.get(RecorderClip, evidence_id).state == "assigned"
    client.cookies.clear()
    login_as(client, people.partner.username)  # the visit's other officer may now see it
    assert client.get(f"/api/v1/evidence/{evidence_id}").status_code == 200


def test_the_queue_is_for_supervisors_only(client: TestClient, people: People) -> None:
    login_as(client, people.officer.username)

    response = client.get("/console/evidence/", follow_redirects=False)

    assert response.status_code in (302, 303) and "/console/login" in response.headers["location"]


def test_the_dock_page_streams_clips_into_the_same_ingest(
    runner: CliRunner, client: TestClient, morning, people: People, tmp_path: Path
) -> None:
    day, _ = morning
    invoke(runner, "evidence", "recorder", "add", "DSJ-0012")
    invoke(
        runner, "evidence", "recorder", "assign", "DSJ-0012", "officer1", "--date", day.isoformat()
    )
    first = clip(tmp_path / f"DSJ0012_{day:%Y%m%d}_091500.MP4")
    second = clip(tmp_path / f"DSJ0012_{day:%Y%m%d}_180000.MP4")
    csrf = login_as(client, people.officer.username)
    assert "DSJ-0012" in client.get("/console/evidence/dock").text

    response = client.post(
        "/console/evidence/dock",
        data={"device": "DSJ-0012"},
        files=[
            ("files", (first.name, first.read_bytes(), "video/mp4")),
            ("files", (second.name, second.read_bytes(), "video/mp4")),
            ("files", ("../../etc/passwd", b"root:x:0:0", "text/plain")),
        ],
        headers={"X-CSRF-Token": csrf},
    )

    assert response.status_code == 200, response.text
    rows = response.text.split("<tr>")[2:]
    assert "已关联检查" in rows[0] and "待人工确认" in rows[1] and "未导入" in rows[2]


def test_a_clip_uploaded_with_tus_by_the_officer_is_not_a_recorder_clip(officer_client) -> None:
    client, csrf = officer_client
    response, _ = tus.upload_whole(client, csrf, tus.mp4(5000), kind="video", filename="phone.mp4")
    assert response.status_code == 204


def test_the_dock_refuses_a_name_that_turns_text_and_a_device_id_with_a_nul(
    runner: CliRunner, client: TestClient, people: People, sync_engine: Engine, tmp_path: Path
) -> None:
    invoke(runner, "evidence", "recorder", "add", "DSJ-0012")
    data = clip(tmp_path / "DSJ0012_20300603_091500.MP4").read_bytes()
    csrf = {"X-CSRF-Token": login_as(client, people.officer.username)}

    turned = client.post(
        "/console/evidence/dock",
        data={"device": "DSJ-0012"},
        files=[("files", ("DSJ0012_\u202e4PM.MP4", data, "video/mp4"))],
        headers=csrf,
    )
    assert turned.status_code == 200, turned.text
    assert "未导入" in turned.text and "\u202e" not in turned.text and "\\u202e" in turned.text

    nul = client.post(
        "/console/evidence/dock",
        data={"device": "DSJ\x00-0012"},
        files=[("files", ("DSJ0012_20300603_091500.MP4", data, "video/mp4"))],
        headers=csrf,
    )
    assert nul.status_code == 200 and "未登记的执法记录仪" in nul.text
    with Session(sync_engine) as session:
        assert session.exec(select(Evidence)).all() == []


def test_ingest_keeps_a_recorder_file_whose_name_turns_text_with_that_character_replaced(
    runner: CliRunner, sync_engine: Engine, tmp_path: Path
) -> None:
    invoke(runner, "evidence", "recorder", "add", "DSJ-0012")
    clip(tmp_path / "DSJ0012_20300603_091500\u202e4pm.MP4")

    invoke(runner, "evidence", "ingest", str(tmp_path), "--device", "DSJ-0012")

    with Session(sync_engine) as session:
        (stored,) = session.exec(select(Evidence)).all()
        assert stored.filename == "DSJ0012_20300603_091500_4pm.MP4"
