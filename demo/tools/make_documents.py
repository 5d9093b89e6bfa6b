"""Build the demo's binary content assets (PDF, DOCX, PPTX) from Markdown sources.

The text of every binary asset lives in ``demo/tools/src/<name>.md`` so it can be reviewed
and diffed; this script turns those sources into ``demo/content/<name>.<ext>``. It needs
python-docx, python-pptx and reportlab, which are not project dependencies; use a scratch
environment outside the repository::

    python3 -m venv /tmp/demo-tools
    /tmp/demo-tools/bin/pip install python-docx python-pptx reportlab
    /tmp/demo-tools/bin/python demo/tools/make_documents.py

Source format (a small Markdown subset):

- ``# Title`` — the document title (PDF metadata, DOCX core title, first slide for PPTX).
- ``## Heading`` — a section heading (DOCX Heading 1; in PPTX, a new slide and its title).
- ``### Heading`` — a sub-heading (DOCX Heading 2).
- ``- item`` — a bullet.
- ``Notes: ...`` — speaker notes for the current slide (PPTX only).
- ``<!-- pagebreak -->`` — a page break (PDF and DOCX).
- anything else — a paragraph (consecutive lines are joined).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
OUT = HERE.parent / "content"

# name -> (format, author, creation date)
DOCUMENTS: dict[str, tuple[str, str, dt.datetime]] = {
    "whitepaper-security": ("pdf", "Vantora Security Team", dt.datetime(2026, 5, 28)),
    "case-study-brightwater-health": ("pdf", "Vantora Marketing", dt.datetime(2026, 7, 22)),
    "sales-deck-2023": ("pdf", "Vantora Sales", dt.datetime(2023, 5, 10)),
    "cfo-business-case-guide": ("docx", "Vantora Marketing", dt.datetime(2026, 6, 30)),
    "implementation-plan": ("docx", "Vantora Customer Onboarding", dt.datetime(2026, 5, 14)),
    "sales-deck-2026": ("pptx", "Vantora Sales", dt.datetime(2026, 8, 18)),
    "battle-card-competitors": ("pptx", "Vantora Product Marketing", dt.datetime(2026, 8, 25)),
}


@dataclass
class Block:
    kind: str  # "h2", "h3", "p", "bullet", "notes", "pagebreak"
    text: str = ""


@dataclass
class Source:
    title: str
    blocks: list[Block] = field(default_factory=list)


def parse(path: Path) -> Source:
    """Parse one source file into a title and a flat list of blocks."""
    title = ""
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block("p", " ".join(para)))
            para.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line == "<!-- pagebreak -->":
            flush()
            blocks.append(Block("pagebreak"))
        elif line.startswith("### "):
            flush()
            blocks.append(Block("h3", line[4:].strip()))
        elif line.startswith("## "):
            flush()
            blocks.append(Block("h2", line[3:].strip()))
        elif line.startswith("# "):
            flush()
            title = line[2:].strip()
        elif line.startswith("- "):
            flush()
            blocks.append(Block("bullet", line[2:].strip()))
        elif line.startswith("Notes:"):
            flush()
            blocks.append(Block("notes", line[len("Notes:"):].strip()))
        else:
            para.append(line)
    flush()
    if not title:
        raise SystemExit(f"{path}: no '# Title' line")
    return Source(title, blocks)


def build_pdf(src: Source, out: Path, author: str, when: dt.datetime) -> None:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer
    from xml.sax.saxutils import escape

    styles = getSampleStyleSheet()
    bullet_style = ParagraphStyle("Bullet", parent=styles["BodyText"], leftIndent=18,
                                  bulletIndent=6, bulletFontName="Helvetica")
    story: list = [Paragraph(escape(src.title), styles["Title"]), Spacer(1, 0.2 * inch)]
    for block in src.blocks:
        if block.kind == "bullet":
            story.append(Paragraph(escape(block.text), bullet_style, bulletText="-"))
        elif block.kind == "h2":
            story.append(Paragraph(escape(block.text), styles["Heading1"]))
        elif block.kind == "h3":
            story.append(Paragraph(escape(block.text), styles["Heading2"]))
        elif block.kind == "p":
            story.append(Paragraph(escape(block.text), styles["BodyText"]))
        elif block.kind == "pagebreak":
            story.append(PageBreak())

    doc = SimpleDocTemplate(str(out), pagesize=LETTER, title=src.title, author=author,
                            subject=src.title, creator="demo/tools/make_documents.py",
                            invariant=1)
    doc.build(story)


def build_docx(src: Source, out: Path, author: str, when: dt.datetime) -> None:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    props = document.core_properties
    props.title = src.title
    props.author = author
    props.created = when
    props.modified = when
    props.last_modified_by = author
    document.add_heading(src.title, level=0)
    for block in src.blocks:
        if block.kind == "h2":
            document.add_heading(block.text, level=1)
        elif block.kind == "h3":
            document.add_heading(block.text, level=2)
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "p":
            document.add_paragraph(block.text)
        elif block.kind == "pagebreak":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.save(str(out))


def build_pptx(src: Source, out: Path, author: str, when: dt.datetime) -> None:
    from pptx import Presentation

    prs = Presentation()
    props = prs.core_properties
    props.title = src.title
    props.author = author
    props.created = when
    props.modified = when
    props.last_modified_by = author

    slides: list[tuple[str, list[str], list[str], list[str]]] = []  # title, bullets, paras, notes
    for block in src.blocks:
        if block.kind == "h2":
            slides.append((block.text, [], [], []))
        elif not slides:
            raise SystemExit(f"{src.title}: text before the first '## ' slide title")
        elif block.kind == "bullet":
            slides[-1][1].append(block.text)
        elif block.kind == "p":
            slides[-1][2].append(block.text)
        elif block.kind == "notes":
            slides[-1][3].append(block.text)

    for index, (title, bullets, paras, notes) in enumerate(slides):
        layout = prs.slide_layouts[0] if index == 0 else prs.slide_layouts[1]
        slide = prs.slides.add_slide(layout)
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        lines = bullets + paras
        body.text = lines[0] if lines else ""
        for line in lines[1:]:
            body.add_paragraph().text = line
        if notes:
            slide.notes_slide.notes_text_frame.text = "\n".join(notes)
    prs.save(str(out))


BUILDERS = {"pdf": build_pdf, "docx": build_docx, "pptx": build_pptx}


def main(argv: list[str]) -> int:
    names = argv or list(DOCUMENTS)
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name not in DOCUMENTS:
            print(f"unknown document '{name}'; choose from: {', '.join(DOCUMENTS)}", file=sys.stderr)
            return 2
        fmt, author, when = DOCUMENTS[name]
        source = parse(SRC / f"{name}.md")
        out = OUT / f"{name}.{fmt}"
        BUILDERS[fmt](source, out, author, when)
        print(f"wrote {out.relative_to(HERE.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
