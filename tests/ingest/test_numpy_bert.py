"""The NumPy BERT encoder equals sentence-transformers/transformers, and the Embedder uses it
for small calls only when the model folder allows it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.embed import Embedder, numpy_compatible
from ingest.errors import ModelError
from ingest.models import embedding_model_dir
from ingest.numpy_bert import NumpyBert, _erf

REPO = Path(__file__).resolve().parents[2]
TEXTS = [
    "Where is our data hosted?",
    "  Your price is a lot higher than what Paystream quoted us.  ",
    "Ünïcödé café — naïve 東京 résumé",
    "",
    "The implementation takes thirty days, with a named manager. " * 40,  # > 256 tokens
]
QUESTIONS = ["Do you have SOC 2?", "How long does implementation take? " * 30]
PASSAGES = ["Vantora is SOC 2 Type II certified and ISO 27001 certified.",
            "A typical customer is live in 30 days with a named implementation manager. " * 30]


@pytest.fixture(scope="module")
def bert():
    return NumpyBert.load(embedding_model_dir(None))


@pytest.fixture()
def model_copy(tmp_path):
    """A writable copy of the bundled model folder (weights linked, not copied)."""
    source = embedding_model_dir(None)
    target = tmp_path / "model"
    shutil.copytree(source, target, copy_function=lambda s, d: Path(d).symlink_to(s))
    for name in ("config.json", "modules.json", "1_Pooling/config.json",
                 "sentence_bert_config.json"):
        (target / name).unlink()
        shutil.copyfile(source / name, target / name)
    return target


def _edit(path: Path, **changes) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def test_erf_is_within_float32_resolution():
    from math import erf

    xs = np.linspace(-6, 6, 2001)
    assert np.abs(_erf(xs) - np.array([erf(x) for x in xs])).max() < 1.5e-7


def test_texts_are_cut_at_max_length_and_counted(bert):
    ids, types, mask = bert.tokenize(TEXTS)
    assert ids.shape == (5, 256) and mask[4].sum() == 256 and mask[3].sum() == 2
    assert not types.any()
    assert bert.token_count(["Where is our data hosted?"]) == 8
    assert bert.token_count(TEXTS[-1:]) == 256


@pytest.mark.slow
def test_embeddings_equal_sentence_transformers(bert):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(embedding_model_dir(None)), device="cpu")
    expected = model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    got = bert.embed(TEXTS)
    assert got.dtype == np.float32 and got.shape == (5, 384)
    assert np.abs(got - expected).max() < 1e-6
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)


@pytest.mark.slow
def test_pairs_equal_transformers_hidden_states(bert):
    """Question/passage pairs (a cross-encoder's input), long ones cut longest-first as
    sentence-transformers' CrossEncoder does, mean-pool to what transformers' BertModel gives."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = str(embedding_model_dir(None))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    enc = tokenizer(QUESTIONS, PASSAGES, truncation="longest_first", max_length=256,
                    padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**enc).last_hidden_state
    m = enc["attention_mask"].unsqueeze(-1).float()
    expected = ((hidden * m).sum(1) / m.sum(1)).numpy()
    ids, types, _ = bert.tokenize(QUESTIONS, PASSAGES)
    assert ids.tolist() == enc["input_ids"].tolist()
    assert types.tolist() == enc["token_type_ids"].tolist()
    got = bert.mean_pooled(QUESTIONS, PASSAGES)
    assert np.abs(got - expected).max() < 1e-6


def test_load_refuses_a_model_that_is_not_bert(model_copy):
    _edit(model_copy / "config.json", model_type="mpnet")
    with pytest.raises(ModelError, match="model_type 'mpnet' is not 'bert'"):
        NumpyBert.load(model_copy)


def test_bundled_model_is_numpy_compatible_and_others_are_not(model_copy):
    assert numpy_compatible(embedding_model_dir(None)) is None
    assert numpy_compatible(model_copy) is None
    _edit(model_copy / "1_Pooling/config.json", pooling_mode_mean_tokens=False,
          pooling_mode_cls_token=True)
    assert numpy_compatible(model_copy) == "the pooling is not plain mean pooling"
    modules = json.loads((model_copy / "modules.json").read_text())
    (model_copy / "modules.json").write_text(json.dumps(modules[:2]))
    assert numpy_compatible(model_copy) == "modules.json is not Transformer > Pooling > Normalize"


def test_lower_casing_and_other_encoders_are_not_numpy_compatible(model_copy):
    _edit(model_copy / "sentence_bert_config.json", do_lower_case=True)
    assert numpy_compatible(model_copy) == "the model lower-cases texts before its tokenizer"
    _edit(model_copy / "sentence_bert_config.json", do_lower_case=False)
    _edit(model_copy / "config.json", model_type="mpnet")
    assert numpy_compatible(model_copy) == "the encoder is not a BERT model"


def test_embedder_answers_small_calls_without_sentence_transformers():
    emb = Embedder()
    assert emb.encoder == "numpy" and emb.dimension == 384
    vectors = emb.embed(["Where is our data hosted?", "Is it SOC 2?"])
    assert vectors.shape == (2, 384) and emb._model is None
    assert emb.embed([]).shape == (0, 384)


def test_a_draft_sized_call_stays_on_numpy_while_sentence_transformers_is_not_loaded():
    """A follow-up draft embeds a few dozen passage sentences: past the query budget, but
    cheaper on NumPy than importing torch in a command-line process."""
    emb = Embedder()
    texts = [f"Sentence {i}: customer data stays in the EU region you choose." for i in range(60)]
    assert 512 < emb._query_model().token_count(texts) <= 4096
    assert emb.embed(texts).shape == (60, 384) and emb._model is None


def test_embedder_never_uses_numpy_for_an_incompatible_folder(model_copy):
    _edit(model_copy / "1_Pooling/config.json", pooling_mode_mean_tokens=False,
          pooling_mode_cls_token=True)
    emb = Embedder(model_copy)
    assert emb.encoder == "sentence-transformers"
    assert emb._query_model() is None


@pytest.mark.slow
def test_embedder_sends_bulk_to_sentence_transformers_with_the_same_vectors():
    small = Embedder()
    one = small.embed(TEXTS[:2])
    assert small._model is None
    bulk = Embedder(query_tokens=0)
    assert bulk.encoder == "sentence-transformers"
    both = bulk.embed(TEXTS[:2])
    assert bulk._model is not None and np.abs(one - both).max() < 1e-6
    big = Embedder(query_tokens=64)
    big.embed(TEXTS[-1:] * 3)  # 768 tokens: past even the cold budget (8 x 64), so it loads
    assert big._model is not None
    calls = []
    encode = big._model.encode
    big._model.encode = lambda *a, **k: calls.append(a) or encode(*a, **k)
    assert np.abs(big.embed(TEXTS[:1]) - one[:1]).max() < 1e-6
    assert calls == [] and big.encoder == "numpy"  # small calls stay on NumPy
    big.embed(TEXTS[-1:])  # 256 tokens: once loaded, past the query budget goes to it
    assert len(calls) == 1


def test_query_path_imports_no_torch():
    """Embedding a query in a fresh process loads neither torch nor sentence-transformers."""
    code = ("import sys; from ingest.embed import Embedder; Embedder().embed(['Is it SOC 2?']); "
            "print(','.join(m for m in ('torch', 'sentence_transformers', 'transformers', "
            "'langchain_core', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == ""
