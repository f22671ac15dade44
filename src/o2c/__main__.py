"""``python -m o2c`` runs the command-line interface."""

from o2c.cli import main

raise SystemExit(main())
