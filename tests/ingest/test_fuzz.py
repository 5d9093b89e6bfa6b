"""Property-based tests: every importer either returns records or raises a clear InputError.

Random bytes, random Unicode text and randomly structured files (VTT/SRT cues, JSON values,
YAML structures, CSV rows) are written to a file with the importer's extension and loaded.
Any exception that is not a :class:`~ingest.errors.CallmineError` is a bug in the importer.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.content import Chunker, read_document
from ingest.errors import InputError
from ingest.manifest import read_call_manifest, read_content_manifest
from ingest.messaging import load_messaging
from ingest.records import Document, Transcript
from ingest.transcripts import build_turns, read_transcript

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(FUZZ, max_examples=25)

TRANSCRIPT_SUFFIXES = [".vtt", ".srt", ".json", ".txt"]
TEXT_CONTENT_SUFFIXES = [".md", ".markdown", ".html", ".htm", ".txt"]
BINARY_CONTENT_SUFFIXES = [".pdf", ".docx", ".pptx"]


def load(loader: Callable[[Path], Any], suffix: str, data: bytes | str) -> Any:
    """Write ``data`` to a file named ``fuzz<suffix>`` and load it.

    Returns the loader's result, or None when it refused the file with a clear InputError
    (one that names the file). Any other exception propagates and fails the test.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(raw)
        try:
            return loader(path)
        except InputError as exc:
            message = str(exc)
            assert "fuzz" in message, f"the error does not name the file: {message!r}"
            assert "Traceback" not in message
            return None


def check_transcript(result: Transcript | None) -> None:
    if result is None:
        return
    assert isinstance(result, Transcript)
    assert result.segments and all(s.text for s in result.segments)
    for seg in result.segments:
        assert seg.start is None or seg.start >= 0
        assert seg.end is None or seg.start is None or seg.end >= seg.start
    build_turns(result.segments, rep="Dana")  # the next stage takes what the importer gives


def check_document(result: Document | None) -> None:
    if result is None:
        return
    assert isinstance(result, Document)
    assert result.title and result.sections
    assert all(sec.text.strip() for sec in result.sections)
    Chunker().run(result, "fuzz")


# -- random bytes and random text, every importer ----------------------------------------------

binary = st.binary(max_size=3000)
text = st.text(max_size=1500)
# Text that looks more like the formats: their punctuation, markup and time stamps.
format_chars = st.text(
    alphabet=st.sampled_from(list("WEBVTT-->0123456789:.,[]<>/v bi&;#*_`~!()|\n\r\t\"{}'é€😀"
                                  "NOTE ")), max_size=800)


@pytest.mark.parametrize("suffix", TRANSCRIPT_SUFFIXES)
@FUZZ
@given(data=binary)
def test_transcript_random_bytes(suffix, data):
    check_transcript(load(read_transcript, suffix, data))


@pytest.mark.parametrize("suffix", TRANSCRIPT_SUFFIXES)
@FUZZ
@given(data=st.one_of(text, format_chars))
def test_transcript_random_text(suffix, data):
    check_transcript(load(read_transcript, suffix, data))


@pytest.mark.parametrize("suffix", TEXT_CONTENT_SUFFIXES)
@FUZZ
@given(data=st.one_of(binary, text, format_chars))
def test_text_content_random_input(suffix, data):
    check_document(load(read_document, suffix, data))


MAGIC = {".pdf": b"%PDF-1.4\n", ".docx": b"PK\x03\x04", ".pptx": b"PK\x03\x04"}


@pytest.mark.parametrize("suffix", BINARY_CONTENT_SUFFIXES)
@FUZZ
@given(data=binary, magic=st.booleans())
def test_binary_content_random_bytes(suffix, data, magic):
    check_document(load(read_document, suffix, (MAGIC[suffix] if magic else b"") + data))


@FUZZ
@given(data=st.one_of(binary, text, format_chars))
def test_messaging_random_input(data):
    result = load(load_messaging, ".yaml", data)
    assert result is None or result.company.name


@pytest.mark.parametrize("reader", [read_call_manifest, read_content_manifest])
@FUZZ
@given(data=st.one_of(binary, text, format_chars))
def test_manifest_random_input(reader, data):
    result = load(reader, ".csv", data)
    assert result is None or len(result) >= 0


