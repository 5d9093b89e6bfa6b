"""Errors reach the user as clear ``gr.Error`` messages, never as tracebacks."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from ingest.errors import CallmineError

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def user_error(message: str):
    """A ``gr.Error`` showing ``message`` as text: the toast renders HTML, and messages quote
    file names and file contents (a link or an image there must not come alive)."""
    import gradio as gr

    return gr.Error(html.escape(message, quote=False), print_exception=False)


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
            raise user_error(str(exc)) from None
        except Exception as exc:
            log.exception("unexpected error in %s", fn.__name__)
            raise user_error(
                f"Something went wrong ({type(exc).__name__}: {exc}). The details are in the "
                "server log.") from None

    return wrapper  # type: ignore[return-value]


def require(condition: object, message: str) -> None:
    """Raise a ``gr.Error`` with ``message`` unless ``condition`` holds (input checks)."""
    if not condition:
        raise user_error(message)
