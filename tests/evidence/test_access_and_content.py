"""Who may see evidence, how its bytes are served, and that every look is on the record."""

import hashlib
import io
import urllib.request

import pytest
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from server.app import create_app
from server.audit.models import AuditEvent
from server.storage import storage_from_url
from tests.evidence import tus
from tests.evidence.conftest import People
from tests.support.app import login_as, with_settings
from tests.support.images import ODD_EXIF


def upload_photo(client: TestClient, people: People, photo: bytes, **meta) -> str:
    csrf = login_as(client, people.officer.username)
    response, path = tus.upload_whole(client, csrf, photo, **meta)
    assert response.status_code == 204, response.text
    evidence_id = client.get(path).json()["evidence_id"]
    client.cookies.clear()
    return evidence_id


def audit(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.at))
        return list(session.exec(stmt))


def test_the_visits_officers_its_streets_supervisors_and_admins_see_it_others_do_not(
    client: TestClient, people: People, sync_engine: Engine
) -> None:
    evidence_id = upload_photo(client, people, tus.jpeg(), inspection_id=people.inspection.id)
    allowed = [people.officer, people.partner, people.supervisor, people.district, people.admin]
    refused = [people.other, people.far_supervisor]

    for user in allowed + refused:
        client.cookies.clear()
        login_as(client, user.username)
        response = client.get(f"/api/v1/evidence/{evidence_id}")
        assert response.status_code == (200 if user in allowed else 404), user.username
    client.cookies.clear()
    login_as(client, people.admin.username)
    assert client.get(f"/api/v1/evidence/{evidence_id}").json()["links"] == [
        {
            "subject": "inspection",
            "subject_id": str(people.inspection.id),
            "inspection_id": str(people.inspection.id),
        }
    ]
    reads = audit(sync_engine, "evidence.read")
    assert {e.actor for e in reads} >= {u.username for u in allowed}
    denied = audit(sync_engine, "evidence.denied")
    assert {e.actor for e in denied} == {u.username for u in refused}
    assert all(e.entity_id == evidence_id and e.ip for e in reads + denied)


def test_unlinked_evidence_is_seen_by_its_uploader_and_the_uploaders_street(
    client: TestClient, people: People
) -> None:
    evidence_id = upload_photo(client, people, tus.jpeg())
    for user, status in [
        (people.partner, 404),
        (people.supervisor, 200),
        (people.far_supervisor, 404),
    ]:
        client.cookies.clear()
        login_as(client, user.username)
        assert client.get(f"/api/v1/evidence/{evidence_id}").status_code == status


def test_content_is_a_short_lived_presigned_link_and_each_download_is_audited(
    client: TestClient, people: People, sync_engine: Engine
) -> None:
    photo = tus.jpeg((500, 400), noise=True)
    evidence_id = upload_photo(client, people, photo, filename="现场照片.jpg")
    login_as(client, people.supervisor.username)

    response = client.get(
        f"/api/v1/evidence/{evidence_id}/content",
        params={"download": "true"},
        follow_redirects=False,
    )

    assert response.status_code == 307
    url = response.headers["Location"]
    assert "X-Amz-Expires=300" in url
    with urllib.request.urlopen(url, timeout=10) as fetched:
        assert fetched.read() == photo
        assert "attachment" in fetched.headers["Content-Disposition"]
        assert fetched.headers["Content-Type"] == "image/jpeg"
    (event,) = audit(sync_engine, "evidence.download")
    assert event.actor == people.supervisor.username and event.entity_id == evidence_id
    assert event.detail == {"download": True}


def test_on_the_local_folder_links_are_signed_by_the_app(
    settings, people: People, tmp_path
) -> None:
    local = with_settings(settings, storage_url=f"file://{tmp_path / 'media'}")
    photo = tus.jpeg()
    with TestClient(create_app(local)) as client:
        evidence_id = upload_photo(client, people, photo)
        login_as(client, people.officer.username)
        link = client.get(f"/api/v1/evidence/{evidence_id}/link").json()
        client.cookies.clear()  # the link itself is the permission, for a few minutes

        fetched = client.get(link["url"])
        forged = client.get(link["url"][:-3] + "AAA")

    assert fetched.status_code == 200 and fetched.content == photo
    assert fetched.headers["content-type"] == "image/jpeg"
    assert forged.status_code == 403


