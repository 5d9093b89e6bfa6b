"""Reading user text files (transcripts, documents, manifests, YAML) with clear errors.

Text must be UTF-8 (a byte-order mark is fine; UTF-16 with a byte-order mark is accepted too).
Nothing is decoded by guesswork: a file in another encoding is reported, with how to fix it.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import CorruptFileError, InputError

MAX_TEXT_BYTES = 50_000_000
"""Text files larger than this are refused rather than read into memory."""


def decode_text(data: bytes, name: str, error: type[InputError] = CorruptFileError) -> str:
    """Decode the bytes of a text file, strictly, and normalise line ends to ``\\n``.

    Args:
        data: The file's bytes.
        name: The file name used in error messages.
        error: The exception class to raise (e.g. ``ManifestError`` for a manifest).

    Returns:
        The text, without a byte-order mark, with ``\\n`` line ends.

    Raises:
        InputError: (of class ``error``) when the file is empty, binary or not UTF-8.

    Example:
        >>> decode_text(b"\\xef\\xbb\\xbfHi\\r\\nthere", "a.txt")
        'Hi\\nthere'
    """
    if not data.strip():
        raise error(f"{name}: the file is empty.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise error(f"{name}: not valid UTF-16 text despite its byte-order mark. "
                        "Re-save the file as UTF-8 and try again.") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            bad = data[exc.start]
            raise error(
                f"{name}: not UTF-8 text (byte 0x{bad:02x} at position {exc.start} is not valid "
                "UTF-8). Re-save the file as UTF-8 (most editors offer it under 'Save as' or "
                "'Encoding') and try again."
            ) from None
    if "\x00" in text:
        raise error(f"{name}: looks like a binary file, not text (it holds NUL bytes). "
                    "Give a text file, or the right extension for this file.")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise error(f"{name}: the file is empty.")
    return text


def file_size(path: Path) -> int:
    """The size of a file to be read, after checking that its name can be a file's name.

    Args:
        path: The file.

    Raises:
        InputError: when the name holds a NUL byte, or the file is missing, a folder or
            unreadable.
    """
    path = Path(path)
    if "\x00" in str(path):
        raise InputError(f"{ascii(str(path))}: the file name holds a NUL byte (\\x00), which no "
                         "file name can hold. Rename the file and try again.")
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a folder, not a file.")
        return path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or folder.") from None
    except OSError as exc:  # a name too long, a permission, a broken disk
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}).") from None


def read_text(path: Path, error: type[InputError] = CorruptFileError) -> str:
    """Read a UTF-8 text file; see :func:`decode_text` for what is accepted.

    Args:
        path: The file to read.
        error: The exception class to raise for a bad file.

    Raises:
        InputError: when the file is missing or its name holds a NUL byte (``InputError``),
            too large, empty or not UTF-8 (class ``error``).
    """
    path = Path(path)
    size = file_size(path)
    if size > MAX_TEXT_BYTES:
        raise error(f"{path.name}: too large for a text file ({size / 1e6:.0f} MB; the limit is "
                    f"{MAX_TEXT_BYTES / 1e6:.0f} MB). Split it into smaller files.")
    try:
        data = path.read_bytes()
    except OSError as exc:  # file_size has named a folder or a missing file already
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    return decode_text(data, path.name, error)



class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases (see :func:`load_yaml`)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not allowed in this file; write the "
                "values out", event.start_mark)
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """Parse YAML from a user's file with the safe loader, refusing aliases (``*name``, and so
    merge keys ``<<: *name``): a few lines of nested aliases expand to billions of nodes (the
    "billion laughs"), and messaging files and front matter have no use for them.

    Raises:
        yaml.YAMLError: on a syntax error or an alias (its ``problem`` says which).

    Example:
        >>> load_yaml("talk_tracks: [{id: payback}]")
        {'talk_tracks': [{'id': 'payback'}]}
    """
    return yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader subclass: no arbitrary objects
