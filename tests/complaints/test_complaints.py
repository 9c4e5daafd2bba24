"""Complaints from the public page: a tracking number for the sender, a photo kept safely, bots
and floods turned away, and a complaint found true on site counting against the colour."""

import io
import re

import pytest
from litestar.testing import TestClient
from PIL import Image, ImageCms
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from server.audit.models import AuditEvent
from server.complaints.models import Complaint
from server.core.settings import Settings
from server.merchants.models import Merchant
from tests.support.app import login_as, with_settings
from tests.support.factories import make_merchants, make_user
from tests.support.images import ODD_EXIF


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def complain(client: TestClient, token: str, text: str = "后厨地面油污严重，有老鼠出没", **extra):
    """Send the form as a browser does, following the redirect to the tracking page."""
    files = extra.pop("files", None)
    follow = extra.pop("follow_redirects", True)
    data = {"text": text, "contact": extra.pop("contact", ""), **extra}
    return client.post(f"/m/{token}/complaints", data=data, files=files, follow_redirects=follow)


def complaints(engine: Engine) -> list[Complaint]:
    with Session(engine) as session:
        return list(session.exec(select(Complaint)).scalars())


def tracking_no(html: str) -> str:
    found = re.search(r"TS\d{8}-[0-9A-Z]{8}", html)
    assert found, html
    return found.group(0)


def test_a_complaint_is_stored_and_the_sender_gets_a_tracking_number(
    client: TestClient, sync_engine: Engine
):
    (merchant,) = make_merchants(sync_engine, 1)
    sent = complain(client, merchant.qr_token, contact="13900001111", follow_redirects=False)
    # Answered with a redirect: a refresh of what the sender then sees sends nothing again.
    assert sent.status_code == 303, sent.text
    number = tracking_no(sent.headers["location"])
    assert sent.headers["location"] == f"/m/c/{number}"
    assert sent.headers["cache-control"] == "no-store"
    response = client.get(sent.headers["location"])
    assert response.status_code == 200
    assert number in response.text and "已受理" in response.text
    assert "请保存受理编号" in response.text
    assert client.get(sent.headers["location"]).status_code == 200  # the refresh
    (stored,) = complaints(sync_engine)
    assert (stored.tracking_no, stored.merchant_id, stored.status) == (
        number,
        merchant.id,
        "received",
    )
    assert stored.contact == "13900001111" and stored.client_hash
    assert "testclient" not in (stored.client_hash or "")  # the address is kept only as a hash
    track = client.get(f"/m/c/{number}")
    assert track.status_code == 200 and "已受理" in track.text
    assert "13900001111" not in track.text and "老鼠" not in track.text
    unknown = client.get("/m/c/TS20260101-ZZZZZZZZ")
    assert unknown.status_code == 404
    assert "查询编号不存在" in unknown.text and "二维码无效" not in unknown.text