# -- structured fuzz: valid-looking files with random parts ------------------------------------


def timestamp(sep: str) -> st.SearchStrategy[str]:
    """Mostly well-formed ``hh:mm:ss.mmm`` stamps, sometimes broken ones."""
    good = st.builds(
        lambda h, m, s, ms, hours: (f"{h:02d}:" if hours else "") + f"{m:02d}:{s:02d}{sep}{ms:03d}",
        st.integers(0, 99), st.integers(0, 59), st.integers(0, 59), st.integers(0, 999),
        st.booleans())
    odd = st.one_of(
        st.text(alphabet="0123456789:.,-", max_size=14),
        st.builds(lambda n: f"{n}:00:00{sep}000", st.integers(0, 10**30)),
        st.builds(lambda m, s: f"00:{m}:{s}{sep}000", st.integers(0, 999), st.integers(0, 999)),
    )
    return st.one_of(good, good, good, odd)


speaker = st.one_of(st.sampled_from(["Dana Whitfield", "Rep", "Speaker 1", "Ana-María", "李"]),
                    st.text(min_size=1, max_size=20))
cue_text = st.one_of(
    st.text(max_size=120),
    st.builds(lambda who, said: f"<v {who}>{said}</v>", speaker, st.text(max_size=60)),
    st.builds(lambda who, said: f"{who}: {said}", speaker, st.text(max_size=60)),
    st.builds(lambda who, said: f"[{who}] {said}", speaker, st.text(max_size=60)),
    st.sampled_from(["<b>bold</b> &amp; <i>it</i>", "<00:00:01.000>word", "<v.loud Dana>Hi",
                     "<c.yellow>x</c>", "&lt;not a tag&gt;", "<v", "<v ", "a --> b", "NOTE x"]),
)


@FUZZ
@given(cues=st.lists(st.tuples(timestamp("."), timestamp("."), st.lists(cue_text, max_size=3),
                               st.one_of(st.none(), st.text(max_size=10))), max_size=8),
       header=st.sampled_from(["WEBVTT", "WEBVTT - Teams export", "\ufeffWEBVTT", "WEBVTT\n"
                               "Kind: captions", "WEBVTT\nNOTE hi", "WEBVTTX"]),
       newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_vtt_with_random_cues(cues, header, newline):
    blocks = [header]
    for start, end, lines, ident in cues:
        blocks.append("\n".join(([ident] if ident else []) + [f"{start} --> {end}", *lines]))
    check_transcript(load(read_transcript, ".vtt", "\n\n".join(blocks).replace("\n", newline)))


@FUZZ
@given(cues=st.lists(st.tuples(st.one_of(st.integers(0, 10**6), st.text(max_size=5)),
                               timestamp(","), timestamp(","), st.lists(cue_text, max_size=3)),
                     max_size=8),
       blank=st.booleans())
def test_srt_with_random_cues(cues, blank):
    sep = "\n\n" if blank else "\n"
    body = sep.join("\n".join([str(n), f"{start} --> {end}", *lines])
                    for n, start, end, lines in cues)
    check_transcript(load(read_transcript, ".srt", body))


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=False), st.text(max_size=30),
    st.sampled_from(["00:01:02.5", "1:02", "-1", "12.5", "nan", "inf", "99:99:99"]))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20)
segment = st.fixed_dictionaries(
    {"text": st.one_of(st.text(max_size=40), json_values)},
    optional={"speaker": st.one_of(speaker, json_values),
              "start": json_scalars, "end": json_scalars,
              "words": st.one_of(json_values, st.lists(st.fixed_dictionaries(
                  {"word": st.one_of(st.text(max_size=10), json_scalars),
                   "start": json_scalars, "end": json_scalars},
                  optional={"probability": json_scalars}), max_size=3))})


@FUZZ
@given(doc=st.one_of(
    json_values,
    st.lists(segment, max_size=5),
    *(st.fixed_dictionaries({key: st.one_of(st.lists(segment, max_size=5), json_values)},
                            optional={"duration": json_scalars, "language": json_values})
      for key in ("segments", "utterances")),
))
def test_json_with_random_structure(doc):
    check_transcript(load(read_transcript, ".json", json.dumps(doc)))


