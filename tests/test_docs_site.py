"""The documentation site's build helpers (tools/): doctest fencing and the generated CLI page."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_doctest_blocks_are_fenced_and_fences_left_alone() -> None:
    fence = _load("griffe_doctests").fence_doctests
    text = "Sums.\n\n    >>> [1, 2]\n    [1, 2]\n\n```python\n>>> x\n```\nEnd."
    out = fence(text)
    assert out.splitlines() == [
        "Sums.",
        "",
        "    ```pycon",
        "    >>> [1, 2]",
        "    [1, 2]",
        "    ```",
        "",
        "```python",
        ">>> x",
        "```",
        "End.",
    ]
    assert fence("no examples") == "no examples"


def test_sphinx_roles_become_code() -> None:
    plain = _load("griffe_doctests").plain_roles
    assert plain(":class:`~o2c.money.Rounding` or :meth:`o2c.Ledger.read`") == (
        "`Rounding` or `o2c.Ledger.read`"
    )


def test_cli_page_lists_every_command() -> None:
    hooks = _load("mkdocs_hooks")
    from o2c.cli.main import COMMAND_MODULES

    page = hooks.on_page_markdown(f"# CLI\n\n{hooks.MARKER}\n")
    assert hooks.MARKER not in page
    assert "### `o2c`" in page
    present = [
        name
        for name in COMMAND_MODULES
        if importlib.util.find_spec(f"o2c.cli.commands.{name}") is not None
    ]
    assert present
    for name in [*present, "demo"]:
        assert f"### `o2c {name}`" in page
    assert "### `o2c cash import`" in page


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "docs").glob("*.md")))
def test_every_page_is_in_the_site_navigation(page: str) -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert f" {page}" in nav, f"docs/{page} is not in mkdocs.yml's nav"


def test_the_documentation_url_is_the_built_site_in_this_checkout() -> None:
    """``pip show o2c`` names the site ``make docs`` builds (mkdocs.yml's ``site_dir``)."""
    import importlib.metadata

    urls = dict(
        entry.split(", ", 1) for entry in importlib.metadata.metadata("o2c").get_all("Project-URL")
    )
    site_dir = next(
        line.split(":", 1)[1].strip()
        for line in (ROOT / "mkdocs.yml").read_text().splitlines()
        if line.startswith("site_dir:")
    )
    assert urls["Documentation"] == (ROOT / site_dir / "index.html").as_uri()
