"""Benchmark evidence uploads: tus into S3 (SeaweedFS) against a direct minio SDK put.

    python bench/upload/run.py [--size-mib 1024] [--phones 200] [--photo-mib 3]
                               [--db sqlite|postgresql] [--workers 1]

1. One file through `/api/v1/uploads/` (a single streaming PATCH, as tus-js-client sends by
   default, and again in 16 MiB PATCHes with tuspy) against `Minio.fput_object` of the same file to
   the same server. Ratio = anchor time / tus time (goal >= 0.6). The server's resident memory
   is sampled throughout (goal: growth <= 100 MB).
2. N phones each sending a distinct photo at once (a tenth of them sending it twice, as after a
   lost reply): all arrive, none is duplicated; throughput.
3. A server killed with SIGKILL halfway through an upload, started again: the upload resumes
   from what was committed and the stored object hashes right.
"""

import argparse
import asyncio
import hashlib
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx
from minio import Minio
from PIL import Image
from services import ACCESS, SECRET, App, seaweedfs, storage_url
from sqlmodel import Session
from tusclient import client as tus_client

from server.auth.passwords import hash_password
from server.core.db import make_sync_engine
from server.migrate import upgrade
from server.org.models import User
from server.org.service import ensure_district

MiB = 2**20
PASSWORD = "bench-password"
TUS = {"Tus-Resumable": "1.0.0"}
POSTGRES = "postgresql://root@127.0.0.1:5432/test"


