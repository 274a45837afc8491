"""Tests for rnncore.experiments.sentiment and its charts: training, scores, the word trace, the shipped view."""
import dataclasses

import numpy as np
import pandas as pd
import pytest
from helpers import assert_valid_chart

import rnncore as rc
from rnncore.data import text as tx
from rnncore.charts import sentiment as charts
from rnncore.experiments import sentiment as exp
from rnncore.data.uploads import CsvError

QUICK = exp.Config(steps=300)


@pytest.fixture(scope="module")
def builtin():
    ds = exp.builtin_dataset()
    prep = exp.prepare(ds, QUICK)
    return ds, prep, exp.fit_bow(ds, prep)


@pytest.fixture(scope="module")
def rnn_run(builtin):
    ds, prep, _ = builtin
    return exp.train_cell(QUICK, "rnn", ds, prep, seed=0)


def test_an_rnn_beats_bag_of_words_on_negated_sentences(builtin, rnn_run):
    """A vanilla RNN (16-dim embedding, 32 units), 300 Adam updates (about a second), reads negation.

    Measured on the built-in test split (100 negated sentences), seed 0: RNN 0.83 on negated (0.79 overall,
    0.93 contrast, 0.46 long, 0.95 plain); bag-of-words 0.42 on negated (0.68 overall, 0.51 contrast, 0.82 long,
    0.98 plain). The RNN fails the long sentences: its memory of the early verdict fades (the LSTM and GRU of
    the shipped view score 1.00 there).
    """
    ds, prep, bow = builtin
    acc = exp.score(QUICK, ds, prep, [rnn_run], bow).accuracy.set_index(["model", "subset"])["accuracy"]
    assert acc["rnn", "negated"] > acc[exp.BOW, "negated"] + 0.2
    assert acc[exp.BOW, "negated"] < 0.55 and acc[exp.BOW, "plain"] > 0.85  # the baseline reads words, not order


def test_accuracy_table_is_counted_on_the_test_part(builtin, rnn_run):
    ds, prep, bow = builtin
    acc = exp.score(QUICK, ds, prep, [rnn_run], bow).accuracy
    logits, _ = rc.forward(exp.spec_of(QUICK, "rnn", len(prep.vocab)), rnn_run.params, prep.test.ids)
    right = (logits[:, 0] > 0) == (ds.split.test.labels == 1)
    tags = np.array(ds.split.test.tags)
    row = acc[(acc.model == "rnn") & (acc.subset == "negated")].iloc[0]
    assert row.n == (tags == "negated").sum() == 100 and row.correct == right[tags == "negated"].sum()
    assert set(acc.subset) == {"all", *tx.TAGS} and acc[acc.subset == "all"].n.tolist() == [400, 400]


def test_early_stopping_keeps_the_best_validation_checkpoint(rnn_run):
    assert rnn_run.best_step == rnn_run.val_step[np.argmin(rnn_run.val_loss)]
    assert rnn_run.val_step.tolist() == list(range(50, 301, 50)) and len(rnn_run.losses) == 300


def test_same_seed_same_bits_and_cells_stand_alone(builtin):
    ds, prep, _ = builtin
    cfg = dataclasses.replace(QUICK, steps=10, eval_every=10)
    a, b = (exp.train_cell(cfg, "lstm", ds, prep, seed=5) for _ in range(2))
    assert np.array_equal(a.losses, b.losses) and all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.losses, exp.train_cell(cfg, "lstm", ds, prep, seed=6).losses)
    assert not np.array_equal(a.losses, exp.train_cell(cfg, "gru", ds, prep, seed=5).losses)


def test_trace_point_k_is_the_model_reading_the_first_k_words(builtin, rnn_run):
    _, prep, bow = builtin
    text = "The plot was NOT good , it was zorbly"
    tr = exp.trace(QUICK, prep.vocab, rnn_run, bow, text)
    rnn = tr.words[tr.words.model == "rnn"].reset_index(drop=True)
    words = tx.tokenize(text)
    assert rnn.word.tolist() == words and rnn.oov.tolist() == [w not in prep.vocab.stoi for w in words]
    assert rnn.oov.tolist()[-1] and not any(rnn.oov.tolist()[:-1])
    spec = exp.spec_of(QUICK, "rnn", len(prep.vocab))
    cell = spec.get_cell()
    for k in range(1, len(words) + 1):  # brute force: one sentence of k words, padded on the left by hand
        ids = np.zeros((1, QUICK.max_len), dtype=np.int64)
        ids[0, -k:] = prep.vocab.ids(words[:k])
        hs, _ = rc.unroll(cell, {n: rnn_run.params[n] for n in cell.param_names}, rnn_run.params["E"][ids])
        logit = hs[0, -1] @ rnn_run.params["W_y"][:, 0] + rnn_run.params["b_y"][0]
        assert rnn.p_positive[k - 1] == pytest.approx(1 / (1 + np.exp(-logit)), abs=1e-12)
        h = tr.hidden[tr.hidden.position == k].sort_values("unit").value.to_numpy()
        assert h == pytest.approx(hs[0, -1], abs=1e-12)
    full, _ = rc.forward(spec, rnn_run.params, tx.encode([text], prep.vocab, QUICK.max_len).ids)
    assert rnn.p_positive.iloc[-1] == pytest.approx(1 / (1 + np.exp(-full[0, 0])))  # last point: the verdict
    bow = tr.words[tr.words.model == exp.BOW].reset_index(drop=True)
    assert bow.token.tolist() == rnn.token.tolist() == [f"{i}. {w}" for i, w in enumerate(words, 1)]
    assert bow.p_positive[4] > bow.p_positive[3]  # "not good": the bag only sees "good" arrive
    assert tr.unread == []


