"""The text kernel's stemmer agrees with the FTS5 index it is compared against."""

from __future__ import annotations

from pathlib import Path

from ingest.store_lexical import PorterStems
from ingest.text import stem, tokens

DEMO = Path(__file__).resolve().parents[2] / "demo"

# Words that exercise each step and particular of FTS5's Porter stemmer.
TRICKY = """
caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated troubled
sized hopping tanned falling hissing fizzed failing filing happy sky relational conditional
rational valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli
vietnamization predication operator feudalism decisiveness hopefulness callousness formaliti
sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful goodness
revival allowance inference airliner gyroscopic adjustable defensible irritant replacement
adjustment dependent adoption homologou communism activate angulariti homologous effective
bowdlerize probate rate cease controll roll generously directly security invoices hosted
hosting integration integrations integrates eu sap 4hana s3 gdpr soc2 aed eed ying yes ies
sss abc anomaly apology biology ably agreeable café naïve zürich façade crème señor straße
i̇stanbul изучающий
""".split()


def test_stem_follows_porter_steps():
    assert [stem(w) for w in ("caresses", "ponies", "feed", "agreed", "hopping", "filing",
                              "happy", "relational", "generalization", "electrical", "rate")] \
        == ["caress", "poni", "feed", "agre", "hop", "file", "happi", "relat", "gener",
            "electr", "rate"]


def test_stem_leaves_short_tokens_and_folds_diacritics():
    assert stem("EU") == "eu" and stem("is") == "is" and stem("x" * 70) == "x" * 70
    assert stem("Cafés") == "cafe" and stem("Zürich") == "zurich"


def test_stem_agrees_with_the_index_on_tricky_words():
    words = [t for w in TRICKY for t in tokens(w)]
    index = PorterStems()(words)
    assert [(w, stem(w)) for w in words if stem(w) != index[w]] == []


def test_stem_agrees_with_the_index_on_the_demo_corpus():
    words = sorted({t for p in DEMO.rglob("*") if p.suffix in (".md", ".txt", ".yaml", ".csv")
                    for t in tokens(p.read_text(encoding="utf-8", errors="ignore"))})
    assert len(words) > 1000
    index = PorterStems()(words)
    assert [(w, stem(w)) for w in words if stem(w) != index[w]] == []
