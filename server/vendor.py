"""Copy the front-end libraries installed from npm into the served, git-ignored pwa/vendor/."""

import shutil
import sys
from pathlib import Path

__all__ = ["VENDOR_FILES", "copy_vendor"]

# npm package file -> name served under /static/vendor/
VENDOR_FILES = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
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
