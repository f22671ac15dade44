"""A griffe extension for the o2c documentation site: doctest blocks become code blocks.

Sphinx roles (``:class:`X```) in the docstrings become inline code too.

o2c's docstrings carry examples as plain doctest blocks (``>>>`` lines and their output), which
pytest runs.  Markdown would read ``>>>`` as nested quotes and ``['a', 'b']`` in the output as a
link reference; this extension fences every doctest block as ``pycon`` before the docstring is
rendered, so the examples show as the code they are.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

#: A Sphinx role (``:class:`~o2c.money.Rounding```) — shown as code, the way Sphinx prints it.
_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj|const):`(~?)([^`]+)`")


def plain_roles(text: str) -> str:
    """Sphinx cross-reference roles as inline code (``~`` keeps only the last name).

    >>> plain_roles("see :class:`~o2c.money.Rounding` and :func:`o2c.money.money`")
    'see `Rounding` and `o2c.money.money`'
    """

    def code(match: re.Match[str]) -> str:
        target = match.group(2)
        return f"`{target.rsplit('.', 1)[-1] if match.group(1) else target}`"

    return _ROLE.sub(code, text)


def fence_doctests(text: str) -> str:
    """``text`` with each run of doctest lines (a ``>>>`` line up to a blank line) fenced.

    >>> print(fence_doctests("Adds.\\n\\n>>> 1 + 1\\n2\\n\\nDone."))
    Adds.
    <BLANKLINE>
    ```pycon
    >>> 1 + 1
    2
    ```
    <BLANKLINE>
    Done.
    """
    out: list[str] = []
    block: list[str] = []
    indent = ""
    in_fence = False

    def close() -> None:
        if block:
            out.append(f"{indent}```pycon")
            out.extend(block)
            out.append(f"{indent}```")
            block.clear()

    for line in text.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith("```"):
            close()
            in_fence = not in_fence
            out.append(line)
            continue
        if in_fence:
            out.append(line)
            continue
        if block:
            if stripped:
                block.append(line)
                continue
            close()
            out.append(line)
            continue
        if stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            block.append(line)
            continue
        out.append(line)
    close()
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fences the doctest blocks of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is None:
            return
        text = obj.docstring.value
        if ">>>" in text:
            text = fence_doctests(text)
        if ":`" in text:
            text = plain_roles(text)
        obj.docstring.value = text
