"""Only what pyproject.toml cannot say statically: the package's documentation URL.

The documentation is the site ``make docs`` builds into ``site/`` of this repository (mkdocs'
default ``site_dir``), so the URL is that directory's ``index.html`` in the checkout the package is
installed from.  Built outside a checkout (from an sdist in a temporary directory) the URL would
name a directory that is gone, so it is left out rather than recorded wrong.  Everything else is in
pyproject.toml.
"""

from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
URLS = (
    {"Documentation": (ROOT / "site" / "index.html").as_uri()} if (ROOT / ".git").exists() else {}
)

setup(project_urls=URLS)
