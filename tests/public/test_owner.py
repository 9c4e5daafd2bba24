"""The owner link: a merchant sees its full records, sends rectification photos, asks for a
re-rating visit; a wrong, revoked or expired link gets the same 404 as a bad code."""

import io
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import Engine, select
from sqlmodel import Session

from server.colour.models import ReratingRequest
from server.colour.recompute import recompute_all
from server.inspections.models import InspectionOfficer
from server.merchants.models import Merchant, OwnerLink
from server.policy.rules import DEFAULT_POLICY, add_months
from server.rectifications.models import RectificationPhoto
from server.storage import storage_from_url
from tests.support.app import login_as
from tests.support.clock import TODAY
from tests.support.factories import make_merchants, make_user
from tests.support.records import add_inspection, add_order, add_override, make_catalogue


@pytest.fixture
def owned(client: TestClient, sync_engine: Engine):
    """A yellow merchant with an open order, and its owner link issued by a supervisor."""
    catalogue = make_catalogue(sync_engine)
    (merchant,) = make_merchants(sync_engine, 1, name_prefix="春风理发")
    officer = make_user(sync_engine, "insp", role="inspector")
    day = TODAY - timedelta(days=3)
    visit = add_inspection(
        sync_engine,
        catalogue,
        merchant.id,
        day,
        {"hygiene": False},
        published=False,
        summary="尚未公开的结论",
    )
    with Session(sync_engine) as session:
        session.add(InspectionOfficer(inspection_id=visit, user_id=officer.id))
        session.commit()
    order = add_order(
        sync_engine,
        merchant.id,
        day,
        day + timedelta(days=10),
        inspection_id=visit,
        requirement="更换破损的消毒柜",
    )
    with sync_engine.begin() as conn:
        recompute_all(conn, DEFAULT_POLICY)
    make_user(sync_engine, "sup", role="supervisor")
    csrf = login_as(client, "sup")
    issued = client.post(
        f"/api/v1/merchants/{merchant.id}/owner-link", headers={"X-CSRF-Token": csrf}
    )
    assert issued.status_code == 201, issued.text
    client.cookies.clear()  # the merchant has no staff session
    url = issued.json()["url"]
    return merchant, order, officer, url.removeprefix("http://testserver.local")


def test_the_owner_sees_every_record_including_unpublished_ones(client: TestClient, owned):
    _merchant, _order, officer, path = owned
    page = client.get(path)
    assert page.status_code == 200
    html = page.text
    assert "春风理发0000" in html and "黄码" in html
    assert "尚未公开的结论" in html and "（尚未公开）" in html
    assert "测试检查项 hygiene" in html and "不合格" in html
    assert officer.name in html and officer.cert_no in html
    assert "更换破损的消毒柜" in html
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_notes_the_public_page_leaves_out_are_on_the_owner_page(
    client: TestClient, sync_engine: Engine, owned
):
    merchant, _order, _officer, path = owned
    catalogue = make_catalogue(sync_engine)
    day = TODAY - timedelta(days=2)
    visit = add_inspection(sync_engine, catalogue, merchant.id, day, {"records": False})
    add_order(
        sync_engine,
        merchant.id,
        day,
        day + timedelta(days=7),
        inspection_id=visit,
        requirement="测试检查项 records：进货台账缺三月份",
    )
    until = TODAY + timedelta(days=20)
    add_override(sync_engine, merchant.id, "red", TODAY, until, reason="督查组内部意见：待复核")
    with sync_engine.begin() as conn:
        recompute_all(conn, DEFAULT_POLICY)

    public = client.get(f"/m/{merchant.qr_token}").text
    assert "红码" in public and f"有效期至 {until.isoformat()}" in public
    assert "测试检查项 records" in public
    assert "督查组内部意见" not in public and "进货台账缺三月份" not in public

    owner = client.get(path).text
    assert f"人工调整：督查组内部意见：待复核（有效期至 {until.isoformat()}）" in owner
    assert "测试检查项 records：进货台账缺三月份" in owner


