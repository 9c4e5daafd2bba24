"""Copy the front-end libraries installed from npm into the served, git-ignored vendor folder of
the phone app (pwa/vendor/, packed into the wheel with the rest of pwa/ by setup.py)."""

import shutil
import sys
from pathlib import Path

__all__ = ["VENDOR_FILES", "copy_vendor"]

# npm package file -> name served under /static/vendor/
VENDOR_FILES = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    "leaflet/dist/leaflet.js": "leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet.css",
    "sortablejs/Sortable.min.js": "Sortable.min.js",
    # the inspector PWA
    "tus-js-client/dist/tus.min.js": "tus.min.js",
    "signature_pad/dist/signature_pad.umd.min.js": "signature_pad.umd.min.js",
    "idb/build/umd.js": "idb.umd.js",
    "hash-wasm/dist/sha256.umd.min.js": "sha256.umd.min.js",
    "qr-scanner/qr-scanner.umd.min.js": "qr-scanner.umd.min.js",
    "qr-scanner/qr-scanner-worker.min.js": "qr-scanner-worker.min.js",
    "workbox-sw/build/workbox-sw.js": "workbox-sw.js",
    "workbox-core/build/workbox-core.prod.js": "workbox-core.prod.js",
    "workbox-routing/build/workbox-routing.prod.js": "workbox-routing.prod.js",
    "workbox-strategies/build/workbox-strategies.prod.js": "workbox-strategies.prod.js",
    "workbox-precaching/build/workbox-precaching.prod.js": "workbox-precaching.prod.js",
}


def copy_vendor(node_modules: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for source, name in VENDOR_FILES.items():
        path = node_modules / source
        if not path.is_file():
            raise SystemExit(f"missing {path}: run `npm install` first")
        shutil.copyfile(path, target / name)


if __name__ == "__main__":
    copy_vendor(Path(sys.argv[1]), Path(sys.argv[2]))
