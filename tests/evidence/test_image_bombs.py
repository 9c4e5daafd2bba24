"""Pictures that are small files but huge images: refused by the size their header declares,
with the reason; and thumbnails, however many are asked for at once, never exhaust memory."""

import io
import threading
import time
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient
from PIL import Image

from tests.evidence import tus
from tests.evidence.conftest import People
from tests.evidence.live import LiveServer
from tests.support.app import login_as


def flat_png(size: tuple[int, int], mode: str = "1", colour: object = 0) -> bytes:
    """A PNG of one colour: a few kilobytes on the wire, every pixel held once decoded."""
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "size", "says"),
    [
        ("photo", (13_000, 13_000), "图片像素过多（约 16900 万像素），照片最多 5000 万像素"),
        ("signature", (2_600, 2_000), "图片像素过多（约 520 万像素），签名最多 400 万像素"),
    ],
)
def test_a_picture_over_its_kinds_pixel_ceiling_is_refused_with_the_reason(
    officer_client, kind: str, size: tuple[int, int], says: str
) -> None:
    client, csrf = officer_client
    data = flat_png(size)
    assert len(data) < 100_000  # a small file: only its header tells what it holds
    response, path = tus.upload_whole(client, csrf, data, kind=kind, filename="x.png")

    assert response.status_code == 413, response.text
    assert says in response.json()["detail"]
    upload = client.get(path).json()
    assert upload["state"] == "rejected" and upload["evidence_id"] is None


def test_a_phone_photo_just_under_50_million_pixels_is_taken(officer_client) -> None:
    client, csrf = officer_client
    response, path = tus.upload_whole(client, csrf, flat_png((7_000, 7_000)), filename="p.png")
    assert response.status_code == 204, response.text
    assert client.get(path).json()["evidence_id"]


def test_an_oversized_picture_kept_earlier_gets_no_thumbnail_but_stays_whole(
    client: TestClient, people: People
) -> None:
    # A scanned document is not measured when it arrives (it may be any size); its preview is.
    scan = flat_png((13_000, 13_000))
    csrf = login_as(client, people.officer.username)
    response, path = tus.upload_whole(client, csrf, scan, kind="document", filename="scan.png")
    assert response.status_code == 204, response.text
    evidence_id = client.get(path).json()["evidence_id"]

    for variant in ("thumbnail", "display"):
        refused = client.get(f"/api/v1/evidence/{evidence_id}/{variant}.jpg")
        assert refused.status_code == 422
        assert "像素过多（约 16900 万像素" in refused.json()["detail"]
        assert "请下载原件查看" in refused.json()["detail"]
    link = client.get(f"/api/v1/evidence/{evidence_id}/link").json()["url"]
    assert httpx.get(link, timeout=10).content == scan  # the original is all there


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_thumbnails_asked_for_all_at_once_do_not_exhaust_memory(
    database_url: str, s3_bucket_url: str, people: People, tmp_path: Path
) -> None:
    # Six different 36-million-pixel photos, each about 120 KB, each 108 MB once decoded.
    photos = [flat_png((6_000, 6_000), "RGB", (40 * n, 90, 160)) for n in range(6)]
    server = LiveServer(database_url, s3_bucket_url, tmp_path).start()
    try:
        with httpx.Client(base_url=server.url, timeout=120) as phone:
            csrf = login_as(phone, people.officer.username)
            ids = []
            for n, photo in enumerate(photos):
                response, path = tus.upload_whole(phone, csrf, photo, filename=f"{n}.png")
                assert response.status_code == 204, response.text
                ids.append(phone.get(path).json()["evidence_id"])
            pid = server.process.pid
            time.sleep(0.5)
            settled = _rss_mb(pid)
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # the peak starts again from here
            statuses: list[int] = []

            def look(evidence_id: str) -> None:
                got = phone.get(f"/api/v1/evidence/{evidence_id}/thumbnail.jpg")
                statuses.append(got.status_code)

            threads = [threading.Thread(target=look, args=(i,)) for i in ids]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            peak = _peak_rss_mb(pid)
    finally:
        server.stop()

    assert statuses == [200] * len(ids)  # every thumbnail is made, in turn
    # Two decodes at a time hold about 2 × 108 MB; six at once held well over a gigabyte.
    assert peak - settled < 600, f"peak {peak:.0f} MB after settling at {settled:.0f} MB"


def test_pictures_are_decoded_in_the_cpu_pool_behind_other_requests(
    officer_client, monkeypatch
) -> None:
    """Checking an arriving photo and drawing its thumbnail run in the CPU pool, whose threads
    the scheduler serves after the event loop (server.core.cpu): a burst of photos cannot slow
    other requests the way the general worker threads could."""
    from server.evidence import derived
    from server.evidence.tus import checks

    threads: dict[str, str] = {}

    def noted(name: str, func):
        def run(*args, **kwargs):
            threads[name] = threading.current_thread().name
            return func(*args, **kwargs)

        return run

    monkeypatch.setattr(checks, "decodes", noted("check", checks.decodes))
    monkeypatch.setattr(derived, "thumbnail", noted("thumbnail", derived.thumbnail))
    client, csrf = officer_client
    response, path = tus.upload_whole(client, csrf, tus.jpeg(), filename="shop.jpg")
    assert response.status_code == 204, response.text
    evidence_id = client.get(path).json()["evidence_id"]
    thumb = client.get(f"/api/v1/evidence/{evidence_id}/thumbnail.jpg")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert threads["check"].startswith("onevisit-cpu"), threads
    assert threads["thumbnail"].startswith("onevisit-cpu"), threads
