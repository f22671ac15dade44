"""mkdocs hooks for the o2c documentation site (``make docs``).

``<!-- o2c-cli-reference -->`` in a page is replaced by the ``--help`` of ``o2c`` and of every
sub-command, taken from the parser itself, so the CLI page can never fall behind the code.
"""

from __future__ import annotations

import argparse
from typing import Any

MARKER = "<!-- o2c-cli-reference -->"


def _helps() -> list[tuple[str, str]]:
    from o2c.cli.main import build_parser

    parser = build_parser()
    out = [("o2c", parser.format_help())]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.append((f"o2c {name}", sub.format_help()))
                for sub_action in sub._actions:
                    if isinstance(sub_action, argparse._SubParsersAction):
                        for verb, leaf in sub_action.choices.items():
                            out.append((f"o2c {name} {verb}", leaf.format_help()))
    return out


def cli_reference() -> str:
    """Markdown: one section per command with its ``--help`` text."""
    parts = []
    for title, text in _helps():
        parts.append(f"### `{title}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def on_page_markdown(markdown: str, **_: Any) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, cli_reference())
    return markdown
