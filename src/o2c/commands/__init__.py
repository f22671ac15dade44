"""Sub-commands of the ``o2c`` command line, one module each (see :mod:`o2c.cli`)."""

__all__: list[str] = []
