"""A griffe extension for the o2c documentation site: doctest blocks become code blocks.

o2c's docstrings carry examples as plain doctest blocks (``>>>`` lines and their output), which
pytest runs.  Markdown would read ``>>>`` as nested quotes and ``['a', 'b']`` in the output as a
link reference; this extension fences every doctest block as ``pycon`` before the docstring is
rendered, so the examples show as the code they are.
"""

from __future__ import annotations

from typing import Any

import griffe


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
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
