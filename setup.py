"""The wheel carries the top-level `templates/` and `pwa/` (the pages and the phone app, with
`pwa/vendor/`, the front-end libraries `python3 -m server.vendor` copies in from npm) inside the
package, as `server/web/templates/` and `server/web/pwa/`: an installed OneVisit needs nothing
beside its site-packages. `server/web/__init__.py` finds them there, or in a checkout at the
project's root. Everything else about the build is in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
RUNTIME_FOLDERS = ("templates", "pwa")


class BuildPyWithWeb(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout
            return
        for name in RUNTIME_FOLDERS:
            source = ROOT / name
            if not source.is_dir():
                raise SystemExit(f"{name}/ is missing: the wheel would serve no {name}")
            self.copy_tree(str(source), str(Path(self.build_lib) / "server" / "web" / name))


setup(cmdclass={"build_py": BuildPyWithWeb})
