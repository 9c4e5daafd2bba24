"""The phone app is served at /app/: installable, and its worker names the shell it caches."""

import re


def test_the_app_shell_is_installable_and_its_worker_is_stamped(client):
    page = client.get("/app/")
    assert page.status_code == 200 and 'rel="manifest"' in page.text
    manifest = client.get("/app/manifest.webmanifest").json()
    assert manifest["start_url"] == "/app/" and manifest["display"] == "standalone"
    assert manifest["icons"]
    for icon in manifest["icons"]:
        assert client.get(f"/app/{icon['src']}").headers["content-type"] == "image/png"
    worker = client.get("/app/sw.js")
    assert worker.headers["cache-control"] == "no-cache"
    stamp = re.search(r'const SHELL = "([0-9a-f]{16})";', worker.text)
    assert stamp, "the worker carries a hash of the shell, so a release replaces the cache"
