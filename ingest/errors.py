"""Exceptions raised by callmine.

The library raises these; the CLI turns them into a one-line message and an exit code
(``exit_code``), the UI into ``gr.Error``. Messages say what was wrong, what was received and
how to fix it.
"""

from __future__ import annotations


class CallmineError(Exception):
    """Base class of every error callmine raises on purpose."""

    exit_code = 1


class InputError(CallmineError):
    """Bad input from the user: a file, an argument, a manifest, a setting."""

    exit_code = 2


class UnsupportedFileError(InputError):
    """A file whose kind callmine does not read."""


class CorruptFileError(InputError):
    """A file of a known kind that cannot be read: truncated, encrypted, empty, wrong encoding."""


class ManifestError(InputError):
    """A calls.csv or content.csv manifest with a missing column or a bad value."""


class MessagingError(InputError):
    """A messaging.yaml that does not match the expected schema."""


class ModelError(CallmineError):
    """A model that cannot be found or loaded from the configured path."""


class WorkspaceError(CallmineError):
    """The workspace is missing something a command needs (e.g. nothing ingested yet)."""

    exit_code = 2


class DiskFullError(CallmineError):
    """The disk holding the workspace is full: the work stopped, what was stored stays."""

    exit_code = 2


_FULL = ("database or disk is full", "disk is full", "no space left on device", "os error 28",
         "disk quota exceeded")


def is_disk_full(exc: BaseException) -> bool:
    """An error (from SQLite, the OS or Chroma's Rust core) that means the disk is full.

    Example:
        >>> import sqlite3
        >>> is_disk_full(sqlite3.OperationalError("database or disk is full"))
        True
        >>> is_disk_full(OSError(28, "No space left on device")), is_disk_full(ValueError("x"))
        (True, False)
    """
    import errno

    seen = 0
    while exc is not None and seen < 5:  # the cause may be wrapped
        if isinstance(exc, DiskFullError):
            return True
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(marker in str(exc).lower() for marker in _FULL):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


class LLMError(CallmineError):
    """The configured chat model could not be created or failed to answer."""


class WebhookError(CallmineError):
    """A webhook (the Slack webhook of the digest) could not be reached or answered with an
    error. The message names "the Slack webhook", never its URL (the URL is the secret)."""
