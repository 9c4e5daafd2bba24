"""The files the app renders and serves besides its code: where they are, one rule for all.

`templates/` holds the Jinja2 pages; `pwa/` the inspectors' phone app, with `pwa/vendor/`, the
front-end libraries copied from npm at set-up (`make install`, or the image's build stage: never
committed, always in the built wheel). In the sources they sit at the project's root; the wheel
carries them inside this package (setup.py copies them in at build time). So they are found
beside this module in an installed package (a wheel, the image), else at the root of the checkout
this module belongs to (a checkout, an editable install); never relative to the working folder.
`PWA_DIR` may point the app at another copy of the phone app (a test's, or a release being tried).
"""

from importlib import resources
from pathlib import Path

from server.vendor import VENDOR_FILES

__all__ = ["PWA", "PWA_SHELL", "REQUIRED_TEMPLATES", "TEMPLATES", "missing_files"]


def _folder(name: str) -> Path:
    packaged = resources.files(__name__)
    if not isinstance(packaged, Path):  # e.g. imported from a zip: the files must be on disk
        raise RuntimeError(f"{__name__} must be installed as files on disk, not {packaged!r}")
    if (packaged / name).is_dir():
        return packaged / name
    return packaged.parents[1] / name  # server/web/ -> the checkout's root


TEMPLATES = _folder("templates")
PWA = _folder("pwa")
# The pages without which nobody can work: staff sign in, the public scan page, the frame.
REQUIRED_TEMPLATES = ("base.html", "console/login.html", "public/merchant.html")
# The phone app's shell: what a phone installs and starts offline.
PWA_SHELL = ("index.html", "sw.js", "manifest.webmanifest", "js/app.js", "app.css")


def missing_files(templates: Path = TEMPLATES, pwa: Path = PWA) -> list[str]:
    """What an installation lacks of its pages, its phone app and the front-end libraries both
    load (empty when whole)."""
    wanted = [templates / name for name in REQUIRED_TEMPLATES]
    wanted += [pwa / name for name in PWA_SHELL]
    wanted += [pwa / "vendor" / name for name in sorted(VENDOR_FILES.values())]
    return [str(path) for path in wanted if not path.is_file()]
