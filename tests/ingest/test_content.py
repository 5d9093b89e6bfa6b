"""Content readers (md, html, pdf, docx, pptx, txt) and passage chunking."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.content import CONTENT_EXTENSIONS, Chunker, read_document
from ingest.errors import CorruptFileError, UnsupportedFileError
from ingest.records import Document, Section

DATA = Path(__file__).resolve().parents[1] / "data" / "content"


def outline(doc: Document) -> list[tuple[list[str], int | None, int | None, str]]:
    return [(s.heading_path, s.page, s.slide, s.text) for s in doc.sections]


def all_text(doc: Document) -> str:
    return "\n".join(s.text for s in doc.sections)


@pytest.fixture()
def docx_file(tmp_path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("Vantora Battle Card", style="Title")
    d.add_paragraph("Use this card against legacy AP tools.")
    d.add_heading("Why we win", level=1)
    d.add_paragraph("Native two-way ERP sync.", style="List Bullet")
    d.add_paragraph("Live in 30 days.", style="List Bullet")
    d.add_heading("Pricing", level=2)
    table = d.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "Plan", (0, 1): "Price", (1, 0): "Core", (1, 1): "$1,500"}.items():
        table.cell(r, c).text = text
    d.add_heading("Objections", level=1)
    d.add_paragraph("Too expensive? Show the payback model.")
    path = tmp_path / "card.docx"
    d.save(path)
    return path


@pytest.fixture()
def pptx_file(tmp_path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = "Vantora Overview"
    slide.placeholders[1].text = "Accounts payable automation"
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Security"
    frame = slide.placeholders[1].text_frame
    frame.text = "SOC 2 Type II"
    frame.add_paragraph().text = "ISO 27001"
    slide.notes_slide.notes_text_frame.text = "Mention the pen test report."
    prs.slides.add_slide(prs.slide_layouts[6])  # an empty slide
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Pricing"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for (r, c), text in {(0, 0): "Plan", (0, 1): "Price", (1, 0): "Core", (1, 1): "$1,500"}.items():
        table.cell(r, c).text = text
    path = tmp_path / "deck.pptx"
    prs.save(path)
    return path


def test_extensions():
    assert CONTENT_EXTENSIONS == (".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".pptx",
                                  ".txt")


# -- readers ----------------------------------------------------------------------------------


def test_markdown_headings_inline_syntax_lists_tables_and_front_matter():
    doc = read_document(DATA / "pricing.md")
    assert doc.title == "Pricing FAQ" and doc.source == str(DATA / "pricing.md")
    assert outline(doc) == [
        ([], None, None, "Vantora pricing is simple: one platform fee, see the pricing page."),
        (["How much does it cost?"], None, None,
         "Pricing starts at $1,500 per month for up to three entities. Annual plans include "
         "implementation, training and support.\n\n"
         "- Up to 3 entities\n- Unlimited users and approvers\n"
         "1. Sign the order form\n2. Meet your implementation manager\n\n"
         "Plan | Price\nCore | $1,500\nPlus | $2,400"),
        (["Security", "Encryption"], None, None,
         "Data is encrypted at rest (AES-256) and in transit (TLS 1.3). snake_case_names stay "
         "*as is*.\n\nCustomers keep their own keys on the Plus plan.\n\n"
         '# not a heading\nprint("hi")'),
        (["Setext heading"], None, None, "Setext body text."),
    ]
    text = all_text(doc)
    for leftover in ("layout:", "internal", "](", "**", "chart.png", "|---", "```"):
        assert leftover not in text


def test_markdown_front_matter_title_wins(tmp_path):
    path = tmp_path / "a.markdown"
    path.write_text("---\ntitle: From front matter\n---\n# Heading one\n\nBody.\n")
    doc = read_document(path)
    assert doc.title == "From front matter"
    assert outline(doc) == [(["Heading one"], None, None, "Body.")]


def test_html_drops_chrome_and_keeps_clean_structured_text():
    doc = read_document(DATA / "page.html")
    h1 = "How Globex closes the books four days faster"
    assert doc.title == "Customer story: Globex | Vantora"
    assert outline(doc) == [
        ([h1], None, None,
         "Globex, a mid-market distributor, replaced paper invoices with Vantora Ledger & "
         "Connect."),
        ([h1, "The challenge"], None, None,
         "Invoices arrived by email and post.\n\nApprovals took two weeks.\n\n"
         "- 3,000 invoices a month\n- Two ERPs:\n- NetSuite\n- Sage Intacct"),
        ([h1, "The results"], None, None, "Metric | Before | After\nClose | 9 days | 5 days"),
    ]
    text = all_text(doc)
    for dropped in ("tracking", "Vantora home", "Pricing", "comment", "Hidden", "Subscribe",
                    "JavaScript", "chart label", "Related", "rights reserved", "<", "&amp;",
                    "\xa0"):
        assert dropped not in text


def test_html_title_falls_back_to_the_first_h1(tmp_path):
    path = tmp_path / "p.htm"
    path.write_text("<h1>Vantora &amp; NetSuite</h1><p>Two-way sync.</p>")
    doc = read_document(path)
    assert doc.title == "Vantora & NetSuite"
    assert outline(doc) == [([], None, None, "Two-way sync.")]


def test_pdf_one_section_per_page_with_clean_text():
    doc = read_document(DATA / "two-pages.pdf")
    assert doc.title == "Vantora Security Overview"
    assert outline(doc) == [
        ([], 1, None, "Security overview\nVantora encrypts all invoice data at rest with AES-256 "
                      "and in transit with TLS 1.3. Access is logged and reviewed every quarter."),
        ([], 2, None, "Compliance\nVantora is SOC 2 Type II certified and ISO 27001 certified.\n"
                      "Audit reports are available under NDA."),
    ]


def test_encrypted_pdf():
    with pytest.raises(CorruptFileError, match=r"^encrypted\.pdf: the PDF is encrypted; export an "
                       r"unencrypted copy"):
        read_document(DATA / "encrypted.pdf")


def test_image_only_pdf():
    with pytest.raises(CorruptFileError, match=r"^image-only\.pdf: the PDF has no text layer "
                       r"\(scanned or image-only\?\); run OCR first"):
        read_document(DATA / "image-only.pdf")


def test_damaged_pdf(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes((DATA / "two-pages.pdf").read_bytes()[:300])
    with pytest.raises(CorruptFileError, match=r"^broken\.pdf: not a readable PDF \("):
        read_document(path)


def test_docx_headings_lists_and_tables(docx_file):
    doc = read_document(docx_file)
    assert doc.title == "Vantora Battle Card"
    assert outline(doc) == [
        ([], None, None, "Use this card against legacy AP tools."),
        (["Why we win"], None, None, "- Native two-way ERP sync.\n- Live in 30 days."),
        (["Why we win", "Pricing"], None, None, "Plan | Price\nCore | $1,500"),
        (["Objections"], None, None, "Too expensive? Show the payback model."),
    ]


def test_docx_core_title_wins(docx_file):
    import docx

    d = docx.Document(docx_file)
    d.core_properties.title = "Battle card: legacy AP"
    d.save(docx_file)
    doc = read_document(docx_file)
    assert doc.title == "Battle card: legacy AP"
    assert doc.sections[0].heading_path == ["Vantora Battle Card"]


def test_pptx_slides_titles_tables_and_notes(pptx_file):
    doc = read_document(pptx_file)
    assert doc.title == "Vantora Overview"
    assert outline(doc) == [
        ([], None, 1, "Accounts payable automation"),
        (["Security"], None, 2, "SOC 2 Type II\nISO 27001\n\nMention the pen test report."),
        (["Pricing"], None, 4, "Plan | Price\nCore | $1,500"),
    ]


@pytest.mark.parametrize("name", ["old.docx", "old.pptx"])
def test_office_file_that_is_not_a_zip(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0 an old binary office file")
    with pytest.raises(CorruptFileError, match=rf"^{name.replace('.', '[.]')}: not a "
                       r"(Word|PowerPoint) \(\.(docx|pptx)\) file \(it is not a ZIP package\)"):
        read_document(path)


def test_office_zip_that_is_not_a_document(tmp_path):
    path = tmp_path / "fake.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(CorruptFileError, match=r"^fake\.docx: not a readable Word \(\.docx\) file "
                       r"\(.+\)\. Open it and save it again as \.docx\.$"):
        read_document(path)


def test_txt_title_and_paragraphs():
    doc = read_document(DATA / "notes.txt")
    assert doc.title == "Implementation guide"
    assert outline(doc) == [([], None, None,
                             "A typical customer is live in 30 days. Each customer gets a named "
                             "implementation manager who runs the project plan.\n\n"
                             "Steps:\n- Connect your ERP\n- Import vendors\n- Train approvers")]


def test_title_falls_back_to_the_file_stem(tmp_path):
    path = tmp_path / "battle-card.md"
    path.write_text("## Only a second-level heading\n\nText.\n")
    assert read_document(path).title == "battle-card"


# -- reader errors ----------------------------------------------------------------------------


def test_unknown_extension():
    with pytest.raises(UnsupportedFileError, match=r"^Expected a \.md/\.markdown/\.html/\.htm/"
                       r"\.pdf/\.docx/\.pptx/\.txt document, got 'sheet\.xlsx'\.$"):
        read_document(Path("sheet.xlsx"))


@pytest.mark.parametrize("name", ["e.md", "e.pdf", "e.docx", "e.html"])
def test_empty_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    pattern = rf"^{name.replace('.', '[.]')}: the file is empty\.$"
    with pytest.raises(CorruptFileError, match=pattern):
        read_document(tmp_path / name)


def test_non_utf8_text(tmp_path):
    (tmp_path / "l.md").write_bytes("# Caf\xe9\n".encode("cp1252"))
    with pytest.raises(CorruptFileError, match=r"^l\.md: not UTF-8 text \(byte 0xe9 at position 5"):
        read_document(tmp_path / "l.md")


def test_html_without_text(tmp_path):
    (tmp_path / "s.html").write_text("<html><script>var a = 1;</script><nav>Menu</nav></html>")
    with pytest.raises(CorruptFileError, match=r"^s\.html: no readable text found"):
        read_document(tmp_path / "s.html")


# -- chunking ---------------------------------------------------------------------------------


def words(text: str) -> int:
    return len(text.split())


def long_text(paragraphs: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    vocab = ["invoice", "approval", "vendor", "payment", "ledger", "close", "audit", "team",
             "finance", "export", "sync"]

    def sentence() -> str:
        return " ".join(rng.choice(vocab) for _ in range(rng.randint(8, 25))).capitalize() + "."

    return "\n\n".join(" ".join(sentence() for _ in range(rng.randint(2, 6)))
                       for _ in range(paragraphs))


def test_chunk_ids_indexes_and_fields():
    doc = read_document(DATA / "two-pages.pdf")
    chunks = Chunker().run(doc, "sec-overview")
    assert [(c.chunk_id, c.index, c.asset_id, c.page) for c in chunks] == [
        ("sec-overview#0", 0, "sec-overview", 1), ("sec-overview#1", 1, "sec-overview", 2)]
    assert chunks[0].text == doc.sections[0].text  # tiny pages never merge across pages


def test_long_section_splits_at_boundaries_within_bounds():
    text = long_text(25)
    chunks = Chunker().run(Document("x", "T", [Section(text, ["Long"])]), "a")
    sizes = [words(c.text) for c in chunks]
    assert sum(sizes) == words(text)
    assert all(60 <= n <= 300 for n in sizes), sizes
    assert all(c.heading_path == ["Long"] for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)  # sentence or paragraph boundaries
    assert " ".join(c.text for c in chunks).split() == text.split()


def test_chunker_settings_are_respected():
    text = long_text(10)
    chunks = Chunker(target_words=50, max_words=80, min_words=20).run(
        Document("x", "T", [Section(text)]), "a")
    assert len(chunks) > 3 and all(words(c.text) <= 80 for c in chunks)
    with pytest.raises(ValueError, match="0 < min_words <= target_words <= max_words"):
        Chunker(target_words=400, max_words=300)


def test_tiny_sections_merge_under_their_parent_with_inline_headings():
    doc = Document("x", "T", [
        Section("Security matters to finance teams.", ["Security"]),
        Section("AES-256 at rest, TLS 1.3 in transit.", ["Security", "Encryption"]),
        Section("SSO with SAML and SCIM provisioning.", ["Security", "Access"]),
        Section(long_text(3, seed=2), ["Pricing"]),
    ])
    chunks = Chunker().run(doc, "a")
    assert [(c.heading_path, c.text.split("\n")[:2]) for c in chunks[:1]] == [
        (["Security"], ["Security matters to finance teams.", ""])]
    assert chunks[0].text == ("Security matters to finance teams.\n\n"
                              "Encryption\nAES-256 at rest, TLS 1.3 in transit.\n\n"
                              "Access\nSSO with SAML and SCIM provisioning.")
    assert chunks[1].heading_path == ["Pricing"]


def test_a_tiny_tail_section_joins_the_previous_passage():
    text = long_text(25)
    doc = Document("x", "T", [Section(text, ["Long"]), Section("Short note.", ["Long", "Note"])])
    chunks = Chunker().run(doc, "a")
    assert chunks[-1].text.endswith("\n\nNote\nShort note.")
    assert chunks[-1].heading_path == ["Long"]


def test_short_consecutive_slides_merge_with_the_first_slide_number(pptx_file):
    chunks = Chunker().run(read_document(pptx_file), "deck")
    assert [(c.chunk_id, c.slide, c.heading_path) for c in chunks] == [("deck#0", 1, [])]
    assert chunks[0].text == ("Accounts payable automation\n\nSecurity\nSOC 2 Type II\nISO 27001"
                              "\n\nMention the pen test report.\n\n"
                              "Pricing\nPlan | Price\nCore | $1,500")


def test_long_slides_stay_apart():
    doc = Document("x", "T", [Section(long_text(2, seed=s), [f"Slide {s}"], slide=s)
                              for s in (1, 2, 3)])
    assert all(60 <= words(s.text) <= 300 for s in doc.sections)
    assert [(c.slide, c.heading_path) for c in Chunker().run(doc, "d")] == [
        (1, ["Slide 1"]), (2, ["Slide 2"]), (3, ["Slide 3"])]


def test_markdown_faq_to_passages():
    doc = read_document(DATA / "pricing.md")
    chunks = Chunker().run(doc, "pricing")
    # a short document: its small sections make one passage, each keeping its headings
    assert [(c.chunk_id, c.heading_path) for c in chunks] == [("pricing#0", [])]
    assert chunks[0].text.startswith("Vantora pricing is simple: one platform fee, see the pricing "
                                     "page.\n\nHow much does it cost?\nPricing starts at $1,500")
    assert "\n\nSecurity > Encryption\nData is encrypted" in chunks[0].text
    assert chunks[0].text.endswith("\n\nSetext heading\nSetext body text.")


# -- robustness -------------------------------------------------------------------------------

_PIECES = ["# Title\n", "## Part\n", "text and more text. ", "\n", "\n\n", "- item\n", "1. one\n",
           "| a | b |\n", "|---|---|\n", "```\n", "---\n", "[link](http://x)", "**bold**",
           "<h2>H</h2>", "<p>para</p>", "<li>li</li>", "<script>x</script>", "<table><tr><td>c",
           "&amp;", "===\n", "> quote\n"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
       st.sampled_from([".md", ".html", ".txt"]))
def test_any_text_document_reads_or_fails_with_a_clear_error(tmp_path_factory, text, ext):
    path = tmp_path_factory.mktemp("fuzz") / f"d{ext}"
    path.write_text(text, encoding="utf-8")
    try:
        chunks = Chunker().run(read_document(path), "d")
    except CorruptFileError as exc:
        assert str(exc).startswith(f"d{ext}: ")
    else:
        assert chunks and [c.chunk_id for c in chunks] == [f"d#{i}" for i in range(len(chunks))]
        assert all(c.text.strip() for c in chunks)
        if ext == ".html":
            assert not any("<" in c.text or "&amp;" in c.text for c in chunks)


def test_markdown_inside_html_blocks_code_spans_autolinks_and_task_boxes(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text('# T\n\n<Banner variant="info">\nSee the [Pro plan](/p) **now**.\n</Banner>\n\n'
                    "Use `<service>.internal`, not <javascript:x()>; see <https://a.io>[^1].\n\n"
                    "* [ ] todo\n3) third\n", encoding="utf-8")
    assert outline(read_document(path)) == [
        ([], None, None, "See the Pro plan now.\n\nUse <service>.internal, not ; see https://a.io."
                         "\n\n- todo\n3) third")]


def test_markdown_brackets_past_the_link_limit_read_as_text(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# T\n\n" + "[a](u) " * 5_001 + "\n\nx " + "![" * 10 + " end", encoding="utf-8")
    text = all_text(read_document(path))
    assert text.count("a ") == 5_000 and text.endswith("a [a](u)\n\nx " + "![" * 10 + " end")