# A PDF that runs script when a viewer opens it on the page's origin.
ACTIVE_PDF = (
    b"%PDF-1.7\n1 0 obj <</Type/Catalog/OpenAction <</S/JavaScript/JS (app.alert(1))>>>>"
    b" endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)


def test_a_pdf_opens_as_a_download_never_as_a_page_of_the_app(
    settings, people: People, tmp_path
) -> None:
    local = with_settings(settings, storage_url=f"file://{tmp_path / 'media'}")
    with TestClient(create_app(local)) as client:
        pdf_id = upload_photo(client, people, ACTIVE_PDF, kind="document", filename="决定书.pdf")
        photo_id = upload_photo(client, people, tus.jpeg())
        login_as(client, people.officer.username)
        pdf_link = client.get(f"/api/v1/evidence/{pdf_id}/link").json()["url"]
        photo_link = client.get(f"/api/v1/evidence/{photo_id}/link").json()["url"]
        pdf, photo = client.get(pdf_link), client.get(photo_link)

    assert pdf.status_code == 200 and pdf.content == ACTIVE_PDF
    # Asked to view, not to download: still handed over as a file, and sandboxed if rendered.
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E5%86%B3%E5%AE%9A%E4%B9%A6.pdf" in pdf.headers["content-disposition"]
    for served in (pdf, photo):
        assert served.headers["x-content-type-options"] == "nosniff"
        policy = served.headers["content-security-policy"]
        assert policy.startswith("sandbox;") and "default-src 'none'" in policy
    assert photo.headers["content-disposition"].startswith("inline;")  # a photo may be viewed


def test_the_object_stores_link_to_a_pdf_is_a_download_too(
    client: TestClient, people: People
) -> None:
    pdf_id = upload_photo(client, people, ACTIVE_PDF, kind="document", filename="决定书.pdf")
    login_as(client, people.supervisor.username)
    url = client.get(f"/api/v1/evidence/{pdf_id}/link").json()["url"]
    with urllib.request.urlopen(url, timeout=10) as fetched:
        assert fetched.read() == ACTIVE_PDF
        assert fetched.headers["Content-Disposition"].startswith("attachment;")
        assert fetched.headers["Content-Type"] == "application/pdf"


def test_evidence_cannot_be_deleted_through_the_api(client: TestClient, people: People) -> None:
    evidence_id = upload_photo(client, people, tus.jpeg())
    csrf = login_as(client, people.admin.username)

    response = client.delete(f"/api/v1/evidence/{evidence_id}", headers={"X-CSRF-Token": csrf})

    assert response.status_code == 405
    assert client.get(f"/api/v1/evidence/{evidence_id}").status_code == 200


def test_the_thumbnail_is_upright_and_the_display_copy_is_watermarked(
    client: TestClient, people: People, settings, sync_engine: Engine
) -> None:
    # Held sideways: stored landscape with EXIF "rotate 90° clockwise to view".
    photo = tus.jpeg((640, 480), exif_orientation=6)
    evidence_id = upload_photo(
        client, people, photo, inspection_id=people.inspection.id, lat="30.2591", lng="120.1689"
    )
    login_as(client, people.officer.username)

    thumb = Image.open(
        io.BytesIO(client.get(f"/api/v1/evidence/{evidence_id}/thumbnail.jpg").content)
    )
    shown = client.get(f"/api/v1/evidence/{evidence_id}/display.jpg")
    display = Image.open(io.BytesIO(shown.content)).convert("RGB")

    assert thumb.size == (240, 320)  # portrait, as the officer held the phone
    red, blue = thumb.convert("RGB").getpixel((120, 20)), thumb.convert("RGB").getpixel((120, 300))
    assert red[0] > 150 > red[2] and blue[2] > 150 > blue[0]
    assert display.size == (480, 640)
    band = display.crop((0, 560, 480, 640))
    assert max(band.getextrema()[1]) > 200  # white text in the band
    assert display.getpixel((5, 635))[0] < 150  # the band darkens the red picture
    assert shown.headers["cache-control"].startswith("private")
    original = storage_from_url(settings.storage_url)
    record = client.get(f"/api/v1/evidence/{evidence_id}").json()
    with original.open(
        f"evidence/photo/{client.get('/api/v1/uploads/' + _upload_id(sync_engine)).json()['id']}"
    ) as r:
        assert hashlib.sha256(b"".join(r)).hexdigest() == record["sha256"]  # never altered
    views = audit(sync_engine, "evidence.view")
    assert [v.detail["variant"] for v in views] == ["thumbnail", "display"]


def test_derived_copies_carry_nothing_of_the_originals_metadata(
    client: TestClient, people: People
) -> None:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}
    Image.new("RGB", (640, 480), (200, 30, 30)).save(
        out, "JPEG", exif=exif, comment=b"shop owner 13800138000"
    )
    evidence_id = upload_photo(client, people, out.getvalue(), inspection_id=people.inspection.id)
    login_as(client, people.officer.username)
    for variant in ("thumbnail", "display"):
        copy = client.get(f"/api/v1/evidence/{evidence_id}/{variant}.jpg").content
        assert b"13800138000" not in copy, variant
        kept = Image.open(io.BytesIO(copy))
        assert "comment" not in kept.info and not kept.getexif(), variant


def test_a_photo_with_odd_exif_still_gets_its_thumbnail(client: TestClient, people: People) -> None:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(out, "JPEG", exif=ODD_EXIF)
    evidence_id = upload_photo(client, people, out.getvalue())
    login_as(client, people.officer.username)
    thumb = client.get(f"/api/v1/evidence/{evidence_id}/thumbnail.jpg")
    assert thumb.status_code == 200, thumb.text
    assert Image.open(io.BytesIO(thumb.content)).size == (240, 320)


def _upload_id(engine: Engine) -> str:
    from server.evidence.tus.models import Upload

    with Session(engine) as session:
        return str(session.exec(select(Upload.id)).one())


@pytest.mark.parametrize("variant", ["thumbnail", "display"])
def test_derived_copies_of_a_video_are_refused(officer_client, variant: str) -> None:
    client, csrf = officer_client
    _, path = tus.upload_whole(client, csrf, tus.mp4(4096), kind="video", filename="v.mp4")
    evidence_id = client.get(path).json()["evidence_id"]

    assert client.get(f"/api/v1/evidence/{evidence_id}/{variant}.jpg").status_code == 415
