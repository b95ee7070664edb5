"""The ``argus`` command line. ``main`` parses arguments; each sub-command lives in its module."""

from argus.platform.cli.main import main

__all__ = ["main"]
