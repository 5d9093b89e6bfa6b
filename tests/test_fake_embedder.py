"""The hashed fake embedder of the fast tests: deterministic, unit vectors, no torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def test_vectors_are_unit_float32_rows_of_384(fake_embedder):
    vectors = fake_embedder.embed(["The price is too high.", "...", ""])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert fake_embedder.embed([]).shape == (0, 384)
    assert fake_embedder.embed_query("SOC 2") == fake_embedder.embed_documents(["SOC 2"])[0]


def test_texts_that_share_words_are_closer(fake_embedder):
    price, budget, soc = fake_embedder.embed(["The price is too high for us",
                                              "Too high a price for our budget",
                                              "Do you have a SOC 2 Type II report?"])
    assert price @ budget > 0.5 > price @ soc


def test_the_same_text_gives_the_same_vector_in_another_process(fake_embedder):
    """No ``hash()`` (salted per process), and no torch or sentence-transformers imported."""
    code = ("import runpy, sys; emb = runpy.run_path('conftest.py')['HashEmbedder']()\n"
            "print(emb.embed(['Is our data stored in the EU?'])[0].tolist())\n"
            "print(sorted({'torch', 'sentence_transformers'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, check=True)
    vector, imported = done.stdout.splitlines()
    assert json.loads(vector) == fake_embedder.embed(["Is our data stored in the EU?"])[0].tolist()
    assert imported == "[]"
    other = type(fake_embedder)()
    assert np.array_equal(other.embed(["a b c"]), fake_embedder.embed(["a b c"]))
