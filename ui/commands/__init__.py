"""CLI commands beyond ingest and serving, one module per package they front.

Each module has ``register(sub, common)`` that adds its sub-commands with
``set_defaults(handler=...)``; a handler takes ``(args, settings)`` and returns an exit code.
"""

from __future__ import annotations

import importlib

_MODULES = ("ui.commands.insights", "ui.commands.content", "ui.commands.consistency",
            "ui.commands.reps", "ui.commands.digest", "ui.commands.search")


def register_all(sub, common) -> None:
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub, common)