@FUZZ
@given(lines=st.lists(st.one_of(
    st.builds(lambda stamp, who, said: f"[{stamp}] {who}: {said}", timestamp("."), speaker,
              st.text(max_size=40)),
    st.builds(lambda stamp, who, said: f"{stamp} {who}: {said}", timestamp(","), speaker,
              st.text(max_size=40)),
    st.builds(lambda who, said: f"{who}: {said}", speaker, st.text(max_size=40)),
    st.text(max_size=40)), max_size=10))
def test_plain_text_transcript_with_random_lines(lines):
    check_transcript(load(read_transcript, ".txt", "\n".join(lines)))


yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30),
                         st.floats(allow_nan=True), st.text(max_size=30))
yaml_values = st.recursive(yaml_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20)
entity = st.one_of(yaml_values, st.fixed_dictionaries(
    {"name": yaml_values}, optional={"aliases": st.one_of(yaml_values, st.lists(yaml_scalars))}))
item = st.one_of(yaml_values, st.fixed_dictionaries(
    {"id": yaml_scalars}, optional={"name": yaml_values, "statement": yaml_values,
                                    "claim": yaml_values, "subject": yaml_values}))
messaging_doc = st.one_of(yaml_values, st.fixed_dictionaries(
    {"company": entity},
    optional={"products": st.one_of(yaml_values, st.lists(entity, max_size=3)),
              "category": yaml_values,
              "talk_tracks": st.one_of(yaml_values, st.lists(item, max_size=3)),
              "facts": st.one_of(yaml_values, st.lists(item, max_size=3))}))


@FUZZ
@given(doc=messaging_doc, flow=st.booleans())
def test_messaging_with_random_structure(doc, flow):
    text = yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True)
    result = load(load_messaging, ".yaml", text)
    assert result is None or result.company.name


@pytest.mark.parametrize("text", [
    "company: &c {name: Acme, aliases: [*c]}\n",
    "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n"
    "company: {name: Acme}\n",  # a billion laughs: aliases that expand to 640,000 values
    "company: {name: Acme}\nfacts: [{id: " + "9" * 5000 + ", claim: x}]\n",
    "company: {name: 2024-13-45}\n", "company: {name: !!int x}\n",
    "company: " + "[" * 5000 + "]" * 5000 + "\n",
    "company: !!python/object/apply:os.system ['echo hi']\n",
    "company: {name: Acme}\n---\ncompany: {name: Two}\n",
    "? [a, b]\n: c\ncompany: {name: Acme}\n",
], ids=["recursive-alias", "billion-laughs", "huge-int", "bad-date", "bad-int-tag", "deep",
        "python-tag", "two-documents", "list-as-key"])
def test_messaging_hostile_yaml(text):
    assert load(load_messaging, ".yaml", text) is None


csv_cell = st.one_of(st.text(max_size=20), st.sampled_from(
    ["2026-01-31", "2026-13-45", "won", "Lost", "open-ish", "true", "no", "maybe", "../x.vtt",
     "a/b/c.txt", "", " ", "one_pager", "\"", "a,b", "call.vtt"]))


@pytest.mark.parametrize("reader", [read_call_manifest, read_content_manifest])
@FUZZ
@given(extra=st.lists(st.one_of(st.text(max_size=10), st.sampled_from(
           ["call_id", "asset_id", "date", "rep", "outcome", "type", "public", "published",
            "FILE", "file"])), max_size=5),
       rows=st.lists(st.lists(csv_cell, max_size=8), max_size=6),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_manifest_with_random_rows(reader, extra, rows, delimiter):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["file", *extra])
    writer.writerows(rows)
    result = load(reader, ".csv", out.getvalue())
    if result is not None:
        for key in result.rows:
            result.lookup(Path(key))


def office_package(kind: str, xml: str) -> bytes:
    """A real DOCX/PPTX (made with python-docx/pptx) with its main XML part replaced."""
    buf = io.BytesIO()
    if kind == ".docx":
        import docx

        docx.Document().save(buf)
        part = "word/document.xml"
    else:
        from pptx import Presentation

        prs = Presentation()
        prs.slides.add_slide(prs.slide_layouts[1])
        prs.save(buf)
        part = "ppt/slides/slide1.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, xml if info.filename == part else src.read(info))
    return out.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
