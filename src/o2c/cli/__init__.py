"""The ``o2c`` command line: ``o2c demo`` and the area commands (:mod:`o2c.cli.commands`).

Besides the adapters, this is the only part of o2c that reads files, clocks and the environment.
:mod:`o2c.cli.main` holds the parser and the one error boundary; :mod:`o2c.cli.demos` the
end-to-end demo, one section per area.
"""

from __future__ import annotations

from o2c.cli.main import COMMAND_MODULES, EXIT_INPUT, EXIT_RUNTIME, build_parser, main, version

__all__ = ["COMMAND_MODULES", "EXIT_INPUT", "EXIT_RUNTIME", "build_parser", "main", "version"]