def test_only_a_hash_of_the_owner_secret_is_stored(sync_engine: Engine, owned):
    _merchant, _order, _officer, path = owned
    secret = path.rsplit("/", 1)[1]
    with Session(sync_engine) as session:
        link = session.exec(select(OwnerLink)).scalars().one()
    assert secret not in link.secret_hash and len(link.secret_hash) == 64


def test_the_owner_sends_a_rectification_photo(client: TestClient, sync_engine: Engine, owned):
    _merchant, order, _officer, path = owned
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    response = client.post(
        f"{path}/orders/{order}/photos",
        files={"photo": ("fixed.png", buffer.getvalue(), "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    after = client.get(response.headers["location"])
    assert "整改照片已上传" in after.text and "已上传照片 1 张" in after.text
    with Session(sync_engine) as session:
        photo = session.exec(select(RectificationPhoto)).scalars().one()
    assert photo.order_id == order and photo.content_type == "image/png"
    bad = client.post(
        f"{path}/orders/{order}/photos", files={"photo": ("x.png", b"nope", "image/png")}
    )
    assert bad.status_code == 400 and "不是可识别的图片" in bad.text


def test_a_multi_picture_jpeg_from_the_owners_phone_is_kept_as_its_first_picture(
    client: TestClient, sync_engine: Engine, owned, settings
):
    _merchant, order, _officer, path = owned
    first, second = Image.new("RGB", (40, 30), "white"), Image.new("RGB", (40, 30), "black")
    exif = Image.Exif()
    exif[0x0132] = "2030:03:04 10:15:00"  # when the put-right state was photographed
    buffer = io.BytesIO()
    first.save(buffer, format="MPO", save_all=True, append_images=[second], exif=exif)
    response = client.post(
        f"{path}/orders/{order}/photos",
        files={"photo": ("fixed.jpg", buffer.getvalue(), "image/jpeg")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    with Session(sync_engine) as session:
        photo = session.exec(select(RectificationPhoto)).scalars().one()
    assert photo.content_type == "image/jpeg"
    with storage_from_url(settings.storage_url).open(photo.storage_key) as reader:
        kept = Image.open(io.BytesIO(b"".join(reader)))
    assert kept.format == "JPEG" and getattr(kept, "n_frames", 1) == 1
    assert kept.convert("L").getpixel((20, 15)) > 200  # the first (white) picture
    assert kept.getexif()[0x0132] == "2030:03:04 10:15:00"  # the owner's photo keeps its EXIF


def test_the_owner_asks_for_a_rerating_visit_within_three_months(
    client: TestClient, sync_engine: Engine, owned
):
    merchant, _order, _officer, path = owned
    response = client.post(
        f"{path}/rerating", data={"reason": "已全部整改"}, follow_redirects=False
    )
    assert response.status_code == 303
    with Session(sync_engine) as session:
        request = session.exec(select(ReratingRequest)).scalars().one()
        due = session.get(Merchant, merchant.id).next_due
    assert (request.status, request.via, request.requested_on) == ("pending", "owner", TODAY)
    assert due <= add_months(TODAY, DEFAULT_POLICY.rerating_within_months)
    again = client.post(f"{path}/rerating", data={"reason": "再次申请"}, follow_redirects=False)
    assert again.status_code == 303
    with Session(sync_engine) as session:
        assert len(session.exec(select(ReratingRequest)).all()) == 1
    assert "已申请复评检查" in client.get(path).text


def test_wrong_and_revoked_owner_links_get_the_404_page(client: TestClient, sync_engine, owned):
    merchant, _order, _officer, path = owned
    assert client.get("/m/o/" + "x" * 43).status_code == 404
    make_user(sync_engine, "sup2", role="supervisor")
    csrf = login_as(client, "sup2")
    revoked = client.delete(
        f"/api/v1/merchants/{merchant.id}/owner-links", headers={"X-CSRF-Token": csrf}
    )
    assert revoked.status_code == 204
    client.cookies.clear()
    page = client.get(path)
    assert page.status_code == 404 and "二维码无效" in page.text
    assert client.post(f"{path}/rerating", data={}).status_code == 404