def test_following_the_redirect_shows_the_tracking_number(client: TestClient, sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    response = complain(client, merchant.qr_token)
    assert response.status_code == 200 and response.url.path.startswith("/m/c/TS")
    (stored,) = complaints(sync_engine)
    assert tracking_no(response.text) == stored.tracking_no


def located_jpeg() -> bytes:
    """A phone photo with EXIF: where it was taken (GPS), the phone, and "rotate 90°"."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "PhoneModel X"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_kept_without_where_it_was_taken_and_staff_can_see_it(
    client: TestClient, sync_engine: Engine
):
    (merchant,) = make_merchants(sync_engine, 1)
    photo = located_jpeg()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)  # the sender's position
    response = complain(client, merchant.qr_token, files={"photo": ("p.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.text
    (stored,) = complaints(sync_engine)
    assert stored.photo_key and stored.photo_type == "image/jpeg"
    make_user(sync_engine, "sup", role="supervisor")
    login_as(client, "sup")
    got = client.get(f"/api/v1/complaints/{stored.id}/photo")
    assert got.status_code == 200 and stored.photo_size == len(got.content)
    # A stranger's file on the app's origin: never sniffed into a page, sandboxed if rendered.
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith(f'inline; filename="{stored.tracking_no}.')
    assert got.headers["content-security-policy"].startswith("sandbox;")
    kept = Image.open(io.BytesIO(got.content))
    assert not kept.getexif()  # no position, no phone model, no orientation tag
    assert kept.size == (48, 64)  # drawn upright instead
    with Session(sync_engine) as session:
        viewed = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "complaint.photo_viewed")
        ).scalar_one()
    assert viewed == 1


SENDERS_NUMBER = b"13800138000"


def telltale_jpeg() -> bytes:
    """A phone photo that gives its sender away in every place a JPEG has room for words: EXIF
    (phone, GPS), the JPEG comment, XMP, an ICC profile and Photoshop's IPTC caption."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "PhoneModel X"
    exif[0x8825] = {1: "N", 2: (30.0, 16.0, 27.0), 3: "E", 4: (120.0, 9.0, 18.0)}
    out = io.BytesIO()
    image.save(
        out,
        format="JPEG",
        exif=exif,
        comment=b"GPS 30.2741,120.1551 tel " + SENDERS_NUMBER,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + SENDERS_NUMBER + b"</x:xmpmeta>",
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    data = out.getvalue()
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x10\x1c\x02\x78\x00\x0b"
    iptc += SENDERS_NUMBER
    app13 = b"\xff\xed" + (len(iptc) + 2).to_bytes(2, "big") + iptc
    return data[:2] + app13 + data[2:]


def segments(jpeg: bytes) -> list[int]:
    """The markers of a JPEG's segments before its image data (0xE0 APP0 … 0xFE COM)."""
    found, at = [], 2
    while at + 4 <= len(jpeg) and jpeg[at] == 0xFF and jpeg[at + 1] != 0xDA:
        found.append(jpeg[at + 1])
        at += 2 + int.from_bytes(jpeg[at + 2 : at + 4], "big")
    return found


def kept_photo(client: TestClient, engine: Engine) -> bytes:
    """The complaint's photo as staff get it."""
    (stored,) = complaints(engine)
    make_user(engine, "sup_photo", role="supervisor")
    login_as(client, "sup_photo")
    got = client.get(f"/api/v1/complaints/{stored.id}/photo")
    assert got.status_code == 200, got.text
    return got.content


def test_a_complaint_photo_keeps_its_pixels_and_nothing_else(
    client: TestClient, sync_engine: Engine
):
    (merchant,) = make_merchants(sync_engine, 1)
    photo = telltale_jpeg()
    assert {0xE1, 0xE2, 0xED, 0xFE} <= set(segments(photo))  # EXIF/XMP, ICC, IPTC, comment
    response = complain(client, merchant.qr_token, files={"photo": ("p.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.text

    kept = kept_photo(client, sync_engine)
    assert SENDERS_NUMBER not in kept and b"30.2741" not in kept and b"PhoneModel" not in kept
    # Only what the picture needs: no APP1–APP15 segment (EXIF, XMP, ICC, IPTC …), no comment.
    assert not [hex(m) for m in segments(kept) if 0xE1 <= m <= 0xEF or m == 0xFE]
    image = Image.open(io.BytesIO(kept))
    assert not {"exif", "comment", "xmp", "icc_profile", "photoshop"} & set(image.info)
    red, green, blue = image.convert("RGB").getpixel((32, 24))
    assert red > 170 and green < 60 and blue < 60  # the same picture


def multi_picture_jpeg() -> bytes:
    """What many phones write: a JPEG with a second picture appended (MPO)."""
    first = Image.new("RGB", (64, 48), (200, 30, 30))
    second = Image.new("RGB", (64, 48), (30, 30, 200))
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second])
    return out.getvalue()


def test_a_multi_picture_jpeg_is_taken_as_its_first_picture(
    client: TestClient, sync_engine: Engine
):
    (merchant,) = make_merchants(sync_engine, 1)
    photo = multi_picture_jpeg()
    assert Image.open(io.BytesIO(photo)).format == "MPO"
    response = complain(client, merchant.qr_token, files={"photo": ("p.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.text
    assert "已受理" in response.text
    (stored,) = complaints(sync_engine)
    assert stored.photo_type == "image/jpeg"

    kept = Image.open(io.BytesIO(kept_photo(client, sync_engine)))
    assert kept.format == "JPEG" and getattr(kept, "n_frames", 1) == 1
    red, _green, blue = kept.convert("RGB").getpixel((32, 24))
    assert red > 170 and blue < 60  # the first picture, not the appended one


def test_an_oversized_photo_is_refused_with_a_clear_message(
    settings: Settings, sync_engine: Engine
):
    from server.app import create_app

    small = with_settings(settings, photo_max_bytes=50_000)
    (merchant,) = make_merchants(sync_engine, 1)
    big = jpeg((1600, 1600)) + b"\0" * 60_000
    with TestClient(create_app(small)) as client:
        response = complain(
            client, merchant.qr_token, files={"photo": ("big.jpg", big, "image/jpeg")}
        )
    assert response.status_code == 413
    assert "照片太大：请上传不超过 49 KB 的照片" in response.text
    assert "后厨地面油污严重" in response.text or "投诉" in response.text
    assert complaints(sync_engine) == []


def test_a_photo_with_odd_exif_is_taken_upright_without_it(client: TestClient, sync_engine: Engine):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG", exif=ODD_EXIF)
    (merchant,) = make_merchants(sync_engine, 1)
    response = complain(
        client, merchant.qr_token, files={"photo": ("p.jpg", out.getvalue(), "image/jpeg")}
    )
    assert response.status_code == 200, response.text
    kept = Image.open(io.BytesIO(kept_photo(client, sync_engine)))
    assert kept.size == (48, 64) and not kept.getexif()  # turned as held (orientation 6)


def test_a_small_file_that_decodes_to_a_huge_picture_is_refused_unopened(
    client: TestClient, sync_engine: Engine
):
    # 9400 × 9400: a few kilobytes as a PNG, 88 million pixels (265 MB) once decoded.
    out = io.BytesIO()
    Image.new("1", (9400, 9400)).save(out, "PNG")
    (merchant,) = make_merchants(sync_engine, 1)
    response = complain(
        client, merchant.qr_token, files={"photo": ("bomb.png", out.getvalue(), "image/png")}
    )
    assert response.status_code == 413
    assert "照片像素过多（约 8836 万像素）：请上传不超过 5000 万像素的照片" in response.text
    assert "后厨地面油污严重" in response.text  # what was typed is kept
    assert complaints(sync_engine) == []


def test_a_file_that_is_not_an_image_is_refused_with_a_clear_message(
    client: TestClient, sync_engine: Engine
):
    (merchant,) = make_merchants(sync_engine, 1)
    response = complain(
        client, merchant.qr_token, files={"photo": ("x.jpg", b"%PDF-1.7 not a photo", "image/jpeg")}
    )
    assert response.status_code == 400
    assert "不是可识别的图片" in response.text
    assert "后厨地面油污严重" in response.text  # what was typed is kept
    assert complaints(sync_engine) == []


def test_an_empty_complaint_is_refused(client: TestClient, sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    response = complain(client, merchant.qr_token, text="   ")
    assert response.status_code == 400 and "请填写投诉内容" in response.text


def test_a_nul_in_the_form_is_refused_naming_the_field(client: TestClient, sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    for field in ("text", "contact"):
        sent = {"text": "后厨地面油污严重", "contact": "13900001111"}
        sent[field] = sent[field][:2] + "\x00" + sent[field][2:]
        # As the browser sends the page's form: multipart.
        files = {name: (None, value) for name, value in sent.items()}
        response = client.post(f"/m/{merchant.qr_token}/complaints", files=files)
        assert response.status_code == 400, response.text
        label = {"text": "投诉内容", "contact": "联系方式"}[field]
        assert f"“{label}”中含有无法保存的空字符" in response.text
    assert complaints(sync_engine) == []


def test_a_form_field_that_is_not_utf8_is_a_400(client: TestClient, sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    files = {"text": (None, b"\xed\xa0\x80 \xff"), "contact": (None, b"")}
    response = client.post(f"/m/{merchant.qr_token}/complaints", files=files)
    assert response.status_code == 400 and "UTF-8" in response.json()["detail"]
    assert complaints(sync_engine) == []


def test_the_honeypot_drops_a_bot_silently(client: TestClient, sync_engine: Engine):
    (merchant,) = make_merchants(sync_engine, 1)
    response = complain(client, merchant.qr_token, website="http://spam.example")
    assert response.status_code == 200
    tracking_no(response.text)  # looks like success
    assert complaints(sync_engine) == []


def test_a_flood_from_one_client_gets_429_with_retry_after(settings: Settings, sync_engine: Engine):
    from server.app import create_app

    tight = with_settings(settings, complaint_rate_client=(3, 600))
    (merchant,) = make_merchants(sync_engine, 1)
    with TestClient(create_app(tight)) as client:
        codes = [complain(client, merchant.qr_token).status_code for _ in range(5)]
        refused = complain(client, merchant.qr_token)
    assert codes == [200, 200, 200, 429, 429]
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 600
    assert "提交过于频繁" in refused.text and "这家店铺" not in refused.text
    assert len(complaints(sync_engine)) == 3


def test_a_flood_against_one_merchant_is_limited_whoever_sends_it(
    settings: Settings, sync_engine: Engine
):
    from server.app import create_app

    tight = with_settings(settings, complaint_rate_merchant=(2, 3600))
    target, other = make_merchants(sync_engine, 2)
    with TestClient(create_app(tight)) as client:
        assert complain(client, target.qr_token).status_code == 200
        assert complain(client, target.qr_token).status_code == 200
        refused = complain(client, target.qr_token)
        assert complain(client, other.qr_token).status_code == 200
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    # Not the sender's doing: the page does not say they sent too often.
    assert "提交过于频繁" not in refused.text
    assert "近期已收到较多关于这家店铺的投诉" in refused.text
    assert len(complaints(sync_engine)) == 3


def test_a_visitor_with_a_staff_cookie_can_still_complain(client: TestClient, sync_engine: Engine):
    make_user(sync_engine, "insp", role="inspector")
    login_as(client, "insp")  # the session cookie is sent; no CSRF header is
    (merchant,) = make_merchants(sync_engine, 1)
    assert complain(client, merchant.qr_token).status_code == 200


def test_a_complaint_about_an_unknown_code_is_404(client: TestClient, sync_engine: Engine):
    assert complain(client, "Q" * 32).status_code == 404


def test_a_complaint_found_true_on_site_turns_the_merchant_yellow(
    client: TestClient, sync_engine: Engine
):
    (merchant,) = make_merchants(sync_engine, 1)
    complain(client, merchant.qr_token)
    (stored,) = complaints(sync_engine)
    make_user(sync_engine, "sup", role="supervisor")
    csrf = login_as(client, "sup")
    queue = client.get("/api/v1/complaints?status=received").json()
    assert [c["tracking_no"] for c in queue] == [stored.tracking_no]
    response = client.post(
        f"/api/v1/complaints/{stored.id}/outcome",
        json={"status": "verified", "note": "现场核实：后厨卫生差"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    with Session(sync_engine) as session:
        assert session.get(Merchant, merchant.id).colour == "yellow"
    colour = client.get(f"/api/v1/merchants/{merchant.id}/colour").json()
    assert colour["events"][0]["source_kind"] == "complaint"
    assert "投诉经现场核实属实" in colour["events"][0]["reason"]
    assert colour["events"][0]["actor"] == "sup"


@pytest.mark.parametrize("status", ["approved", ""])
def test_an_unknown_outcome_is_refused(client: TestClient, sync_engine: Engine, status: str):
    (merchant,) = make_merchants(sync_engine, 1)
    complain(client, merchant.qr_token)
    (stored,) = complaints(sync_engine)
    make_user(sync_engine, "sup", role="supervisor")
    csrf = login_as(client, "sup")
    response = client.post(
        f"/api/v1/complaints/{stored.id}/outcome",
        json={"status": status},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 400
