"""Batch ingestion of calls, content and messaging into a workspace.

Each file is hashed, skipped when unchanged, parsed, and stored atomically. A bad file never
stops a batch: it becomes a ``failed`` :class:`~ingest.records.FileResult` with a message
saying what was wrong, and the rest goes on.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from ingest.audio import AUDIO_EXTENSIONS
from ingest.content import CONTENT_EXTENSIONS, Chunker, read_document
from ingest.diarize import name_speakers
from ingest.errors import (
    CallmineError,
    CorruptFileError,
    DiskFullError,
    InputError,
    UnsupportedFileError,
    is_disk_full,
)
from ingest.manifest import read_call_manifest, read_content_manifest
from ingest.messaging import load_messaging
from ingest.records import (
    Asset,
    AssetMeta,
    BatchResult,
    Call,
    CallMeta,
    FileResult,
    Segment,
)
from ingest.redact import Redactor
from ingest.settings import Settings
from ingest.store import Workspace
from ingest.textfile import file_size
from ingest.transcripts import TRANSCRIPT_EXTENSIONS, build_turns, read_transcript

log = logging.getLogger(__name__)
NO_REP_SIDE = ("; WARNING: no speaker is on the rep side, so every line is read as the "
               "buyer's (the rep's pitch would count as objections). Give the rep's name in "
               "the manifest's rep column, or label the rep's lines Rep, Seller, Sales, AE, SDR "
               "or Agent")
"""Said of a stored call none of whose speakers is on the rep side."""
REP_UNSURE = ("; NOTE: the speakers of this mono recording were told apart by voice and "
              "the rep is a guess ({why}). Check `callmine transcript {call_id}`; enrolling "
              "the rep's voice (`callmine reps enroll NAME clip.wav`) settles it, for this "
              "call too")
"""Said of a diarized call whose rep could not be told for sure."""

CALL_EXTENSIONS = tuple(AUDIO_EXTENSIONS) + tuple(TRANSCRIPT_EXTENSIONS)

ProgressFn = Callable[[int, int, FileResult], None]

MIN_FREE_MB = 20
"""A file is not started with less free space than this on the workspace's disk, plus
:data:`GROWTH` times the file's size (passages, their vectors and sentence vectors take about
that much; recordings far less): a full disk stops an ingest at once, in one line, rather than
half-way through a write."""
GROWTH = 20


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes (the identity of an ingested file)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class RefusedPath(type(Path())):
    """A path :func:`expand_paths` found but ingest refuses; ingesting it fails with
    ``reason`` (so it still gets its result line)."""

    reason = ""


def _refused(path: Path, reason: str) -> RefusedPath:
    out = RefusedPath(path)
    out.reason = reason
    return out


def expand_paths(paths: Iterable[Path], extensions: tuple[str, ...]) -> list[Path]:
    """Files named directly, plus the files with a known extension inside named folders.

    Folders are walked recursively; hidden files and ``.csv`` manifests are left out. Files
    named directly are kept whatever their extension, so an unknown one is reported. Every
    path still gets a result: a link inside a folder that points outside it is not followed
    and a named folder with no known file fails (both as :class:`RefusedPath`).
    """
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            root = path.resolve()
            found = 0
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts) or not child.is_file():
                    continue
                if child.suffix.lower() not in extensions:
                    if child.suffix.lower() != ".csv":
                        log.info("skipping %s: not a %s file", child, "/".join(extensions))
                    continue
                found += 1
                if child.is_symlink() and not child.resolve().is_relative_to(root):
                    files.append(_refused(child, (
                        f"{child}: a link to {child.resolve()}, outside {path}; links that "
                        "leave the folder are not followed. Copy the file in, or name it "
                        "directly.")))
                else:
                    files.append(child)
            if not found:
                files.append(_refused(path, (
                    f"{path}: a folder with no {'/'.join(extensions)} file in it (hidden files "
                    "are skipped).")))
        else:
            files.append(path)
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve() if f.exists() else f
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def _check_file(path: Path, extensions: tuple[str, ...], expected: str) -> None:
    if isinstance(path, RefusedPath):
        raise InputError(path.reason)
    size = file_size(path)  # a missing or unreadable file, a NUL byte in the name
    if path.suffix.lower() not in extensions:
        raise UnsupportedFileError(f"Expected {expected}, got '{path.name}'.")
    if size == 0:
        raise CorruptFileError(f"{path.name}: the file is empty.")


class _Ids:
    """The ids given in one batch: a second file that would get the id of another (two
    ``discovery.vtt`` in two folders, ``pricing.md`` and ``pricing.txt``) fails with a line
    instead of silently replacing the first."""

    def __init__(self, kind: str, column: str) -> None:
        self.kind = kind
        self.column = column
        self.first: dict[str, Path] = {}

    def claim(self, record_id: str, path: Path) -> None:
        first = self.first.setdefault(record_id, path)
        if first != path:
            raise InputError(
                f"{path}: would get the {self.kind} id '{record_id}', already given to {first} "
                f"in this batch, and replace it. Give each its own {self.column} in the "
                "manifest, or rename one.")


class _Batch:
    """Runs one function per file, turning errors into failed results, with a progress bar."""

    def __init__(self, kind: str, workspace: Workspace, progress: bool, on_file: ProgressFn | None,
                 scrub: Callable[[str], str] | None = None):
        self.kind = kind
        self.workspace = workspace
        self.progress = progress
        self.on_file = on_file
        self.scrub = scrub  # redacts messages, which may quote a file's content

    def run(self, files: list[Path], handle: Callable[[Path], FileResult]) -> BatchResult:
        result = BatchResult()
        bar = tqdm(files, desc=f"ingest {self.kind}", unit="file", disable=not self.progress,
                   leave=False)
        for i, path in enumerate(bar):
            try:
                self._check_space(path, result)
                item = handle(path)
            except DiskFullError:
                raise
            except Exception as exc:
                if is_disk_full(exc):
                    self._stop_full(path, result)
                item = self._failed(path, exc)
            if self.scrub and item.message:
                item.message = self.scrub(item.message)
            if item.status == "failed":
                log.debug("failed %s: %s", path, item.message)
            try:
                self.workspace.log_ingest(self.kind, str(path), item.status,
                                          record_id=item.record_id, message=item.message)
            except Exception:  # logging must not lose the result
                log.warning("could not write the ingest log for %s", path, exc_info=True)
            result.results.append(item)
            if self.on_file:
                self.on_file(i + 1, len(files), item)
        return result

    @staticmethod
    def _failed(path: Path, exc: Exception) -> FileResult:
        if isinstance(exc, CallmineError):
            return FileResult(str(path), "failed", message=str(exc))
        log.debug("unexpected error on %s", path, exc_info=True)  # a bad file never stops us
        return FileResult(str(path), "failed",
                          message=f"{path.name}: could not be read ({type(exc).__name__}: {exc}).")

    def _check_space(self, path: Path, done: BatchResult) -> None:
        import shutil

        try:
            free = shutil.disk_usage(self.workspace.root).free
            size = path.stat().st_size if path.is_file() else 0
        except OSError:
            return
        if free < MIN_FREE_MB * 2**20 + GROWTH * size:
            self._stop_full(path, done, free)

    def _stop_full(self, path: Path, done: BatchResult, free: int | None = None) -> None:
        """Stop the batch: the disk is full. What was stored stays; a half-written asset is
        removed (``recover``) when there is room to do so, else by the next ingest."""
        import shutil

        try:
            self.workspace.recover()
        except Exception:  # no room even for that: the next run's recover() does it
            log.debug("could not clean up after a full disk", exc_info=True)
        if free is None:
            try:
                free = shutil.disk_usage(self.workspace.root).free
            except OSError:
                free = 0
        stored = sum(r.status in ("stored", "replaced") for r in done.results)
        raise DiskFullError(
            f"disk full: {free / 2**20:.1f} MB free where the workspace is ({self.workspace.root})"
            f"; stopped before {path.name} ({stored} file(s) of this batch stored, kept). Free "
            "some space, then run the same command again: stored files are skipped.")


class CallIngestor:
    """Ingests calls (audio or transcripts) with optional manifest metadata.

    Args:
        workspace: Where calls are stored.
        settings: Speech settings (model, channels) and redaction.
        transcriber: An injected transcriber (built lazily from settings otherwise).
        force: Read every file again, even one stored unchanged (after a model or setting
            change, e.g. an enrolled voice or diarization turned on).
    """

    def __init__(self, workspace: Workspace, settings: Settings, transcriber=None,
                 force: bool = False) -> None:
        self.workspace = workspace
        self.settings = settings
        self.force = force
        self._transcriber = transcriber
        self.redactor = Redactor(settings.redact_region) if settings.redact else None
        self._futures: dict = {}

    @property
    def transcriber(self):
        if self._transcriber is None:
            from ingest.transcribe import Transcriber

            self._transcriber = Transcriber(self.settings)
        return self._transcriber

    def run(
        self,
        paths: Iterable[Path],
        manifest: Path | None = None,
        progress: bool = False,
        on_file: ProgressFn | None = None,
    ) -> BatchResult:
        """Ingest every call file under ``paths``; never raises for a bad file."""
        table = read_call_manifest(manifest) if manifest else None
        files = expand_paths(paths, CALL_EXTENSIONS)
        batch = _Batch("calls", self.workspace, progress, on_file,
                       self.redactor.text if self.redactor else None)
        ids = _Ids("call", "call_id")

        def one(p: Path, show: bool) -> FileResult:
            meta = table.lookup(p) if table else None
            if not isinstance(p, RefusedPath):
                ids.claim((meta or CallMeta(call_id=p.stem)).call_id, p)
            return self.ingest_file(p, meta, progress=show)

        s = self.settings
        try:
            if (s.workers > 1 or s.dask_scheduler) and len(files) > 1:
                from ingest.parallel import TranscriptionPool

                todo = [p for p in files if self._needs_transcription(p, table)]
                with TranscriptionPool(s, s.workers, s.dask_scheduler) as pool:
                    self._futures = pool.submit_all(todo)
                    try:
                        return batch.run(files, lambda p: one(p, False))
                    finally:
                        self._futures = {}
            return batch.run(files, lambda p: one(p, progress))
        finally:
            if self.redactor:  # no raw value left in the write-ahead log's old pages
                self.workspace.checkpoint()

    def _needs_transcription(self, path: Path, table) -> bool:
        if isinstance(path, RefusedPath) or path.suffix.lower() not in AUDIO_EXTENSIONS or \
                not path.is_file():
            return False
        if path.stat().st_size == 0:
            return False
        meta = (table.lookup(path) if table else None) or CallMeta(call_id=path.stem)
        digest = file_hash(path)
        stored = self.workspace.call_hash(meta.call_id) == digest
        return (self.force or not stored) and self.workspace.call_with_hash(digest) in (
            None, meta.call_id)

    def ingest_file(self, path: Path, meta: CallMeta | None = None,
                    progress: bool = False) -> FileResult:
        """Ingest one call file; raises a ``CallmineError`` when it cannot be read."""
        _check_file(path, CALL_EXTENSIONS,
                    "a WAV/MP3/M4A/FLAC/OGG/OPUS/WEBM/MP4 audio file or a .vtt/.srt/.json/.txt transcript")
        digest = file_hash(path)
        listed = meta is not None  # a manifest row: its metadata is the truth
        meta = meta or CallMeta(call_id=path.stem)
        if self.redactor:
            meta = self.redactor.meta(meta)
        if self.workspace.call_hash(meta.call_id) == digest and not self.force:
            if not listed:
                return FileResult(str(path), "unchanged", meta.call_id, "already stored")
            old = self.workspace.call_meta(meta.call_id)
            if old is not None and (old.rep or "").lower() != (meta.rep or "").lower():
                pass  # the rep decides the sides: read the call again below
            else:
                changed = self.workspace.update_call_meta(meta)
                if not changed:
                    return FileResult(str(path), "unchanged", meta.call_id, "already stored")
                return FileResult(str(path), "replaced", meta.call_id,
                                  f"metadata updated: {', '.join(changed)}")
        other = self.workspace.call_with_hash(digest)
        if other is not None and other != meta.call_id:
            return FileResult(str(path), "unchanged", other,
                              f"same content already stored as call '{other}'")
        segments, kind, duration, language, rep_speakers, speakers = self._segments(
            path, progress, meta)
        if self.redactor:
            segments = [self.redactor.segment(s) for s in segments]
            if speakers:  # a redacting workspace keeps no voice print of the call's speakers
                speakers = {k: v for k, v in speakers.items() if k != "voices"}
        turns = build_turns(segments, rep=meta.rep, rep_speakers=rep_speakers)
        if not turns:
            raise CorruptFileError(f"{path.name}: no speech found in the call.")
        call = Call(meta=meta, source=str(path), content_hash=digest, kind=kind, turns=turns,
                    duration=duration, language=language, speakers=speakers)
        # a redacting workspace keeps no raw copy of a transcript (it holds what was removed)
        keep = not (self.redactor and kind == "transcript")
        kept = (self.workspace.keep_copy(path, digest, "audio" if kind == "audio" else "files")
                if keep else None)
        status = self.workspace.save_call(call, file=kept)
        message = f"{len(turns)} turns"
        if not any(t.side == "rep" for t in turns):
            message += NO_REP_SIDE
        elif speakers and speakers.get("method") == "voice" and not speakers.get("sure"):
            message += REP_UNSURE.format(why=speakers.get("why"), call_id=meta.call_id)
        return FileResult(str(path), status, meta.call_id, message)

    def _segments(self, path: Path, progress: bool, meta: CallMeta):
        """(segments, kind, duration, language, rep speaker names, speakers note)."""
        if path.suffix.lower() in TRANSCRIPT_EXTENSIONS:
            t = read_transcript(path)
            last = max((s.end or s.start or 0.0 for s in t.segments), default=None)
            return t.segments, "transcript", t.duration or last, t.language, (), None
        future = self._futures.get(path)
        t = future.result() if future is not None else self.transcriber.run(path, progress=progress)
        if t.diarization is not None:  # a mono recording: speakers found by voice
            segments, note = name_speakers(t.segments, t.diarization, meta.rep,
                                           self.workspace.rep_voice(meta.rep))
            rep = (note["rep"],) if note["rep"] else ()
            return segments, "audio", t.duration, t.language, rep, note
        segments, rep_speakers, note = t.segments, (), None
        speakers = {s.speaker for s in t.segments}
        channel = self.settings.rep_channel
        if channel is not None and len(speakers) > 1:
            roles = self.settings.channel_roles
            if roles:
                rep_speakers = (roles[channel],)
            else:  # the channels get people's names: the rep's, and Buyer
                rep_name = " ".join((meta.rep or "").split()) or "Rep"
                names = {f"channel-{channel}": rep_name, f"channel-{1 - channel}": "Buyer"}
                segments = [replace(s, speaker=names.get(s.speaker, s.speaker))
                            for s in t.segments]
                rep_speakers = (rep_name,)
            note = {"method": "channels", "speakers": 2, "rep": rep_speakers[0],
                    "rule": f"channel {channel} is the rep (the rep_channel setting)",
                    "sure": True, "why": "one speaker per channel"}
        return segments, "audio", t.duration, t.language, rep_speakers, note


class ContentIngestor:
    """Ingests content assets: text, structure, passages and vectors.

    Args:
        workspace: Where assets are stored.
        chunker: Splits documents into passages (default settings otherwise).
        force: Read every file again, even one stored unchanged (after a reader changed).
    """

    def __init__(self, workspace: Workspace, chunker: Chunker | None = None,
                 force: bool = False) -> None:
        self.workspace = workspace
        self.chunker = chunker or Chunker()
        self.force = force

    def run(
        self,
        paths: Iterable[Path],
        manifest: Path | None = None,
        progress: bool = False,
        on_file: ProgressFn | None = None,
    ) -> BatchResult:
        """Ingest every content file under ``paths``; never raises for a bad file."""
        table = read_content_manifest(manifest) if manifest else None
        self.workspace.recover()
        files = expand_paths(paths, CONTENT_EXTENSIONS)
        batch = _Batch("content", self.workspace, progress, on_file)
        ids = _Ids("asset", "asset_id")

        def one(p: Path) -> FileResult:
            meta = table.lookup(p) if table else None
            if not isinstance(p, RefusedPath):
                ids.claim((meta or AssetMeta(asset_id=p.stem)).asset_id, p)
            return self.ingest_file(p, meta)

        return batch.run(files, one)

    def ingest_file(self, path: Path, meta: AssetMeta | None = None) -> FileResult:
        """Ingest one content file; raises a ``CallmineError`` when it cannot be read."""
        _check_file(path, CONTENT_EXTENSIONS,
                    "a .md/.html/.htm/.pdf/.docx/.pptx/.txt document")
        digest = file_hash(path)
        listed = meta is not None  # a manifest row: its metadata is the truth
        meta = meta or AssetMeta(asset_id=path.stem)
        if self.workspace.asset_hash(meta.asset_id) == digest and not self.force:
            if listed:
                if not meta.title:  # the title came from the document
                    meta.title = self.workspace.asset_meta(meta.asset_id).title
                changed = self.workspace.update_asset_meta(meta)
                if changed:
                    return FileResult(str(path), "replaced", meta.asset_id,
                                      f"metadata updated: {', '.join(changed)}")
            return FileResult(str(path), "unchanged", meta.asset_id, "already stored")
        other = self.workspace.asset_with_hash(digest)
        if other is not None and other != meta.asset_id:
            return FileResult(str(path), "unchanged", other,
                              f"same content already stored as asset '{other}'")
        document = read_document(path)
        if not meta.title:
            meta.title = document.title or path.stem
        chunks = self.chunker.run(document, meta.asset_id)
        if not chunks:
            raise CorruptFileError(f"{path.name}: no text found in the document.")
        kept = self.workspace.keep_copy(path, digest)
        status = self.workspace.save_asset(Asset(meta, str(path), digest, chunks), file=kept)
        return FileResult(str(path), status, meta.asset_id, f"{len(chunks)} passages")


def ingest_messaging(workspace: Workspace, path: Path) -> FileResult:
    """Validate and store messaging.yaml; raises ``MessagingError`` naming the bad field."""
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file. Give the path of your messaging.yaml.")
    digest = file_hash(path)
    if workspace.messaging_hash() == digest:
        return FileResult(str(path), "unchanged", "messaging", "already stored")
    messaging = load_messaging(path)
    status = workspace.save_messaging(messaging, str(path), digest)
    workspace.log_ingest("messaging", str(path), status, digest, "messaging")
    return FileResult(
        str(path), status, "messaging",
        f"{len(messaging.talk_tracks)} talk tracks, {len(messaging.facts)} facts",
    )


__all__ = ["CallIngestor", "ContentIngestor", "ingest_messaging", "expand_paths", "file_hash",
           "Segment"]
