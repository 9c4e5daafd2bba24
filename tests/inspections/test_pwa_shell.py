"""The phone app at /app/: installable; its worker lists every file it needs offline."""

import json
import re
import shutil
from pathlib import Path

from server.pwa import precache_manifest
from server.web import PWA


def _worker_manifest(text: str) -> dict[str, str]:
    found = re.search(r"precacheAndRoute\((\[.*?\])\s*,", text, re.S)
    assert found, "the worker carries its precache list"
    return {entry["url"]: entry["revision"] for entry in json.loads(found.group(1))}


def test_the_app_shell_is_installable_and_its_worker_lists_the_shell(client):
    page = client.get("/app/")
    assert page.status_code == 200 and 'rel="manifest"' in page.text
    manifest = client.get("/app/manifest.webmanifest").json()
    assert manifest["start_url"] == "/app/" and manifest["display"] == "standalone"
    assert manifest["icons"]
    for icon in manifest["icons"]:
        assert client.get(f"/app/{icon['src']}").headers["content-type"] == "image/png"
    worker = client.get("/app/sw.js")
    assert worker.headers["cache-control"] == "no-cache"
    listed = _worker_manifest(worker.text)
    for url in listed:
        assert client.get(url).status_code == 200, url
    for icon in manifest["icons"]:
        assert f"/app/{icon['src']}" in listed


def test_every_module_and_library_the_app_loads_is_precached():
    """A file missing from the list is a blank screen the first time the phone is offline."""
    listed = {entry["url"] for entry in precache_manifest()}
    sources = [PWA / "index.html", *sorted((PWA / "js").glob("*.js"))]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for module in re.findall(r'from "\./([\w.-]+\.js)"', text):
            assert f"/app/js/{module}" in listed, f"{source.name} imports {module}"
        for library in re.findall(r'"(/static/vendor/[\w.-]+)"', text):
            assert library in listed, f"{source.name} loads {library}"
    for module in re.findall(r'src="(js/[\w.-]+\.js)"', (PWA / "index.html").read_text()):
        assert f"/app/{module}" in listed


def test_a_changed_file_changes_only_its_own_revision(tmp_path: Path):
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    before = {e["url"]: e["revision"] for e in precache_manifest(copy)}
    (copy / "js" / "record.js").write_text("// a new release\n", encoding="utf-8")
    after = {e["url"]: e["revision"] for e in precache_manifest(copy)}
    changed = {url for url in before if before[url] != after[url]}
    assert changed == {"/app/js/record.js"}
