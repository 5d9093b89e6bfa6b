"""Errors reach the user as clear ``gr.Error`` messages, never as tracebacks."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from ingest.errors import CallmineError

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def shows_errors(fn: F) -> F:
    """Wrap an event handler: callmine errors become ``gr.Error`` with their message.

    Anything unexpected is logged with its traceback on the server and shown as a short
    message. The wrapper keeps ``fn``'s signature, so ``gr.Progress`` defaults still work.
    """
    import gradio as gr

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except CallmineError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except Exception as exc:
            log.exception("unexpected error in %s", fn.__name__)
            raise gr.Error(
                f"Something went wrong ({type(exc).__name__}: {exc}). The details are in the "
                "server log.", print_exception=False,
            ) from None

    return wrapper  # type: ignore[return-value]


def require(condition: object, message: str) -> None:
    """Raise a ``gr.Error`` with ``message`` unless ``condition`` holds (input checks)."""
    import gradio as gr

    if not condition:
        raise gr.Error(message, print_exception=False)