P = ('xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
     'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"')
xml_text = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40)
docx_body = st.lists(st.one_of(
    st.builds(lambda t, style: f'<w:p>{style}<w:r><w:t>{t}</w:t></w:r></w:p>',
              xml_text.map(lambda s: s.replace("&", "&amp;").replace("<", "&lt;")),
              st.sampled_from(["", '<w:pPr><w:pStyle w:val="Heading1"/></w:pPr>',
                               '<w:pPr><w:pStyle w:val="Title"/></w:pPr>',
                               '<w:pPr><w:pStyle w:val="Nonexistent"/></w:pPr>'])),
    st.sampled_from(["<w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr>"
                     "</w:tbl>", "<w:tbl/>", "<w:tbl><w:tr/></w:tbl>", "<w:p/>", "<w:bogus/>",
                     "<w:tbl><w:tr><w:tc/></w:tr></w:tbl>", "<w:p><w:r/></w:p>",
                     '<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="99"/></w:tcPr></w:tc>'
                     '</w:tr></w:tbl>', "<w:sdt><w:sdtContent/></w:sdt>"]),
    xml_text), max_size=6)
pptx_shapes = st.lists(st.sampled_from([
    '<p:sp><p:nvSpPr><p:cNvPr id="2" name="T"/><p:cNvSpPr/><p:nvPr><p:ph type="title"/></p:nvPr>'
    '</p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:t>Title</a:t></a:r></a:p></p:txBody>'
    '</p:sp>',
    '<p:sp><p:nvSpPr><p:cNvPr id="3" name="B"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/>'
    '<p:txBody><a:bodyPr/><a:p><a:r><a:t>Body text</a:t></a:r></a:p></p:txBody></p:sp>',
    '<p:sp><p:nvSpPr><p:cNvPr id="3" name="B"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr></p:sp>',
    '<p:grpSp><p:nvGrpSpPr><p:cNvPr id="4" name="G"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
    '<p:grpSpPr/></p:grpSp>',
    '<p:sp/>', '<p:bogus/>',
    '<p:sp><p:nvSpPr><p:cNvPr id="x" name="B"/><p:cNvSpPr/><p:nvPr><p:ph type="bogus"/>'
    '</p:nvPr></p:nvSpPr><p:spPr/></p:sp>',
]), max_size=5)


@FEW
@given(body=docx_body)
def test_docx_with_random_paragraphs_and_tables(body):
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{"".join(body)}'
           '</w:body></w:document>')
    check_document(load(read_document, ".docx", office_package(".docx", xml)))


@FEW
@given(shapes=pptx_shapes)
def test_pptx_with_random_shapes(shapes):
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><p:sld {P}><p:cSld><p:spTree><p:nvGrpSpPr>'
           '<p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>'
           f'{"".join(shapes)}</p:spTree></p:cSld></p:sld>')
    check_document(load(read_document, ".pptx", office_package(".pptx", xml)))


def minimal_pdf_objects(content: bytes) -> list[bytes]:
    """The objects of a one-page PDF whose content stream is ``content`` (uncompressed)."""
    return [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources "
            b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]


pdf_ops = st.lists(st.one_of(
    st.builds(lambda t: b"BT /F1 12 Tf 72 700 Td (" + t + b") Tj ET", st.binary(max_size=30)),
    st.sampled_from([b"BT /F1 12 Tf [(a) -20 (b)] TJ ET", b"BT /F9 12 Tf (x) Tj ET", b"Q Q Q",
                     b"BT (no font) Tj ET", b"1 0 0 1 0 0 cm", b"/Im1 Do", b"BT /F1 1e999 Tf ET",
                     b"<<", b"[", b"(unclosed", b"BI /W 1 /H 1 ID x EI"]),
    st.binary(max_size=20)), max_size=8)


@FUZZ
@given(ops=pdf_ops)
def test_pdf_with_random_content_stream(ops, pdf_from_objects):
    pdf = pdf_from_objects(minimal_pdf_objects(b"\n".join(ops)))
    check_document(load(read_document, ".pdf", pdf))
