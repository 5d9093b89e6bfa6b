"""The consistency report for people: text for the terminal, Markdown for a file."""

from __future__ import annotations

from collections import Counter

from rag.consistency.records import KINDS, SEVERITIES, ConsistencyReport, Finding

TITLES = {
    "conflict": "Conflicts with the fact book",
    "entity_variant": "Undeclared name variants",
    "drift": "Messaging drift",
    "geo": "GEO readiness",
    "missing_answer": "Objections no public page answers",
}


def ordered(findings: list[Finding]) -> list[Finding]:
    """Findings by kind (contract order), severity (high first), source and location."""
    return sorted(findings, key=lambda f: (KINDS.index(f.kind), SEVERITIES.index(f.severity),
                                           f.source, f.location, f.subject))


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def report_text(report: ConsistencyReport) -> str:
    """The report as text: score, findings grouped by kind (severity first), source scores."""
    counts = Counter(f.severity for f in report.findings)
    lines = [f"Consistency score: {report.score:g}/100 ({len(report.sources)} sources, "
             f"{len(report.findings)} findings: {counts['high']} high, {counts['medium']} "
             f"medium, {counts['low']} low)"]
    for kind in KINDS:
        group = ordered(report.by_kind(kind))
        if not group:
            continue
        lines += ["", f"{TITLES[kind].upper()} ({len(group)})"]
        for f in group:
            where = f.source + (f" · {f.location}" if f.location else "")
            lines.append(f"  [{f.severity:<6}] {f.subject}: {_cut(f.found, 60)!r}"
                         + (" (llm)" if f.method == "llm" else ""))
            lines.append(f"           expected: {_cut(f.expected, 100)}")
            lines.append(f"           at: {where}")
            if f.quote:
                lines.append(f"           \"{_cut(f.quote, 110)}\"")
    if report.sources:
        lines += ["", "SOURCES (lowest score first)"]
        for s in sorted(report.sources, key=lambda s: (s.score, s.source)):
            tag = "call" if s.kind == "call" else "public" if s.public else "internal"
            drift = f"  drift alignment {s.drift:.2f}" if s.drift is not None else ""
            lines.append(f"  {s.score:5.0f}  {s.source:<36} {tag:<8} {s.findings:>2} findings"
                         f"{drift}")
    for note in report.notes:
        lines.append(f"note: {note}")
    if not report.findings:
        lines.insert(1, "No inconsistencies found.")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def report_markdown(report: ConsistencyReport) -> str:
    """The report as a Markdown document (``callmine consistency --report FILE.md``).

    Example:
        >>> print(report_markdown(ConsistencyReport(score=100.0)).splitlines()[0])
        # Messaging consistency and GEO readiness
    """
    counts = Counter((f.kind, f.severity) for f in report.findings)
    out = ["# Messaging consistency and GEO readiness", "",
           f"**Score: {report.score:g}/100** over {len(report.sources)} sources"
           + (" (public sources only)" if report.public_only else "") + ".", "",
           "| Kind | High | Medium | Low |", "|---|---:|---:|---:|"]
    for kind in KINDS:
        out.append(f"| {TITLES[kind]} | " + " | ".join(str(counts[(kind, s)])
                                                      for s in SEVERITIES) + " |")
    for kind in KINDS:
        group = ordered(report.by_kind(kind))
        if not group:
            continue
        out += ["", f"## {TITLES[kind]} ({len(group)})", "",
                "| Severity | Subject | Found | Expected | Source | Location | Quote |",
                "|---|---|---|---|---|---|---|"]
        for f in group:
            found = _cell(f.found) + (" *(llm)*" if f.method == "llm" else "")
            out.append(f"| {f.severity} | {_cell(f.subject)} | {found} | {_cell(f.expected)} | "
                       f"`{_cell(f.source)}` | {_cell(f.location)} | {_cell(f.quote)} |")
    if report.sources:
        out += ["", "## Sources", "", "| Source | Kind | Score | Findings | Drift alignment |",
                "|---|---|---:|---:|---:|"]
        for s in sorted(report.sources, key=lambda s: (s.score, s.source)):
            tag = "call" if s.kind == "call" else "public" if s.public else "internal"
            drift = f"{s.drift:.2f}" if s.drift is not None else ""
            out.append(f"| `{_cell(s.source)}` | {tag} | {s.score:g} | {s.findings} | {drift} |")
    out += ["", "## How the score is computed", "",
            "Each source starts at 100 and loses 25 per high, 10 per medium and 3 per low "
            "finding (floored at 0). The overall score is the mean of the source scores, public "
            "assets counting twice, minus the penalties of objections no public page answers "
            "(at most 20 points)."]
    if report.notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in report.notes]
    return "\n".join(out) + "\n"


__all__ = ["TITLES", "ordered", "report_markdown", "report_text"]
