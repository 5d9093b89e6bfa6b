"""The workspace: one folder holding the SQLite database, the Chroma directory and file copies.

The :class:`Workspace` is the only stateful object in callmine. It is built once (from
settings, or with an injected Chroma client) and handed down to every stage.

SQLite holds calls, turns, assets, passages (chunks), messaging and the ingest log; Chroma holds
the passage vectors. Writing an asset is two-phase so the two never disagree: the asset row is
marked ``pending`` first, vectors are replaced, then rows and status flip to ``complete`` in
one transaction. :meth:`Workspace.recover` removes whatever a killed ingest left pending; a
re-run then stores it again.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ingest.errors import DiskFullError, InputError, WorkspaceError
from ingest.records import Asset, AssetMeta, Call, CallMeta, Chunk, Turn, Word
from ingest.schema import migrate

if TYPE_CHECKING:
    import chromadb

    from ingest.embed import Embedder
    from ingest.messaging import Messaging
    from ingest.settings import Settings
    from ingest.store_assets import AssetCatalog
    from ingest.store_insights import InsightsStore
    from ingest.store_lexical import LexicalStore

log = logging.getLogger(__name__)

PASSAGES = "passages"
CHROMA_RESERVE_MB = 4
"""Room an embedded Chroma write needs on top of its vectors. Chroma's Rust core does not fail
on a full disk: a write that meets it waits for room (the process hangs). So the store refuses
a vector write that would leave less than this (:class:`DiskFullError`), before Chroma sees it."""
COSINE = {"hnsw:space": "cosine", "hnsw:search_ef": 1024, "hnsw:construction_ef": 128}
"""Settings of new passage collections. ``search_ef`` 1024: on 100k synthetic passages
(``python bench/retrieval.py``) recall@10 against exact search was 0.79 at 128, 0.91 at 256,
0.98 at 512 and 0.998 at 1024, for about 1 ms more per query than 128."""
COMPLETE = "status='complete'"
"""The SQL predicate of a completely stored asset (an ``assets`` row; prefix a column alias
as ``a.`` + COMPLETE): every query of the storage layer that reads content uses it, so a
pending asset (being written or removed) is never seen."""


# -- the lexical index's rows, written with the passages ---------------------------------------

FTS_FINGERPRINT = "content_hash || '|' || ingested_at"
"""What an asset was indexed at (``rag_fts_assets.fingerprint``), an SQL expression over the
``assets`` row; ``rag.lexical`` re-indexes an asset whose stored fingerprint differs (a
workspace written before the rows were written with the passages)."""


def fts_drop_asset(db: sqlite3.Connection, asset_id: str) -> None:
    """Remove an asset's rows from the FTS5 index (``rag_fts``), inside the caller's
    transaction."""
    row = db.execute("SELECT rows FROM rag_fts_assets WHERE asset_id=?", (asset_id,)).fetchone()
    if row is not None:
        fts_delete_rows(db, json.loads(row[0]))
        db.execute("DELETE FROM rag_fts_assets WHERE asset_id=?", (asset_id,))


def fts_delete_rows(db: sqlite3.Connection, rowids: list[int]) -> None:
    for i in range(0, len(rowids), 500):
        part = rowids[i:i + 500]
        db.execute(f"DELETE FROM rag_fts WHERE rowid IN ({','.join('?' * len(part))})", part)


def fts_index_asset(db: sqlite3.Connection, asset_id: str) -> int:
    """(Re-)write an asset's FTS5 rows from its ``chunks`` (an FTS row has its chunk's rowid)
    and its fingerprint, inside the caller's transaction; returns the passages indexed."""
    fts_drop_asset(db, asset_id)
    rows = db.execute(
        "SELECT c.rowid AS rid, c.chunk_id, c.text, c.heading_path, a.title FROM chunks c "
        "JOIN assets a USING (asset_id) WHERE c.asset_id=? ORDER BY c.idx",
        (asset_id,)).fetchall()
    rowids = [r[0] for r in rows]
    fts_delete_rows(db, rowids)  # a rowid the chunks table reused after a delete
    db.executemany(
        "INSERT INTO rag_fts (rowid, text, heading, title, chunk_id, asset_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(r[0], r[2], " ".join(json.loads(r[3])), r[4] or "", r[1], asset_id) for r in rows])
    fingerprint = db.execute(f"SELECT {FTS_FINGERPRINT} FROM assets WHERE asset_id=?",
                             (asset_id,)).fetchone()[0]
    db.execute(
        "INSERT OR REPLACE INTO rag_fts_assets (asset_id, fingerprint, rows) VALUES (?, ?, ?)",
        (asset_id, fingerprint, json.dumps(rowids)))
    return len(rowids)


def _speakers_columns(note: dict | None) -> tuple[str | None, str | None]:
    """A call's speakers note as its two columns: the note, and its voice prints apart (they
    are large and only enrolment reads them)."""
    if not note:
        return None, None
    voices = note.get("voices")
    small = {k: v for k, v in note.items() if k != "voices"}
    return json.dumps(small), json.dumps(voices) if voices else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def chunk_embedding_text(title: str | None, chunk: Chunk) -> str:
    """The text embedded for a passage: it carries its asset title and heading path."""
    head = " > ".join(p for p in [title or "", *chunk.heading_path] if p)
    return f"{head}\n{chunk.text}" if head else chunk.text


# -- search over the turns of calls (``turn_fts``, written by triggers: ingest.schema) --------

CALL_FINGERPRINT = "content_hash || '|' || ingested_at"
"""What a call's turns were embedded at (``turn_vectors.fingerprint``), an SQL expression over
the ``calls`` row: a re-ingested call has a new one."""
_FTS_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


class TurnMatch(NamedTuple):
    """A turn that matched a keyword search (``rank``: FTS5 bm25, lower is better)."""

    call_id: str
    turn_index: int
    start: float | None
    snippet: str
    rank: float
    side: str
    speaker: str


class StoredTurn(NamedTuple):
    """A stored turn with its call, as search reads it."""

    call_id: str
    turn_index: int
    start: float | None
    side: str
    speaker: str
    text: str


def fts_match(text: str, every: bool = True) -> str:
    """An FTS5 query for the words of ``text``: each word a quoted string, so quotes,
    operators (``AND``, ``NEAR``, ``*``, ``-``) and column filters typed by a user are
    searched as words and never parsed; "" when it has no words.

    Args:
        text: What the user typed.
        every: All words must match (``AND``); False: any of them (``OR``).

    Example:
        >>> fts_match('"price AND security*')
        '"price" AND "and" AND "security"'
    """
    words = list(dict.fromkeys(w.lower() for w in _FTS_TOKEN.findall(text)))
    return (" AND " if every else " OR ").join(f'"{w}"' for w in words)


class Workspace:
    """A callmine workspace folder: SQLite + Chroma + copies of ingested files.

    Args:
        root: The workspace folder; created on first use.
        embedder: Embeds passages and queries (never chroma's default embedding function).
        chroma_client: An injected Chroma client (e.g. ``chromadb.HttpClient`` for a shared
            server); by default an embedded persistent client in ``root/chroma``.

    Example:
        >>> from ingest.embed import Embedder
        >>> ws = Workspace(Path("callmine-workspace"), Embedder())   # loads no model yet
        >>> ws.stats()["calls"]
        0
    """

    def __init__(
        self,
        root: Path,
        embedder: Embedder,
        chroma_client: chromadb.ClientAPI | None = None,
    ) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"Workspace {self.root} is a file; give a folder path.")
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "files").mkdir(exist_ok=True)
        (self.root / "audio").mkdir(exist_ok=True)
        self.embedder = embedder
        self._chroma_client = chroma_client
        self._chroma_injected = chroma_client is not None
        self._chroma_generation = 0  # embedded clients opened so far (see collection())
        self._chroma_seen: tuple | None = None  # the content version that client reflects
        self._collections: dict[str, Any] = {}
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._passages = None
        with self._write_lock:
            migrate(self.db)  # every table, older workspaces upgraded (ingest.schema)

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> Workspace:
        """Open the workspace that settings name, with a Chroma server if one is configured."""
        from ingest.embed import Embedder

        embedder = embedder or Embedder(settings.embedding_model, settings.embedding_batch_size)
        client = None
        if settings.chroma_url:
            client = http_chroma_client(settings.chroma_url)
        return cls(settings.workspace, embedder, client)

    # -- connections ---------------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's SQLite connection (WAL mode, foreign keys on)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # autocommit mode: transactions are explicit (see transaction())
            conn = sqlite3.connect(self.root / "callmine.db", timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            # deleted and replaced rows are overwritten with zeros, not left in free pages
            conn.execute("PRAGMA secure_delete=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._write_lock:
            db = self.db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @property
    def chroma(self) -> chromadb.ClientAPI:
        """The Chroma client (embedded in ``root/chroma`` unless one was injected)."""
        client = self._chroma_client
        if client is not None:
            return client
        # one opening at a time: the app's warm-up thread and a view opening together made
        # two embedded systems race for the same tenant ("Could not connect to tenant")
        with self._write_lock:
            if self._chroma_client is None:
                import chromadb

                # each reopening gets a path of its own ("chroma/./.") so chromadb starts a
                # fresh embedded system that reads the folder again, while queries in flight
                # on the old one finish on it
                path = str(self.root / "chroma") + "/." * self._chroma_generation
                self._chroma_seen = self._content_version()
                self._chroma_client = chromadb.PersistentClient(
                    path=path, settings=chromadb.Settings(anonymized_telemetry=False))
            return self._chroma_client

    def collection(self, name: str) -> chromadb.Collection:
        """A cosine-space Chroma collection of this workspace; callers pass embeddings.

        An embedded Chroma reads its folder when it opens and does not see what another
        process writes there afterwards (the app running while `callmine ingest content`
        adds documents: "Error finding id"). So when the assets changed and this process did
        not change them, the embedded client is opened again first. A Chroma server
        (``CALLMINE_CHROMA_URL``) needs none of this: it is the one owner of the vectors.
        """
        self._reopen_if_changed_elsewhere()
        found = self._collections.get(name)
        if found is None:
            found = self.chroma.get_or_create_collection(
                name, metadata=dict(COSINE), embedding_function=None)
            self._collections[name] = found
        return found

    def _content_version(self) -> tuple:
        """Changes whenever an asset is stored, replaced or removed, by any process."""
        row = self.db.execute("SELECT COUNT(*), COALESCE(MAX(ingested_at), 0),"
                              f" COALESCE(SUM(NOT ({COMPLETE})), 0) FROM assets").fetchone()
        return tuple(row)

    def _reopen_if_changed_elsewhere(self) -> None:
        if self._chroma_injected or self._chroma_client is None:
            return
        if self._content_version() != self._chroma_seen:
            with self._write_lock:
                if self._chroma_client is not None and \
                        self._content_version() != self._chroma_seen:
                    log.info("the workspace's content changed in another process: reopening "
                             "the vector store")
                    self._chroma_generation += 1
                    self._chroma_client = None
                    self._collections = {}

    @contextmanager
    def _own_content_write(self) -> Iterator[None]:
        """Around this process's own writes of passage vectors: when nothing else had changed
        the content before, the open client stays current afterwards."""
        _ = self.chroma  # opened first, so it reflects the content as it is before the write
        before = self._content_version()
        current = before == self._chroma_seen
        yield
        if current and self._chroma_client is not None:
            self._chroma_seen = self._content_version()

    @property
    def passages(self):
        """The passages as a ``langchain_chroma.Chroma`` vector store (cosine)."""
        if self._passages is None:
            from langchain_chroma import Chroma

            self._passages = Chroma(
                collection_name=PASSAGES,
                embedding_function=self.embedder,
                client=self.chroma,
                collection_metadata=dict(COSINE),
            )
        return self._passages

    # -- the named queries of the other stages' tables (one storage layer) ------------------

    @property
    def insights_store(self) -> InsightsStore:
        """The insights tables' queries (:mod:`ingest.store_insights`)."""
        from ingest.store_insights import InsightsStore
        return InsightsStore(self)

    @property
    def lexical_store(self) -> LexicalStore:
        """The lexical index's and sentence vectors' queries (:mod:`ingest.store_lexical`)."""
        from ingest.store_lexical import LexicalStore
        return LexicalStore(self)

    @property
    def asset_catalog(self) -> AssetCatalog:
        """Retrieval's and the consistency checks' asset lookups (:mod:`ingest.store_assets`)."""
        from ingest.store_assets import AssetCatalog
        return AssetCatalog(self)

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and truncate it, so values replaced or
        deleted (with ``secure_delete``) linger in neither file."""
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError:  # another process is reading: its next write does it
            log.info("could not checkpoint the write-ahead log now", exc_info=True)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- files ---------------------------------------------------------------------------

    def keep_copy(self, path: Path, content_hash: str, folder: str = "files") -> str:
        """Copy an ingested file into the workspace; returns its path relative to the root.

        Audio goes to ``audio/`` (the only folder the app serves, for playback); documents and
        transcripts to ``files/``, never served, so an ingested HTML page cannot run in the app.
        """
        name = f"{content_hash[:20]}{path.suffix.lower()}"
        (self.root / folder).mkdir(exist_ok=True)
        target = self.root / folder / name
        if not target.exists():
            tmp = target.with_suffix(target.suffix + ".part")
            shutil.copyfile(path, tmp)
            tmp.replace(target)
        return f"{folder}/{name}"

    def file_path(self, relative: str | None) -> Path | None:
        """Absolute path of a kept copy, or None."""
        return self.root / relative if relative else None

    def log_ingest(
        self, kind: str, path: str, status: str, content_hash: str | None = None,
        record_id: str | None = None, message: str = "",
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO ingest_log (at, kind, path, content_hash, record_id, status, message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (time.time(), kind, path, content_hash, record_id, status, message),
            )

    # -- calls ---------------------------------------------------------------------------

    def call_hash(self, call_id: str) -> str | None:
        row = self.db.execute("SELECT content_hash FROM calls WHERE call_id=?", (call_id,)).fetchone()
        return row[0] if row else None

    def call_meta(self, call_id: str) -> CallMeta | None:
        """The stored metadata of a call, or None when there is no such call."""
        row = self.db.execute("SELECT * FROM calls WHERE call_id=?", (call_id,)).fetchone()
        return self._call_meta(row) if row else None

    def update_call_meta(self, meta: CallMeta) -> list[str]:
        """Replace a stored call's metadata (date, rep, account, stage, outcome, segment) with
        ``meta``; returns the fields that changed (none: nothing written)."""
        old = self.call_meta(meta.call_id)
        if old is None:
            return []
        fields = ("date", "rep", "account", "stage", "outcome", "segment")
        if old.deal:  # the CRM's deal data (`ingest deals`) is the truth for these two
            meta = replace(meta, stage=old.stage, outcome=old.outcome)
        changed = [f for f in fields if getattr(old, f) != getattr(meta, f)]
        if changed:
            with self.transaction() as db:
                db.execute("UPDATE calls SET date=?, rep=?, account=?, stage=?, outcome=?,"
                           " segment=? WHERE call_id=?",
                           (_iso(meta.date), meta.rep, meta.account, meta.stage, meta.outcome,
                            meta.segment, meta.call_id))
        return changed

    # -- reps' voices (mono diarization) ---------------------------------------------------

    def save_rep_voice(self, name: str, vector: list[float], seconds: float,
                       source: str | None = None) -> str:
        """Keep a rep's voice print (``callmine reps enroll``); returns stored/replaced."""
        name = " ".join(name.split())
        if not name:
            raise InputError("Give the rep's name as it appears in the manifest's rep column.")
        with self.transaction() as db:
            existed = db.execute("DELETE FROM rep_voices WHERE name=?", (name,)).rowcount > 0
            db.execute("INSERT INTO rep_voices (name, vector, seconds, source, enrolled_at)"
                       " VALUES (?, ?, ?, ?, ?)",
                       (name, json.dumps([round(float(x), 6) for x in vector]), seconds,
                        source, time.time()))
        return "replaced" if existed else "stored"

    def rep_voice(self, name: str | None) -> list[float] | None:
        """The enrolled voice print of a rep (name matched case-insensitively), or None."""
        if not name:
            return None
        row = self.db.execute("SELECT vector FROM rep_voices WHERE name=?",
                              (" ".join(name.split()),)).fetchone()
        return json.loads(row[0]) if row else None

    def rep_voices(self) -> list[dict]:
        """Every enrolled rep: name, seconds of speech, source clip, enrolled_at."""
        rows = self.db.execute("SELECT name, seconds, source, enrolled_at FROM rep_voices"
                               " ORDER BY name").fetchall()
        return [dict(row) for row in rows]

    def remove_rep_voice(self, name: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM rep_voices WHERE name=?",
                              (" ".join(name.split()),)).rowcount > 0

    def rename_speakers(self, call_id: str, renames: dict[str, str], rep: str | None,
                        speakers: dict) -> int:
        """Give a stored call's speakers new names (``{old: new}``; the one named ``rep`` is
        on the rep side, the others the buyer's) and store its new speakers note; returns the
        turns changed. Turn boundaries stay: each speaker keeps their turns."""
        with self.transaction() as db:
            rows = db.execute("SELECT idx, speaker FROM turns WHERE call_id=?",
                              (call_id,)).fetchall()
            changed = 0
            for row in rows:
                name = renames.get(row["speaker"], row["speaker"])
                side = "rep" if rep and name.lower() == rep.lower() else "buyer"
                changed += db.execute(
                    "UPDATE turns SET speaker=?, side=? WHERE call_id=? AND idx=? AND"
                    " (speaker IS NOT ? OR side IS NOT ?)",
                    (name, side, call_id, row["idx"], name, side)).rowcount
            note, voices = _speakers_columns(speakers)
            db.execute("UPDATE calls SET speakers=?, voices=COALESCE(?, voices) WHERE call_id=?",
                       (note, voices, call_id))
        return changed

    def calls_without_rep_side(self) -> set[str]:
        """Calls none of whose turns is on the rep side (every line read as the buyer's)."""
        rows = self.db.execute("SELECT call_id FROM calls WHERE call_id NOT IN"
                               " (SELECT DISTINCT call_id FROM turns WHERE side='rep')")
        return {r[0] for r in rows}

    def call_voices(self, call_id: str) -> dict[str, list[float]]:
        """The voice prints of a diarized call's speakers (by their ``speaker-N`` label)."""
        row = self.db.execute("SELECT voices FROM calls WHERE call_id=?", (call_id,)).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def set_deal(self, call_id: str, deal: str, outcome: str, amount: float | None,
                 stage: str | None = None) -> list[str]:
        """Give a stored call its CRM deal: name, outcome, amount and (for an open deal) its
        stage; returns the fields that changed."""
        old = self.call_meta(call_id)
        if old is None:
            return []
        if stage is not None:  # "Negotiation/Review" -> "negotiation/review", like manifests
            stage = "_".join(stage.lower().split())
        new = {"deal": deal, "outcome": outcome, "amount": amount,
               "stage": stage if stage is not None else old.stage}
        changed = [k for k, v in new.items() if getattr(old, k) != v]
        if changed:
            with self.transaction() as db:
                db.execute("UPDATE calls SET deal=?, outcome=?, amount=?, stage=? WHERE"
                           " call_id=?", (deal, outcome, amount, new["stage"], call_id))
        return changed

    def call_with_hash(self, content_hash: str) -> str | None:
        row = self.db.execute(
            "SELECT call_id FROM calls WHERE content_hash=?", (content_hash,)
        ).fetchone()
        return row[0] if row else None

    def save_call(self, call: Call, file: str | None = None) -> str:
        """Store a call and its turns atomically; returns ``"stored"`` or ``"replaced"``."""
        m = call.meta
        with self.transaction() as db:
            old = db.execute("SELECT amount, deal FROM calls WHERE call_id=?",
                             (m.call_id,)).fetchone()
            amount = m.amount if m.amount is not None else (old["amount"] if old else None)
            deal = m.deal or (old["deal"] if old else None)  # CRM data survives a re-read
            existed = db.execute("DELETE FROM calls WHERE call_id=?", (m.call_id,)).rowcount > 0
            db.execute(
                "INSERT INTO calls (call_id, source, content_hash, kind, file, date, rep, account,"
                " stage, outcome, segment, duration, language, ingested_at, speakers, voices,"
                " amount, deal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (m.call_id, call.source, call.content_hash, call.kind, file, _iso(m.date), m.rep,
                 m.account, m.stage, m.outcome, m.segment, call.duration, call.language,
                 time.time(), *_speakers_columns(call.speakers), amount, deal),
            )
            db.executemany(
                'INSERT INTO turns (call_id, idx, speaker, side, start, "end", text, words)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (m.call_id, t.index, t.speaker, t.side, t.start, t.end, t.text,
                     json.dumps([[w.start, w.end, w.text, w.probability] for w in t.words])
                     if t.words else None)
                    for t in call.turns
                ],
            )
        return "replaced" if existed else "stored"

    def _call_meta(self, row: sqlite3.Row) -> CallMeta:
        return CallMeta(
            call_id=row["call_id"], date=_date(row["date"]), rep=row["rep"],
            account=row["account"], stage=row["stage"], outcome=row["outcome"],
            segment=row["segment"], amount=row["amount"], deal=row["deal"],
        )

    def calls(self) -> list[Call]:
        """Every stored call, without turns (``turns`` is empty); ordered by date, id."""
        rows = self.db.execute("SELECT * FROM calls ORDER BY date, call_id").fetchall()
        return [self._call_from_row(r, turns=[]) for r in rows]

    def _call_from_row(self, row: sqlite3.Row, turns: list[Turn]) -> Call:
        return Call(
            meta=self._call_meta(row), source=row["source"], content_hash=row["content_hash"],
            kind=row["kind"], turns=turns, duration=row["duration"], language=row["language"],
            speakers=json.loads(row["speakers"]) if row["speakers"] else None,
        )

    def call(self, call_id: str, with_words: bool = False) -> Call:
        """One call with its turns; ``WorkspaceError`` if there is no such call."""
        row = self.db.execute("SELECT * FROM calls WHERE call_id=?", (call_id,)).fetchone()
        if row is None:
            raise WorkspaceError(f"No call '{call_id}' in {self.root}; see `callmine calls`.")
        return self._call_from_row(row, self.turns(call_id, with_words))

    def call_file(self, call_id: str) -> Path | None:
        """The kept copy of the call's original file (audio or transcript)."""
        row = self.db.execute("SELECT file FROM calls WHERE call_id=?", (call_id,)).fetchone()
        return self.file_path(row[0]) if row else None

    def turns(self, call_id: str, with_words: bool = False) -> list[Turn]:
        rows = self.db.execute(
            'SELECT idx, speaker, side, start, "end", text, words FROM turns'
            " WHERE call_id=? ORDER BY idx",
            (call_id,),
        ).fetchall()
        return [
            Turn(
                index=r["idx"], speaker=r["speaker"], side=r["side"], text=r["text"],
                start=r["start"], end=r["end"],
                words=[Word(*w) for w in json.loads(r["words"])] if with_words and r["words"] else [],
            )
            for r in rows
        ]

    # -- search over turns -------------------------------------------------------------

    def search_turns(self, query: str, limit: int = 50, call_ids: Iterable[str] | None = None,
                     side: str | None = None, every: bool = True,
                     marks: tuple[str, str] = ("[", "]")) -> list[TurnMatch]:
        """Turns whose text holds the words of ``query`` (Porter-stemmed), best bm25 first.

        Args:
            query: What the user typed; escaped for FTS5 (see :func:`fts_match`).
            limit: Most turns returned.
            call_ids: Only turns of these calls (``None``: every call).
            side: Only turns of this side (``"buyer"`` or ``"rep"``).
            every: Every word must occur in the turn (False: any word).
            marks: What the snippet puts around each matched word.
        """
        match = fts_match(query, every)
        if not match or (call_ids is not None and not (call_ids := list(call_ids))):
            return []
        sql = ("SELECT t.call_id, t.idx, t.start, snippet(turn_fts, 0, ?, ?, '…', 24),"
               " bm25(turn_fts) AS rank, t.side, t.speaker"
               " FROM turn_fts JOIN turns t ON t.rowid = turn_fts.rowid"
               " WHERE turn_fts MATCH ?")
        args: list[Any] = [marks[0], marks[1], match]
        if call_ids is not None:
            sql += " AND t.call_id IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(call_ids))
        if side is not None:
            sql += " AND t.side = ?"
            args.append(side)
        rows = self.db.execute(sql + " ORDER BY rank, t.call_id, t.idx LIMIT ?",
                               [*args, limit]).fetchall()
        return [TurnMatch(*r) for r in rows]

    def stored_turns(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], StoredTurn]:
        """The stored turns of ``(call_id, turn_index)`` pairs; pairs with no turn are left out."""
        keys = [[c, int(i)] for c, i in keys]
        if not keys:
            return {}
        rows = self.db.execute(
            "SELECT t.call_id, t.idx, t.start, t.side, t.speaker, t.text FROM turns t"
            " JOIN json_each(?) k ON t.call_id = json_extract(k.value, '$[0]')"
            " AND t.idx = json_extract(k.value, '$[1]')", (json.dumps(keys),)).fetchall()
        return {(r[0], r[1]): StoredTurn(*r) for r in rows}

    def turn_index_problems(self) -> list[str]:
        """Differences between the turns and their FTS5 rows (empty: in line)."""
        missing = self.db.execute(
            "SELECT t.call_id, t.idx FROM turns t WHERE NOT EXISTS (SELECT 1 FROM turn_fts f"
            " WHERE f.rowid = t.rowid AND f.text = t.text AND f.call_id = t.call_id"
            " AND f.idx = t.idx)").fetchall()
        extra = self.db.execute(
            "SELECT f.call_id, f.idx FROM turn_fts f WHERE NOT EXISTS"
            " (SELECT 1 FROM turns t WHERE t.rowid = f.rowid)").fetchall()
        return ([f"missing from the index: {c}#{i}" for c, i in missing]
                + [f"not in turns: {c}#{i}" for c, i in extra])

    def rebuild_turn_index(self) -> int:
        """Write the turns' FTS5 rows again from the ``turns`` table; returns the turns."""
        with self.transaction() as db:
            db.execute("DELETE FROM turn_fts")
            return db.execute("INSERT INTO turn_fts (rowid, text, call_id, idx, start)"
                              " SELECT rowid, text, call_id, idx, start FROM turns").rowcount

    def call_fingerprints(self) -> dict[str, str]:
        """Every stored call's fingerprint (:data:`CALL_FINGERPRINT`)."""
        return dict(self.db.execute(f"SELECT call_id, {CALL_FINGERPRINT} FROM calls").fetchall())

    def turn_vector_calls(self) -> dict[str, str]:
        """The calls whose turns the ``turns`` vector collection holds, at their fingerprint."""
        return dict(self.db.execute("SELECT call_id, fingerprint FROM turn_vectors").fetchall())

    def mark_turn_vectors(self, stored: dict[str, str], dropped: Iterable[str] = ()) -> None:
        """Record calls whose turn vectors were written (``{call_id: fingerprint}``) and
        calls whose vectors were deleted."""
        with self.transaction() as db:
            db.executemany("DELETE FROM turn_vectors WHERE call_id=?", [(c,) for c in dropped])
            db.executemany("INSERT OR REPLACE INTO turn_vectors (call_id, fingerprint)"
                           " VALUES (?, ?)", list(stored.items()))

    # -- assets --------------------------------------------------------------------------

    def asset_hash(self, asset_id: str) -> str | None:
        """Hash of a completely stored asset, or None."""
        row = self.db.execute(
            f"SELECT content_hash FROM assets WHERE asset_id=? AND {COMPLETE}", (asset_id,)
        ).fetchone()
        return row[0] if row else None

    def asset_with_hash(self, content_hash: str) -> str | None:
        row = self.db.execute(
            f"SELECT asset_id FROM assets WHERE content_hash=? AND {COMPLETE}",
            (content_hash,),
        ).fetchone()
        return row[0] if row else None

    def save_asset(self, asset: Asset, file: str | None = None) -> str:
        """Store an asset's rows and passage vectors; returns ``"stored"`` or ``"replaced"``.

        Two-phase: the row goes in as ``pending``, vectors are replaced, then the passages and
        the ``complete`` status are written in one transaction.
        """
        m = asset.meta
        texts = [chunk_embedding_text(m.title, c) for c in asset.chunks]
        vectors = self.embedder.embed(texts) if texts else None
        with self._own_content_write():
            return self._save_asset(asset, file, vectors)

    def _save_asset(self, asset: Asset, file: str | None, vectors) -> str:
        m = asset.meta
        with self.transaction() as db:
            existed = db.execute(
                "SELECT 1 FROM assets WHERE asset_id=?", (m.asset_id,)
            ).fetchone() is not None
            db.execute(
                "INSERT INTO assets (asset_id, source, content_hash, status, file, title, type, url,"
                " audience, stage, public, published, ingested_at)"
                " VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(asset_id) DO UPDATE SET status='pending'",
                (m.asset_id, asset.source, asset.content_hash, file, m.title, m.type, m.url,
                 m.audience, m.stage, int(m.public), _iso(m.published), time.time()),
            )
            fts_drop_asset(db, m.asset_id)  # out of keyword search while it is pending
        self._check_room(len(asset.chunks), vectors)
        collection = self.collection(PASSAGES)
        collection.delete(where={"asset_id": m.asset_id})
        if asset.chunks:
            collection.add(
                ids=[c.chunk_id for c in asset.chunks],
                embeddings=vectors,
                documents=[c.text for c in asset.chunks],
                metadatas=[self._chunk_metadata(m, c) for c in asset.chunks],
            )
        with self.transaction() as db:
            db.execute("DELETE FROM chunks WHERE asset_id=?", (m.asset_id,))
            db.execute(
                "UPDATE assets SET source=?, content_hash=?, status='complete', file=?, title=?,"
                " type=?, url=?, audience=?, stage=?, public=?, published=?, ingested_at=?"
                " WHERE asset_id=?",
                (asset.source, asset.content_hash, file, m.title, m.type, m.url, m.audience,
                 m.stage, int(m.public), _iso(m.published), time.time(), m.asset_id),
            )
            db.executemany(
                "INSERT INTO chunks (chunk_id, asset_id, idx, text, heading_path, page, slide)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(c.chunk_id, m.asset_id, c.index, c.text, json.dumps(c.heading_path), c.page,
                  c.slide) for c in asset.chunks],
            )
            fts_index_asset(db, m.asset_id)
        return "replaced" if existed else "stored"

    def _check_room(self, passages: int, vectors: Any) -> None:
        """:class:`DiskFullError` when an embedded Chroma write of ``passages`` vectors would
        leave less than :data:`CHROMA_RESERVE_MB` free (see there)."""
        if self._chroma_injected:
            return
        width = int(getattr(vectors, "shape", (0, 384))[-1]) if passages else 0
        need = CHROMA_RESERVE_MB * 2**20 + passages * (width * 4 + 4096) * 4
        try:
            free = shutil.disk_usage(self.root).free
        except OSError:
            return
        if free < need:
            raise DiskFullError(f"disk full: {free / 2**20:.1f} MB free where the workspace is "
                                f"({self.root}), {need / 2**20:.1f} MB needed for the passage "
                                "vectors")

    @staticmethod
    def _chunk_metadata(meta: AssetMeta, chunk: Chunk) -> dict[str, Any]:
        data = {
            "asset_id": meta.asset_id, "index": chunk.index, "title": meta.title,
            "type": meta.type, "public": bool(meta.public), "stage": meta.stage,
            "audience": meta.audience, "heading": " > ".join(chunk.heading_path),
            "page": chunk.page, "slide": chunk.slide,
        }
        return {k: v for k, v in data.items() if v is not None}

    def assets(self) -> list[AssetMeta]:
        """Metadata of every completely stored asset, ordered by id."""
        rows = self.db.execute(
            f"SELECT * FROM assets WHERE {COMPLETE} ORDER BY asset_id"
        ).fetchall()
        return [self._asset_meta(r) for r in rows]

    @staticmethod
    def _asset_meta(row: sqlite3.Row) -> AssetMeta:
        return AssetMeta(
            asset_id=row["asset_id"], title=row["title"], type=row["type"] or "other",
            url=row["url"], audience=row["audience"], stage=row["stage"],
            public=bool(row["public"]), published=_date(row["published"]),
        )

    def update_asset_meta(self, meta: AssetMeta) -> list[str]:
        """Replace a stored asset's metadata (title, type, url, audience, stage, public,
        published) with ``meta``; returns the fields that changed (none: nothing written).

        The passages' vector-store metadata follows; a new title is part of every passage's
        embedded text, so its passages are embedded again. Unknown asset: ``WorkspaceError``.
        """
        old = self.asset_meta(meta.asset_id)
        fields = ("title", "type", "url", "audience", "stage", "public", "published")
        changed = [f for f in fields if getattr(old, f) != getattr(meta, f)]
        if not changed:
            return []
        chunks = self.chunks(meta.asset_id)
        with self._own_content_write():
            collection = self.collection(PASSAGES)
            ids = [c.chunk_id for c in chunks]
            metadatas = [self._chunk_metadata(meta, c) for c in chunks]
            if "title" in changed and chunks:
                vectors = self.embedder.embed([chunk_embedding_text(meta.title, c)
                                               for c in chunks])
                self._check_room(len(chunks), vectors)
                collection.upsert(ids=ids, embeddings=vectors,
                                  documents=[c.text for c in chunks], metadatas=metadatas)
            elif chunks:
                collection.update(ids=ids, metadatas=metadatas)
            with self.transaction() as db:
                db.execute("UPDATE assets SET title=?, type=?, url=?, audience=?, stage=?,"
                           " public=?, published=?, ingested_at=? WHERE asset_id=?",
                           (meta.title, meta.type, meta.url, meta.audience, meta.stage,
                            int(meta.public), _iso(meta.published), time.time(),
                            meta.asset_id))
                fts_index_asset(db, meta.asset_id)  # the title is indexed with each passage
        return changed

    def asset_meta(self, asset_id: str) -> AssetMeta:
        """A stored asset's metadata, without its passages; ``WorkspaceError`` if none."""
        return self._asset_meta(self._asset_row(asset_id))

    def asset(self, asset_id: str) -> Asset:
        row = self._asset_row(asset_id)
        return Asset(self._asset_meta(row), row["source"], row["content_hash"],
                     self.chunks(asset_id))

    def _asset_row(self, asset_id: str) -> sqlite3.Row:
        row = self.db.execute(
            f"SELECT * FROM assets WHERE asset_id=? AND {COMPLETE}", (asset_id,)
        ).fetchone()
        if row is None:
            raise WorkspaceError(f"No asset '{asset_id}' in {self.root}.")
        return row

    def chunks(self, asset_id: str | None = None, ids: Iterable[str] | None = None) -> list[Chunk]:
        """Passages of one asset, of the given ids, or of every complete asset."""
        sql = f"SELECT c.* FROM chunks c JOIN assets a USING (asset_id) WHERE a.{COMPLETE}"
        args: list[Any] = []
        if asset_id is not None:
            sql += " AND c.asset_id=?"
            args.append(asset_id)
        if ids is not None:
            ids = list(ids)
            sql += f" AND c.chunk_id IN ({','.join('?' * len(ids))})"
            args.extend(ids)
        rows = self.db.execute(sql + " ORDER BY c.asset_id, c.idx", args).fetchall()
        return [
            Chunk(chunk_id=r["chunk_id"], asset_id=r["asset_id"], index=r["idx"], text=r["text"],
                  heading_path=json.loads(r["heading_path"]), page=r["page"], slide=r["slide"])
            for r in rows
        ]

    # -- messaging -----------------------------------------------------------------------

    def save_messaging(self, messaging: Messaging, source: str, content_hash: str) -> str:
        with self.transaction() as db:
            existed = db.execute("DELETE FROM messaging").rowcount > 0
            db.execute(
                "INSERT INTO messaging (id, content_hash, source, data, ingested_at)"
                " VALUES (1, ?, ?, ?, ?)",
                (content_hash, source, messaging.model_dump_json(), time.time()),
            )
        return "replaced" if existed else "stored"

    def messaging_hash(self) -> str | None:
        row = self.db.execute("SELECT content_hash FROM messaging").fetchone()
        return row[0] if row else None

    def messaging(self) -> Messaging | None:
        """The ingested messaging, or None if none was ingested."""
        from ingest.messaging import Messaging

        row = self.db.execute("SELECT data FROM messaging").fetchone()
        return Messaging.model_validate_json(row[0]) if row else None

    # -- removal -------------------------------------------------------------------------

    def remove_call(self, call_id: str) -> bool:
        """Delete a call, its turns and its kept copy; False when there is no such call.
        Its insights go at the next analysis (``insights.analysis.Analyzer.run``)."""
        with self.transaction() as db:
            row = db.execute("SELECT file FROM calls WHERE call_id=?", (call_id,)).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM calls WHERE call_id=?", (call_id,))
        self._drop_copy(row["file"])
        return True

    def remove_asset(self, asset_id: str) -> bool:
        """Delete an asset, its passages, their vectors and its kept copy; False when there is
        no such asset. Marked pending first (and out of the keyword index), so a removal killed
        half-way is finished by :meth:`recover`. The sentence vectors follow at the next
        ``rag.index_content``."""
        with self._own_content_write():
            return self._remove_asset(asset_id)

    def _remove_asset(self, asset_id: str) -> bool:
        with self.transaction() as db:
            row = db.execute("SELECT file FROM assets WHERE asset_id=?", (asset_id,)).fetchone()
            if row is None:
                return False
            db.execute("UPDATE assets SET status='pending' WHERE asset_id=?", (asset_id,))
            fts_drop_asset(db, asset_id)
        self.collection(PASSAGES).delete(where={"asset_id": asset_id})
        with self.transaction() as db:
            db.execute("DELETE FROM assets WHERE asset_id=?", (asset_id,))
        self._drop_copy(row["file"])
        return True

    def _drop_copy(self, relative: str | None) -> None:
        """Delete a kept copy that no stored call or asset refers to any more."""
        if not relative:
            return
        used = self.db.execute("SELECT 1 FROM calls WHERE file=? UNION ALL SELECT 1 FROM assets"
                               " WHERE file=? LIMIT 1", (relative, relative)).fetchone()
        path = self.file_path(relative)
        if used is None and path is not None and path.is_file():
            path.unlink()

    # -- consistency ---------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Remove what a killed ingest left half-written; returns the asset ids removed."""
        pending = [r[0] for r in self.db.execute(
            "SELECT asset_id FROM assets WHERE status='pending'")]
        if pending:
            with self._own_content_write():
                collection = self.collection(PASSAGES)
                for asset_id in pending:
                    collection.delete(where={"asset_id": asset_id})
                with self.transaction() as db:
                    for asset_id in pending:
                        fts_drop_asset(db, asset_id)
                    db.executemany("DELETE FROM assets WHERE asset_id=?",
                                   [(a,) for a in pending])
            log.warning("removed %d half-ingested asset(s): %s", len(pending), ", ".join(pending))
        return pending

    def stats(self) -> dict[str, int]:
        """Counts of stored records, and of passage vectors in Chroma."""
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "calls": one("SELECT COUNT(*) FROM calls"),
            "turns": one("SELECT COUNT(*) FROM turns"),
            "assets": one(f"SELECT COUNT(*) FROM assets WHERE {COMPLETE}"),
            "chunks": one("SELECT COUNT(*) FROM chunks"),
            "vectors": self.collection(PASSAGES).count(),
        }


def http_chroma_client(url: str) -> chromadb.ClientAPI:
    """A client for a Chroma server (``chroma run``) at ``http(s)://host:port``."""
    from urllib.parse import urlparse

    import chromadb

    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InputError(
            f"CALLMINE_CHROMA_URL must look like http://host:8000, got {url!r}."
        )
    return chromadb.HttpClient(
        host=parsed.hostname,
        port=parsed.port or (443 if parsed.scheme == "https" else 8000),
        ssl=parsed.scheme == "https",
        settings=chromadb.Settings(anonymized_telemetry=False),
    )
