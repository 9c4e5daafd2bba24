"""Every file the documentation and the code's docstrings cite exists: a path written as
`server/….py` or `docs/….md` in docs/*.md, README.md or a docstring of server/, and every
page a doc links to."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITED = re.compile(r"\b(?:server|docs)/[\w/.-]*\w\.(?:py|md)\b")
LINKED = re.compile(r"\]\(([\w.-]+\.md)(?:#[\w-]*)?\)")


def _docstrings(path: Path) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree, *ast.walk(tree)]
    return "\n".join(
        ast.get_docstring(node) or ""
        for node in nodes
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    )


def _texts() -> dict[str, str]:
    texts = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in _pages()}
    for path in sorted((ROOT / "server").rglob("*.py")):
        texts[path.relative_to(ROOT).as_posix()] = _docstrings(path)
    return texts


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_cited_file_exists():
    missing = sorted(
        f"{source}: {cited}"
        for source, text in _texts().items()
        for cited in set(CITED.findall(text))
        if not (ROOT / cited).exists()
    )
    assert not missing, "cited but not there:\n" + "\n".join(missing)


def test_every_linked_page_exists():
    missing = sorted(
        f"{page.relative_to(ROOT)}: {linked}"
        for page in _pages()
        for linked in set(LINKED.findall(page.read_text(encoding="utf-8")))
        if not (page.parent / linked).exists()
    )
    assert not missing, "linked but not there:\n" + "\n".join(missing)


def test_the_checks_find_a_citation():
    assert CITED.findall("see server/core/clock.py and docs/time.md.") == [
        "server/core/clock.py",
        "docs/time.md",
    ]
    assert LINKED.findall("[time](time.md#one-clock)") == ["time.md"]
