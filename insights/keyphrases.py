"""Keyphrases of groups of short texts, and theme labels built from them.

A candidate keyphrase is a run of one to :data:`MAX_WORDS` content words of a text: words that
are not stop words, fillers, common verbs or contractions ("native SAP connector",
"three-year lock-in", "EU hosting"). Words are matched case-insensitively with a light plural
folding ("contracts" = "contract"); a phrase is shown in its commonest written form, lower case
unless it is only ever written otherwise ("SAP", "S/4HANA", "EU").

A group's keyphrases are ranked by how many of its texts hold the phrase (coverage) times how
much of the phrase's use falls in this group (distinctiveness), a class-based TF-IDF on
document frequencies, with a small bonus for longer phrases. The label of a group joins its
best keyphrase with the next ones that cover texts the first does not ("SAP connector ·
S/4HANA"), so it names what the members say, not one member's sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ingest.text import KEYPHRASE_STOPWORDS

MAX_WORDS = 3
SAME_SCORE = 0.9
"""A keyphrase held by no text the label's first one misses still joins the label when it
scores this close to the first ("Price · high")."""
LABEL_PARTS = 2
"""Keyphrases joined into a label at most."""
LABEL_SEPARATOR = " · "
MAX_LABEL = 48
"""Characters of a label at most (keyphrases that do not fit are left out)."""
LONGER_BONUS = 0.35
"""Score bonus per extra word of a phrase: "SAP connector" over "SAP" when as frequent."""
EXTEND_SHARE = 0.4
"""A one-word keyphrase is shown as its commonest two-word phrase when that phrase is in at
least this share of the texts that hold the word ("connector" -> "SAP connector")."""

_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9'’/&\-]*[A-Za-z0-9])?|[^\sA-Za-z0-9]")
STOP_WORDS = KEYPHRASE_STOPWORDS | ENGLISH_STOP_WORDS
"""The kernel's keyphrase stop-words (:data:`ingest.text.KEYPHRASE_STOPWORDS`) and scikit-learn's
general English list, for the long tail of function words ("whereupon", "nevertheless")."""


def fold(word: str) -> str:
    """The matching key of a word: lower case, curly apostrophes straightened, plural folded.

    Example:
        >>> fold("Contracts"), fold("companies"), fold("process")
        ('contract', 'company', 'process')
    """
    w = word.lower().replace("’", "'")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "'s")):
        return w[:-1]
    return w


def _is_content(token: str) -> bool:
    if not token[0].isalnum():
        return False
    low = token.lower().replace("’", "'")
    if "'" in low or low in STOP_WORDS or fold(low) in STOP_WORDS:
        return False  # contractions ("don't", "we're") carry no topic
    if low.isdigit():
        return False
    return len(low) > 1 or token.isupper()


def phrases(text: str, max_words: int = MAX_WORDS) -> dict[str, str]:
    """Candidate keyphrases of a text: folded key -> the words as written.

    Example:
        >>> sorted(phrases("Without a native SAP connector, we can't sign."))
        ['connector', 'native', 'native sap', 'native sap connector', 'sap', 'sap connector']
    """
    runs: list[list[str]] = []
    run: list[str] = []
    for token in _TOKEN.findall(text):
        if _is_content(token):
            run.append(token)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    out: dict[str, str] = {}
    for words in runs:
        for n in range(1, max_words + 1):
            for i in range(len(words) - n + 1):
                gram = words[i:i + n]
                out.setdefault(" ".join(fold(w) for w in gram), " ".join(gram))
    return out


def content_words(text: str) -> list[str]:
    """The folded content words of a text (the lexical features of theme clustering)."""
    return [fold(t) for t in _TOKEN.findall(text) if _is_content(t)]


@dataclass(slots=True)
class Keyphrase:
    """A keyphrase of a group: its folded key, how it is shown, its score and its texts."""

    key: str
    text: str
    score: float
    texts: frozenset[int]
    """Indexes (within the group) of the texts that hold it."""


class KeyphraseIndex:
    """Keyphrases of every group of texts, ranked against all groups.

    Args:
        groups: The texts of each group (e.g. each theme's objections).

    Example:
        >>> index = KeyphraseIndex([["The price is too high.", "Price is high for us."],
        ...                         ["Our CFO signs off.", "The CFO must approve."]])
        >>> [k.text for k in index.top(0, 2)], index.label(1)
        (['price', 'high'], 'CFO')
    """

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        self.sizes = [len(g) for g in groups]
        self._members: list[dict[str, set[int]]] = []
        self._position: Counter[str] = Counter()
        """Sum over texts of where a phrase starts (a share of the text's length): ties in
        score go to the phrase said first ("price" before "high")."""
        self._written: dict[str, Counter[str]] = {}
        total: Counter[str] = Counter()
        for texts in groups:
            members: dict[str, set[int]] = {}
            for i, text in enumerate(texts):
                lower = text.lower()
                for key, written in phrases(text).items():
                    members.setdefault(key, set()).add(i)
                    self._written.setdefault(key, Counter())[written] += 1
                    at = lower.find(written.lower())
                    self._position[key] += max(at, 0) / max(len(text), 1)
            self._members.append(members)
            total.update({k: len(v) for k, v in members.items()})
        self._total = total

    def share(self, key: str, groups: Sequence[int]) -> float:
        """The share of the texts that say a phrase which are in these groups."""
        held = sum(len(self._members[g].get(key, ())) for g in groups)
        return held / self._total[key] if self._total[key] else 0.0

    def shown(self, key: str) -> str:
        """How a phrase is written: lower case when some text writes it so, else its
        commonest form ("SAP", "S/4HANA")."""
        forms = self._written[key]
        lower = [f for f in forms if f == f.lower()]
        if lower:
            return max(lower, key=lambda f: (forms[f], f))
        return max(forms, key=lambda f: (forms[f], f))

    def ranked(self, group: int) -> list[Keyphrase]:
        """Every keyphrase of a group, best first; a phrase must be in two texts of a group of
        two or more."""
        size = self.sizes[group]
        out = []
        for key, texts in self._members[group].items():
            df = len(texts)
            if size >= 2 and df < 2:
                continue
            words = key.count(" ") + 1
            score = (df / size) * (df / self._total[key]) ** 0.5 * (1 + LONGER_BONUS * (words - 1))
            out.append(Keyphrase(key, self.shown(key), score, frozenset(texts)))
        out.sort(key=lambda k: (-round(k.score, 9),
                                self._position[k.key] / (self._total[k.key] or 1), k.key))
        return out

    def top(self, group: int, n: int) -> list[Keyphrase]:
        """The ``n`` best keyphrases of a group that share no word with a better one."""
        chosen: list[Keyphrase] = []
        for k in self.ranked(group):
            words = set(k.key.split())
            if any(words & set(c.key.split()) for c in chosen):
                continue
            chosen.append(k)
            if len(chosen) == n:
                break
        return chosen

    def _extended(self, group: int, k: Keyphrase) -> Keyphrase:
        """A one-word keyphrase widened to its commonest two-word phrase in the group, when
        that phrase is common enough among the texts that hold the word."""
        if " " in k.key:
            return k
        best = None
        for key, texts in self._members[group].items():
            parts = key.split()
            if len(parts) != 2 or k.key not in parts:
                continue
            if len(texts) >= max(2, EXTEND_SHARE * len(k.texts)) and (
                    best is None or (len(texts), key) > (len(best[1]), best[0])):
                best = (key, texts)
        if best is None:
            return k
        return Keyphrase(best[0], self.shown(best[0]), k.score, k.texts)

    def label(self, group: int, parts: int = LABEL_PARTS, limit: int = MAX_LABEL) -> str:
        """A short name of the group built from its keyphrases ("" when it has none).

        The best keyphrase comes first; a next one is added when it holds texts the ones
        before do not, and the label stays within ``limit`` characters.
        """
        ranked = [self._extended(group, k) for k in self.top(group, 6)]
        chosen: list[Keyphrase] = []
        covered: set[int] = set()
        for k in ranked:
            # a next keyphrase says something new, or is as characteristic as the first
            if chosen and not (k.texts - covered) and k.score < SAME_SCORE * chosen[0].score:
                continue
            if any(set(k.key.split()) & set(c.key.split()) for c in chosen):
                continue
            text = LABEL_SEPARATOR.join([c.text for c in chosen] + [k.text])
            if chosen and len(text) > limit:
                continue
            chosen.append(k)
            covered |= k.texts
            if len(chosen) == parts:
                break
        if not chosen:
            return ""
        label = LABEL_SEPARATOR.join(c.text for c in chosen)
        return label[:1].upper() + label[1:]
