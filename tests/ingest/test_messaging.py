"""messaging.yaml: the schema of the contract, and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import MessagingError
from ingest.messaging import Messaging, load_messaging

DEMO = Path(__file__).resolve().parents[2] / "demo" / "messaging.yaml"

GOOD = """\
company: {name: Acme, aliases: [Acme Inc., ACME Corp]}
products: [{name: Acme Flow, aliases: [AcmeFlow]}]
category: "revenue enablement platform"
owner: marketing            # unknown keys are ignored
talk_tracks:
  - id: roi
    name: "Payback in six months"
    statement: "Customers recover the cost within six months."
facts:
  - {id: uptime, claim: "Acme Flow has a 99.99% uptime SLA.", subject: Acme Flow}
  - {id: 2024, claim: "Founded in 2024."}
"""


def yaml_file(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "messaging.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_contract_example(tmp_path):
    m = load_messaging(yaml_file(tmp_path, GOOD))
    assert m.company.name == "Acme" and m.company.aliases == ["Acme Inc.", "ACME Corp"]
    assert [p.name for p in m.products] == ["Acme Flow"]
    assert m.category == "revenue enablement platform"
    assert [(t.id, t.name) for t in m.talk_tracks] == [("roi", "Payback in six months")]
    assert [(f.id, f.subject) for f in m.facts] == [("uptime", "Acme Flow"), ("2024", None)]
    assert m.all_names() == ["Acme", "Acme Inc.", "ACME Corp", "Acme Flow", "AcmeFlow"]
    assert m.talk_track("roi").statement.startswith("Customers recover")
    assert m.talk_track("nope") is None


def test_demo_messaging_round_trips_through_json():
    m = load_messaging(DEMO)
    assert m.company.name == "Vantora" and len(m.talk_tracks) == 6 and len(m.facts) == 10
    assert Messaging.model_validate_json(m.model_dump_json()) == m


def test_optional_parts_default_to_empty(tmp_path):
    m = load_messaging(yaml_file(tmp_path, "company:\n  name: Acme\n  aliases:\nproducts:\n"))
    assert (m.company.aliases, m.products, m.talk_tracks, m.facts, m.category) == (
        [], [], [], [], None)
    assert m.all_names() == ["Acme"]


@pytest.mark.parametrize(("text", "message"), [
    ("products: []\n", r"company: missing; it is required\."),
    ("company: Acme\n", r"company: expected a mapping \(key: value pairs\), found text 'Acme'\."),
    ("company: {name: Acme}\ntalk_tracks:\n  - {id: a, name: A, statement: S}\n"
     "  - {id: b, name: B, statement: S}\n  - {id: c, name: C}\n",
     r"talk_tracks\[2\]\.statement: missing; it is required\."),
    ("company: {name: Acme}\ntalk_tracks:\n  - {id: a, name: A, statement: ''}\n",
     r"talk_tracks\[0\]\.statement: expected non-empty text, found text ''\."),
    ("company: {name: Acme}\ntalk_tracks:\n  - {id: a, name: A, statement: [x]}\n",
     r"talk_tracks\[0\]\.statement: expected text, found a list\."),
    ("company: {name: Acme}\nfacts: {id: a, claim: b}\n",
     r"facts: expected a list, found a mapping\."),
    ("company: {name: Acme}\nfacts:\n  - {id: pay back, claim: b}\n",
     r"facts\[0\]\.id: expected a short id of letters, digits, '_', '-' or '\.' \(no spaces\), "
     r"found text 'pay back'\."),
    ("company: {name: Acme, aliases: [ok, 3]}\n",
     r"company\.aliases\[1\]: expected text, found a number 3\."),
    ("company: {name: Acme}\nproducts:\n  - {aliases: [x]}\n",
     r"products\[0\]\.name: missing; it is required\."),
])
def test_schema_errors_name_the_field(tmp_path, text, message):
    with pytest.raises(MessagingError, match=rf"^messaging\.yaml: {message}$"):
        load_messaging(yaml_file(tmp_path, text))


def test_several_errors_are_listed(tmp_path):
    text = "company: {}\ntalk_tracks:\n  - {}\n"
    with pytest.raises(MessagingError, match=r"^messaging\.yaml: company\.name: missing; it is "
                       r"required; talk_tracks\[0\]\.id: missing; it is required; "
                       r"talk_tracks\[0\]\.name: missing; it is required \(and 1 more\)\.$"):
        load_messaging(yaml_file(tmp_path, text))


def test_duplicate_ids(tmp_path):
    text = ("company: {name: Acme}\ntalk_tracks:\n  - {id: roi, name: A, statement: S}\n"
            "  - {id: fast, name: B, statement: S}\n  - {id: roi, name: C, statement: S}\n")
    with pytest.raises(MessagingError, match=r"^messaging\.yaml: talk_tracks\[2\]\.id: 'roi' is "
                       r"used twice \(also talk_tracks\[0\]\.id\); give each its own id\.$"):
        load_messaging(yaml_file(tmp_path, text))


def test_yaml_syntax_error_reports_the_line(tmp_path):
    text = "company:\n  name: Acme\ntalk_tracks:\n  - {id: roi, name: \"Payback, statement: x}\n"
    with pytest.raises(MessagingError, match=r"^messaging\.yaml: YAML syntax error at line 5, "
                       r"column 1: .+\. Check the indentation and quoting there\.$"):
        load_messaging(yaml_file(tmp_path, text))
    bad_indent = "company:\n  name: Acme\n aliases: [x]\n"
    with pytest.raises(MessagingError, match=r"YAML syntax error at line 3, column 2"):
        load_messaging(yaml_file(tmp_path, bad_indent))


@pytest.mark.parametrize(("text", "message"), [
    ("- company\n", r"expected a mapping with 'company', 'products', 'category', 'talk_tracks' and "
                    r"'facts', found a list\."),
    ("", r"the file is empty\."),
    ("# only a comment\n", r"expected a mapping with .+, found nothing\."),
])
def test_wrong_top_level(tmp_path, text, message):
    with pytest.raises(MessagingError, match=rf"^messaging\.yaml: {message}$"):
        load_messaging(yaml_file(tmp_path, text))


def test_not_utf8(tmp_path):
    with pytest.raises(MessagingError, match=r"^messaging\.yaml: not UTF-8 text"):
        load_messaging(yaml_file(tmp_path, "company: {name: Soci\xe9t\xe9}\n".encode("latin-1")))


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path):
    import time

    path = tmp_path / "messaging.yaml"
    path.write_text("company: {name: Vantora}\n" + BOMB)
    t = time.perf_counter()
    with pytest.raises(MessagingError, match=r"aliases \(\*a\) are not allowed"):
        load_messaging(path)
    assert time.perf_counter() - t < 1.0


def test_front_matter_with_aliases_is_ignored_and_the_body_kept():
    from ingest.document_formats import _front_matter

    title, body = _front_matter("---\ntitle: Bomb\n" + BOMB + "---\n# Heading\n\nBody.\n")
    assert title is None and body.startswith("# Heading")
