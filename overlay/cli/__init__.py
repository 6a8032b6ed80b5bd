"""The command line, one module per command group; ``main`` assembles them (docs/ARCHITECTURE.md)."""

from overlay.cli.main import app, main

__all__ = ["app", "main"]
