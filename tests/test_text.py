"""Tests for rnncore.data.text: tokenizer, vocabulary, encoding, and the order-sensitive sentiment corpus."""
import numpy as np
import pytest

from rnncore.data import text as tx


def reference_label(text: str) -> int:
    """An order-aware reader written independently of the generator, from the grammar in the module docstring.

    A sentiment word's polarity flips when a negator precedes it (intensifiers in between are skipped); with "but",
    only the clause after it counts. Every counted word must agree, else the sentence is not from the grammar.
    """
    toks = tx.tokenize(text)
    if "but" in toks:
        toks = toks[toks.index("but") + 1:]
    seen = []
    for i, w in enumerate(toks):
        if w in tx.POSITIVE_WORDS or w in tx.NEGATIVE_WORDS:
            j = i - 1
            while j >= 0 and toks[j] in tx.INTENSIFIERS:
                j -= 1
            seen.append((w in tx.POSITIVE_WORDS) != (j >= 0 and toks[j] in tx.NEGATORS))
    assert seen and len(set(seen)) == 1, f"ambiguous sentence: {text!r}"
    return int(seen[0])


@pytest.fixture(scope="module")
def corpus():
    return tx.make_corpus(rng=np.random.default_rng(7), n=2000, max_len=40)


def test_reference_reader_on_hand_written_sentences():
    assert reference_label("the movie was good") == 1
    assert reference_label("the movie was not good") == 0
    assert reference_label("the movie was not very good") == 0
    assert reference_label("the movie wasn't bad , it was great") == 1
    assert reference_label("the plot was good but the acting was awful") == 0
    assert reference_label("the plot was awful but the acting was not bad") == 1


def test_every_label_matches_the_order_aware_reading(corpus):
    wrong = [t for t, y in zip(corpus.texts, corpus.labels) if reference_label(t) != y]
    assert not wrong, wrong[:3]


def test_negation_flips_and_intensifiers_do_not(corpus):
    single = 0
    for text, y, tag in zip(corpus.texts, corpus.labels, corpus.tags):
        toks = tx.tokenize(text)
        assert reference_label(" ".join(w for w in toks if w not in tx.INTENSIFIERS)) == y
        words = [w for w in toks if w in tx.POSITIVE_WORDS | tx.NEGATIVE_WORDS]
        if tag == "negated" and len(words) == 1:  # "not good": the word's own polarity is the opposite label
            assert int(words[0] in tx.POSITIVE_WORDS) == 1 - y
            single += 1
        elif tag == "negated":  # "not good , it was awful": one word of each polarity, so the bag is uninformative
            assert sorted(w in tx.POSITIVE_WORDS for w in words) == [False, True]
    assert single > 50


def test_contrast_takes_the_clause_after_but(corpus):
    n = 0
    for text, y, tag in zip(corpus.texts, corpus.labels, corpus.tags):
        if tag == "contrast":
            first, second = text.split(" but ")
            assert reference_label(second) == y and reference_label(first) == 1 - y
            n += 1
    assert n == 500


def test_balance_lengths_and_phenomena(corpus):
    tags = np.array(corpus.tags)
    for tag in tx.TAGS:
        assert (tags == tag).sum() == 500 and corpus.labels[tags == tag].mean() == 0.5
    lengths = np.array([len(tx.tokenize(t)) for t in corpus.texts])
    assert lengths.max() <= 40 and lengths[tags == "long"].min() >= 20  # max(16, max_len // 2)
    assert lengths[tags != "long"].max() <= 16
    assert all(("but" in tx.tokenize(t)) == (g == "contrast") for t, g in zip(corpus.texts, corpus.tags))
    assert all(not set(tx.tokenize(t)) & set(tx.NEGATORS) for t, g in zip(corpus.texts, corpus.tags)
               if g in ("plain", "long"))
    assert len(tx.Vocab.build(corpus.texts)) >= 300


def test_same_seed_same_corpus_and_split():
    a, b, c = tx.builtin_corpus(3, n=400), tx.builtin_corpus(3, n=400), tx.builtin_corpus(4, n=400)
    assert a.train.texts == b.train.texts and a.test.texts == b.test.texts
    assert np.array_equal(a.test.labels, b.test.labels)
    assert a.train.texts != c.train.texts
    assert [len(p.texts) for p in a] == [320, 40, 40]
    for part in a:
        tags = np.array(part.tags)
        assert all(part.labels[tags == t].mean() == 0.5 for t in tx.TAGS)


def test_make_corpus_rejects_bad_arguments():
    with pytest.raises(ValueError, match="rng"):
        tx.make_corpus(rng=0, n=100)
    with pytest.raises(ValueError, match="max_len"):
        tx.make_corpus(rng=np.random.default_rng(0), n=100, max_len=10)