def make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        left = size
        while left:
            chunk = os.urandom(min(16 * MiB, left))
            digest.update(chunk)
            out.write(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def database(kind: str, work: Path) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{work / 'bench.db'}"
    else:
        import uuid

        from sqlalchemy import text

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with make_sync_engine(POSTGRES).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    upgrade(url)
    return url


def make_users(url: str, count: int) -> list[str]:
    engine = make_sync_engine(url)
    with Session(engine) as session:
        streets = ensure_district(session)
        hashed = hash_password(PASSWORD)
        names = [f"bench{i:03d}" for i in range(count)]
        session.add_all(
            User(
                username=n,
                name=n,
                password_hash=hashed,
                role="inspector",
                street_id=streets["hubin"].id,
                cert_no=f"BENCH{i:05d}",
            )
            for i, n in enumerate(names)
        )
        session.commit()
    engine.dispose()
    return names


def login(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    r.raise_for_status()
    cookie = "; ".join(f"{k}={v}" for k, v in r.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": r.json()["csrf_token"]}


def tus_headers(auth: dict[str, str], **extra: str) -> dict[str, str]:
    return {**auth, **TUS, **{k.replace("_", "-"): v for k, v in extra.items()}}


def creation(auth: dict[str, str], size: int, **values: str) -> dict[str, str]:
    return tus_headers(auth, Upload_Length=str(size), Upload_Metadata=meta(**values))


def sending(auth: dict[str, str], offset: int, length: int | None = None) -> dict[str, str]:
    extra = {"Content-Length": str(length)} if length is not None else {}
    return tus_headers(
        auth, Upload_Offset=str(offset), Content_Type="application/offset+octet-stream", **extra
    )


def meta(**values: str) -> str:
    import base64

    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


class RssSampler(threading.Thread):
    def __init__(self, app: App) -> None:
        super().__init__(daemon=True)
        self.app, self.peak, self.running = app, app.rss(), True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.app.rss())
            time.sleep(0.05)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak


def tus_single_patch(base: str, auth: dict[str, str], path: Path, sha: str, name: str) -> float:
    size = path.stat().st_size
    started = time.perf_counter()
    headers = creation(auth, size, filename=name, kind="video", sha256=sha)
    created = httpx.post(f"{base}/api/v1/uploads/", headers=headers)
    created.raise_for_status()

    def body():
        with path.open("rb") as f:
            while chunk := f.read(MiB):
                yield chunk

    sent = httpx.patch(
        created.headers["Location"],
        content=body(),
        timeout=600,
        headers={
            **auth,
            **TUS,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(size),
        },
    )
    assert sent.status_code == 204, sent.text
    elapsed = time.perf_counter() - started
    state = httpx.get(created.headers["Location"], headers=auth).json()
    assert state["state"] == "complete" and state["evidence_id"], state
    return elapsed


def tus_chunked(base: str, auth: dict[str, str], path: Path, sha: str, chunk: int) -> float:
    started = time.perf_counter()
    client = tus_client.TusClient(f"{base}/api/v1/uploads/", headers=auth)
    with path.open("rb") as f:
        values = {"filename": "chunked.mp4", "kind": "video", "sha256": sha}
        uploader = client.uploader(file_stream=f, chunk_size=chunk, metadata=values)
        uploader.upload()
    return time.perf_counter() - started


def big_file(
    base: str, app: App, endpoint: str, bucket: str, auth, size_mib: int, work: Path
) -> dict:
    path = work / "clip.mp4"
    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    sha = make_file(path, size_mib * MiB)
    with path.open("r+b") as f:  # an MP4 head, so the type is sniffed as video
        f.write(head)
    sha = hashlib.sha256(path.read_bytes()).hexdigest() if size_mib <= 64 else _rehash(path)
    minio = Minio(endpoint, ACCESS, SECRET, secure=False)
    times = {"minio": [], "tus": [], "tus_chunked": []}
    growth = []
    for attempt in range(2):
        t0 = time.perf_counter()
        minio.fput_object(bucket, f"anchor/{attempt}", str(path))
        times["minio"].append(time.perf_counter() - t0)
        minio.remove_object(bucket, f"anchor/{attempt}")
        before = app.rss()
        sampler = RssSampler(app)
        sampler.start()
        # Distinct files per attempt: the same file twice from one user is one evidence.
        with path.open("r+b") as f:
            f.seek(100)
            f.write(os.urandom(16))
        sha = _rehash(path)
        times["tus"].append(tus_single_patch(base, auth, path, sha, f"big{attempt}.mp4"))
        growth.append(sampler.stop() - before)
        with path.open("r+b") as f:
            f.seek(100)
            f.write(os.urandom(16))
        sha = _rehash(path)
        times["tus_chunked"].append(tus_chunked(base, auth, path, sha, 16 * MiB))
    best = {k: min(v) for k, v in times.items()}
    path.unlink()
    return {
        "size_mib": size_mib,
        "minio_s": best["minio"],
        "tus_s": best["tus"],
        "tus_chunked_s": best["tus_chunked"],
        "ratio": best["minio"] / best["tus"],
        "ratio_chunked": best["minio"] / best["tus_chunked"],
        "rss_growth_mb": max(growth) / 1e6,
    }


def _rehash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(16 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def photos(count: int, size_mib: float) -> list[bytes]:
    side = int((size_mib * MiB / 1.18) ** 0.5)  # noise JPEG at q95: about 1.18 B per pixel
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    base = out.getvalue()
    # Distinct files (decoders ignore bytes after the end-of-image marker).
    return [base + f"phone-{i}".encode() for i in range(count)]


async def burst(base: str, sessions: list[dict[str, str]], files: list[bytes]) -> dict:
    latencies: list[float] = []
    repeats = len(files) // 10

    async def phone(http: httpx.AsyncClient, auth: dict[str, str], data: bytes) -> str:
        t0 = time.perf_counter()
        sha = hashlib.sha256(data).hexdigest()
        headers = creation(auth, len(data), filename="photo.jpg", kind="photo", sha256=sha)
        created = await http.post("/api/v1/uploads/", headers=headers)
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        if int(created.headers.get("Upload-Offset", "0")) < len(data):
            sent = await http.patch(location, content=data, headers=sending(auth, 0))
            assert sent.status_code == 204, sent.text
        state = (await http.get(location, headers=auth)).json()
        latencies.append(time.perf_counter() - t0)
        return state["evidence_id"]

    limits = httpx.Limits(max_connections=len(files) + repeats)
    async with httpx.AsyncClient(base_url=base, timeout=300, limits=limits) as http:
        t0 = time.perf_counter()
        jobs = [phone(http, sessions[i], data) for i, data in enumerate(files)]
        jobs += [phone(http, sessions[i], files[i]) for i in range(repeats)]  # a re-send each
        ids = await asyncio.gather(*jobs)
        wall = time.perf_counter() - t0
    first, again = ids[: len(files)], ids[len(files) :]
    assert all(ids), "some photo did not become evidence"
    assert len(set(first)) == len(files), "a photo became two evidence records"
    assert again == first[:repeats], "a re-sent photo became a second evidence"
    total = sum(len(f) for f in files) + sum(len(f) for f in files[:repeats])
    return {
        "phones": len(files),
        "resent": repeats,
        "wall_s": wall,
        "photos_per_s": (len(files) + repeats) / wall,
        "mb_per_s": total / wall / 1e6,
        "p50_s": statistics.median(latencies),
        "p95_s": statistics.quantiles(latencies, n=20)[18],
        "evidence": len(set(first)),
    }


def kill_and_resume(app: App, endpoint: str, bucket: str, size_mib: int, work: Path) -> dict:
    path = work / "resume.mp4"
    make_file(path, size_mib * MiB)
    with path.open("r+b") as f:
        f.write(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
    sha = _rehash(path)
    auth = login(app.url, "bench000")
    headers = creation(auth, size_mib * MiB, filename="r.mp4", kind="video", sha256=sha)
    created = httpx.post(f"{app.url}/api/v1/uploads/", headers=headers)
    location = created.headers["Location"]

    def half():
        with path.open("rb") as f:
            for _ in range(size_mib // 2):
                yield f.read(MiB)
        app.kill()
        yield b"x"

    with suppress(httpx.HTTPError):  # the server dies under it
        httpx.patch(location, content=half(), timeout=120, headers=sending(auth, 0))
    app.start()
    auth = {**auth}
    t0 = time.perf_counter()
    offset = int(httpx.head(location, headers={**auth, **TUS}).headers["Upload-Offset"])
    client = tus_client.TusClient(f"{app.url}/api/v1/uploads/", headers=auth)
    with path.open("rb") as f:
        client.uploader(file_stream=f, url=location, chunk_size=32 * MiB).upload()
    resumed = time.perf_counter() - t0
    state = httpx.get(location, headers=auth).json()
    minio = Minio(endpoint, ACCESS, SECRET, secure=False)
    digest = hashlib.sha256()
    response = minio.get_object(bucket, f"evidence/video/{state['id']}")
    for chunk in response.stream(MiB):
        digest.update(chunk)
    response.close()
    path.unlink()
    return {
        "size_mib": size_mib,
        "committed_at_restart_mib": offset / MiB,
        "resume_s": resumed,
        "state": state["state"],
        "stored_sha256_ok": digest.hexdigest() == sha,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--photo-mib", type=float, default=3.0)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    with seaweedfs() as endpoint:
        bucket = "bench-evidence"
        db = database(args.db, work)
        names = make_users(db, min(args.phones, 50))
        env = {
            "DATABASE_URL": db,
            "STORAGE_URL": storage_url(endpoint, bucket),
            "SECRET_KEY": "bench-secret-" * 4,
            "ONEVISIT_VAR_DIR": str(work / "var"),
        }
        app = App(env, args.workers).start()
        try:
            auth = login(app.url, names[0])
            print(f"# {args.db}, {args.workers} worker(s), SeaweedFS at {endpoint}", flush=True)
            big = big_file(app.url, app, endpoint, bucket, auth, args.size_mib, work)
            print(
                f"big file       {big['size_mib']} MiB: minio put {big['minio_s']:.2f} s, "
                f"tus single PATCH {big['tus_s']:.2f} s (ratio {big['ratio']:.2f}), "
                f"tus 16 MiB PATCHes {big['tus_chunked_s']:.2f} s "
                f"(ratio {big['ratio_chunked']:.2f}); "
                f"server RSS growth {big['rss_growth_mb']:.0f} MB",
                flush=True,
            )
            sessions = [login(app.url, names[i % len(names)]) for i in range(args.phones)]
            files = photos(args.phones, args.photo_mib)
            result = asyncio.run(burst(app.url, sessions, files))
            print(
                f"photo burst    {result['phones']} phones x {len(files[0]) / MiB:.1f} MiB "
                f"(+{result['resent']} re-sent): {result['wall_s']:.2f} s, "
                f"{result['photos_per_s']:.1f} photos/s, {result['mb_per_s']:.1f} MB/s, "
                f"p50 {result['p50_s']:.2f} s, p95 {result['p95_s']:.2f} s; "
                f"{result['evidence']} evidence, none duplicated",
                flush=True,
            )
            resume = kill_and_resume(app, endpoint, bucket, min(256, args.size_mib), work)
            verdict = "matches" if resume["stored_sha256_ok"] else "DIFFERS"
            print(
                f"kill -9        {resume['size_mib']} MiB, killed at half: "
                f"{resume['committed_at_restart_mib']:.0f} MiB committed, resumed in "
                f"{resume['resume_s']:.2f} s, state {resume['state']}, stored sha256 {verdict}",
                flush=True,
            )
        finally:
            app.stop()


if __name__ == "__main__":
    main()
