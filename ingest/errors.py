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


class LLMError(CallmineError):
    """The configured chat model could not be created or failed to answer."""