def _bow_logistic(train, vocab, steps=300, lr=1.0):
    x = tx.bag_of_words(tx.encode(train.texts, vocab, 40).ids, len(vocab))
    w, b = np.zeros(len(vocab)), 0.0
    for _ in range(steps):  # plain gradient descent on the mean binary cross-entropy
        # einsum, not @: on a busy 2-core machine multithreaded BLAS makes these small products 15x slower
        g = 1.0 / (1.0 + np.exp(-(np.einsum("nv,v->n", x, w) + b))) - train.labels
        w, b = w - lr * np.einsum("nv,n->v", x, g) / len(g), b - lr * g.mean()
    return w, b


def test_bag_of_words_cannot_solve_negation_or_contrast():
    split = tx.builtin_corpus(0)
    vocab = tx.Vocab.build(split.train.texts)
    w, b = _bow_logistic(split.train, vocab)
    fresh = tx.make_corpus(rng=np.random.default_rng(99), n=4000)  # 1000 per tag: a tight estimate
    pred = np.einsum("nv,v->n", tx.bag_of_words(tx.encode(fresh.texts, vocab, 40).ids, len(vocab)), w) + b > 0
    tags = np.array(fresh.tags)
    acc = {t: float((pred == fresh.labels)[tags == t].mean()) for t in tx.TAGS}
    # Measured (seed 0): plain 0.903, negated 0.394, contrast 0.507, long 0.753. A 1-layer torch LSTM (64 units,
    # 15 epochs) scored 1.00, 0.98, 0.99, 0.99 on the builtin test split in a scratch run.
    assert acc["plain"] > 0.8
    assert acc["negated"] < 0.55 and acc["contrast"] < 0.6


def test_tokenize():
    assert tx.tokenize("It WASN'T good!!") == ["it", "wasn't", "good"]
    assert tx.tokenize("It wasn\u2019t 10/10, 'really' bad") == ["it", "wasn't", "really", "bad"]
    assert tx.tokenize("") == [] and tx.tokenize("123 ,.") == []
    assert tx.tokenize("café-crème") == ["café", "crème"]


def test_vocab_build_and_ids():
    v = tx.Vocab.build(["b a a", "c a b"], min_count=2)
    assert v.itos == ("<pad>", "<unk>", "a", "b") and len(v) == 4
    assert v.ids(["a", "zzz", "b"]) == [2, 1, 3]
    assert tx.Vocab.build(["b a a c"], max_size=3).itos == ("<pad>", "<unk>", "a")
    with pytest.raises(ValueError):
        tx.Vocab(("a", "<unk>"))
    with pytest.raises(ValueError):
        tx.Vocab.build(["a"], max_size=1)


def test_encode_pads_left_and_keeps_the_start():
    v = tx.Vocab.build(["one two three four five"])
    enc = tx.encode(["one two", "one two three four five", ""], v, max_len=3)
    ids = {w: v.stoi[w] for w in v.itos}
    assert enc.ids.dtype == np.int64 and enc.ids.shape == (3, 3)
    assert enc.ids[0].tolist() == [0, ids["one"], ids["two"]]  # last column is the last real word
    assert enc.ids[1].tolist() == [ids["one"], ids["two"], ids["three"]]  # long text: the tail is cut
    assert enc.ids[2].tolist() == [0, 0, 0]
    assert enc.lengths.tolist() == [2, 3, 0]


def test_oov_mask_is_aligned_with_tokens():
    v = tx.Vocab.build(["the film was good"])
    assert tx.oov_mask("The film was GREAT, really", v).tolist() == [False, False, False, True, True]


def test_bag_of_words_counts_and_ignores_order_and_padding():
    ids = np.array([[0, 0, 2, 3, 2], [0, 2, 2, 3, 0]])
    bow = tx.bag_of_words(ids, 5)
    assert bow.shape == (2, 5) and bow.dtype == np.float64
    assert bow[0].tolist() == [0, 0, 2, 1, 0] and np.array_equal(bow[0], bow[1])
    with pytest.raises(ValueError):
        tx.bag_of_words(np.array([[5]]), 5)


def test_article_toy_is_kept_as_reference():
    assert len(tx.ARTICLE_TOY_VOCAB) == 6 and len(tx.ARTICLE_TOY_SENTENCES) == 3
    known = [[w for w in tx.tokenize(s) if w in tx.ARTICLE_TOY_VOCAB] for s in tx.ARTICLE_TOY_SENTENCES]
    assert known[0] == ["love", "good"] and known[1] == ["hate", "bad", "sad"] and known[2] == []
    assert set(tx.ARTICLE_TOY_VOCAB) <= tx.POSITIVE_WORDS | tx.NEGATIVE_WORDS