def test_trace_of_long_and_empty_sentences(builtin, rnn_run):
    _, prep, bow = builtin
    cfg = dataclasses.replace(QUICK, max_len=20)
    tr = exp.trace(cfg, prep.vocab, rnn_run, bow, " ".join(["good"] * 25))
    assert tr.words.position.max() == 20 and tr.unread == ["good"] * 5
    empty = exp.trace(QUICK, prep.vocab, rnn_run, None, "42 !!")
    assert empty.words.empty and empty.hidden.empty


def test_the_article_toy_and_its_broadcasting_bug(builtin, rnn_run):
    _, prep, _ = builtin
    toy = exp.article_toy(QUICK, prep.vocab, [rnn_run])
    assert toy.article_vocab_knows.tolist() == ["love good", "hate bad sad", ""]
    assert toy.p_positive.between(0, 1).all() and toy.article_printed[0] == "Positive (0.23)"
    assert toy.unknown_to_model.tolist() == ["", "movies make", "weather today"] and set(toy.model) == {"rnn"}
    assert exp.article_toy(QUICK, prep.vocab, []).p_positive.isna().all()
    shapes, error = exp.article_mechanism(seed=0)
    assert shapes.h_shape.tolist() == ["(5, 5)", "(5, 5)"]  # broadcast at the first word already
    assert error.startswith("ValueError") and "ambiguous" in error


def test_shipped_view_is_what_this_code_makes(builtin):
    view = exp.shipped_view(exp.Config(), seed=0)
    assert view is not None, "run: python -m rnncore.experiments.sentiment"
    ds, prep, _ = builtin  # the same max_len as the defaults
    assert view.vocab.itos == prep.vocab.itos and view.sizes == (3200, 400, 400)
    fresh = exp.score(exp.Config(), ds, prep, list(view.runs.values()), view.bow).accuracy
    pd.testing.assert_frame_equal(view.scores.accuracy, fresh, check_dtype=False)
    again = exp.train_cell(dataclasses.replace(exp.Config(), steps=60), "rnn", ds, prep, seed=0)
    assert again.losses == pytest.approx(view.runs["rnn"].losses[:60], rel=1e-9)  # same code, same seed
    acc = view.scores.accuracy.set_index(["model", "subset"])["accuracy"]
    assert acc["lstm", "long"] > 0.9 and acc["gru", "negated"] > 0.9 and acc["rnn", "long"] < 0.7
    assert exp.shipped_view(exp.Config(steps=300), seed=0) is None and exp.shipped_view(exp.Config(), seed=1) is None
    picked = exp.select(view.scores, ["lstm"])
    assert set(picked.accuracy.model) == {exp.BOW, "lstm"} and set(picked.curves.model) == {"lstm"}


def test_uploads_are_split_by_label_and_bad_ones_say_why():
    rows = "\n".join(f"{'great fun' if i % 2 else 'dull and slow'} number {i},{i % 2}" for i in range(60))
    ds, notes = exp.dataset_from_upload(f"text,label\n{rows}\n".encode())
    assert [len(p.texts) for p in ds.split] == [48, 6, 6] and set(ds.split.test.tags) == {"uploaded"}
    assert ds.key.startswith("upload-") and notes == []
    with pytest.raises(CsvError, match="both classes|negative examples"):
        exp.dataset_from_upload(("text,label\n" + "fine,1\n" * 30).encode())


def test_only_readout_keeps_the_other_weights():
    spec = rc.ModelSpec("rnn", input_size=1, hidden_size=4, output_size=1)
    params = rc.init_model(spec, rng=np.random.default_rng(0))
    data = lambda r: rc.Batch(r.standard_normal((8, 5, 1)), r.standard_normal((8, 1)), "mse", 1.0, "last")  # noqa
    out = rc.train(spec, params, data, rng=np.random.default_rng(1), steps=5, optimizer=rc.optim.only_readout(rc.adam(0.1)))
    assert all(np.array_equal(out.params[k], params[k]) for k in ("W_x", "W_h", "b"))
    assert not np.array_equal(out.params["W_y"], params["W_y"])


def test_charts_are_valid(builtin, rnn_run):
    ds, prep, bow = builtin
    sc = exp.score(QUICK, ds, prep, [rnn_run], bow)
    tr = exp.trace(QUICK, prep.vocab, rnn_run, bow, "not bad at all")
    for chart in (charts.accuracy_bars(sc.accuracy), charts.loss_curves(sc.curves, bow_val_loss=sc.bow_val[0]),
                  charts.val_accuracy(sc.val_acc, bow_val_acc=sc.bow_val[1]), charts.trace_chart(tr.words),
                  charts.hidden_heatmap(tr.hidden, model="rnn")):
        assert_valid_chart(chart)
    assert np.isfinite(sc.curves.loss).all() and len(sc.curves) < 400  # thinned for drawing


def test_measured_sentence_quotes_each_models_accuracy_from_the_table():
    acc = pd.DataFrame({"model": [exp.BOW] * 4 + ["lstm"] * 4,
                        "subset": ["all", "negated", "contrast", "long"] * 2,
                        "accuracy": [0.71, 0.40, 0.55, 0.68, 0.93, 0.91, 0.88, 0.90]})
    text = exp.measured_sentence(acc, ["lstm"])
    assert f"{exp.BOW}: **0.71** (0.40 negated, 0.55 contrast, 0.68 long)." in text
    assert "LSTM: **0.93** (0.91 negated, 0.88 contrast, 0.90 long)." in text
    assert "Train a model" not in text
    alone = exp.measured_sentence(acc[acc["model"] == exp.BOW], [])
    assert "LSTM" not in alone and "Train a model to compare." in alone
