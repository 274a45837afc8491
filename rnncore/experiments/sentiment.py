"""Sentiment: embedding -> RNN/LSTM/GRU -> readout, trained with binary cross-entropy, against bag-of-words.

Data: the built-in corpus of ``rnncore.data.text`` (fixed split, tags plain/negated/contrast/long), or an uploaded CSV
(split 80/10/10 by label with a fixed seed). Sentences are left-padded to ``max_len`` so that the readout sees the
state after the last real word. Training batches take neighbours in length order and drop the columns that are
padding for the whole batch, so short sentences cost short unrolls; the readout still reads the last real word.

The word-by-word trace answers "what would the model say if the sentence ended after word k?": the first k words,
left-padded exactly as in training, go through the model, and the readout of the state after word k is
P(positive). So the last point of the trace is the model's prediction for the whole sentence.

    python -m rnncore.experiments.sentiment     # rewrites the shipped results of the default view (about a minute)
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

import rnncore as rc
from rnncore.data import text as tx
from rnncore.data import shipped
from rnncore.data.shipped import arrays_from_json, arrays_to_json
from rnncore.data.uploads import ValidatedTexts, validate_labelled_text_csv
from rnncore.experiments import effort
from rnncore.layers import sigmoid
from rnncore.optim import watching
from rnncore.reference import baselines as bl

CELLS = rc.CELLS  # the recurrent cells a classifier can use

BOW = "bag-of-words"
BUILTIN = "builtin"
SHIPPED = "sentiment_pretrained"  # its file in rnncore/data/shipped_results/ (see rnncore.data.shipped)
COMMAND = "python -m rnncore.experiments make sentiment"


@dataclass(frozen=True)
class Config:
    """The recurrent models and their training; the defaults are the shipped results."""

    embed: int = 16          # D, embedding size
    hidden_size: int = 32    # H, hidden units
    steps: int = 1500        # Adam updates per model
    batch: int = 32          # sentences per update
    lr: float = 0.01         # Adam learning rate
    clip: float = 5.0        # gradient clipping by global norm
    max_len: int = 40        # words read per sentence; longer ones keep their first max_len words
    eval_every: int = 50     # updates between two validation checkpoints


class Dataset(NamedTuple):
    """A labelled corpus with a fixed split; ``key`` names it in cache keys (a digest for uploads)."""

    key: str
    title: str
    split: tx.CorpusSplit


def builtin_dataset() -> Dataset:
    """The Lab's corpus: rnncore.data.text.builtin_corpus(0), the same for every seed of the page."""
    return Dataset(BUILTIN, "Built-in corpus (rnncore.data.text grammar, 4,000 sentences)", tx.builtin_corpus(0))


def upload_dataset(v: ValidatedTexts, *, raw: bytes) -> Dataset:
    """A validated upload, split 80/10/10 stratified by label with a fixed seed; one tag, "uploaded"."""
    corpus = tx.Corpus(list(v.texts), v.labels, ["uploaded"] * len(v.texts))
    split = tx.split_corpus(corpus, rng=np.random.default_rng(0))
    digest = hashlib.sha256(raw + f"|{v.text_column}|{v.label_column}".encode()).hexdigest()[:16]
    return Dataset(f"upload-{digest}", f"Uploaded CSV ({len(v.texts):,} rows)", split)


def dataset_from_upload(raw: bytes, *, text_column: str | None = None,
                        label_column: str | None = None) -> tuple[Dataset, list]:
    """Validate an uploaded CSV and split it; raises rnncore.data.uploads.CsvError with a message that says what to fix.

    Returns:
        (Dataset, warnings: plain-text notes about rows dropped or cells changed).
    """
    v = validate_labelled_text_csv(raw, text_column=text_column, label_column=label_column)
    return upload_dataset(v, raw=raw), list(v.warnings)


class Prepared(NamedTuple):
    """The vocabulary of the training texts, and each part encoded: ids (n, max_len), left-padded."""

    vocab: tx.Vocab
    train: tx.Encoded
    val: tx.Encoded
    test: tx.Encoded


def prepare(ds: Dataset, cfg: Config) -> Prepared:
    """Vocabulary from the training part only (at most 20,000 words), then encode the three parts."""
    vocab = tx.Vocab.build(ds.split.train.texts, max_size=20_000)
    return Prepared(vocab, *(tx.encode(part.texts, vocab, cfg.max_len) for part in ds.split))


def spec_of(cfg: Config, cell: str, vocab_size: int) -> rc.ModelSpec:
    return rc.ModelSpec(cell, input_size=cfg.embed, hidden_size=cfg.hidden_size, output_size=1, loss="bce",
                        output="last", vocab_size=vocab_size)


# ---- training ------------------------------------------------------------------------------------------------------

class CellRun(NamedTuple):
    """One trained model: the parameters of its best validation checkpoint (early stopping), and its curves.

    losses (steps,) per-batch training loss; val_* (k,) at the validation checkpoints.
    """

    cell: str
    params: dict
    best_step: int  # the checkpoint kept: lowest validation loss (the last step when there is no checkpoint)
    losses: np.ndarray
    val_step: np.ndarray
    val_loss: np.ndarray
    val_acc: np.ndarray
    stopped_at: int | None
    reason: str | None


def _bce_and_acc(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    with np.errstate(over="ignore", invalid="ignore"):
        loss = rc.bce_with_logits(logits[:, 0], labels.astype(np.float64)).loss
    return loss, float(np.mean((logits[:, 0] > 0) == (labels == 1)))


def batches(cfg: Config, ds: Dataset, prep: Prepared) -> Callable[[np.random.Generator], rc.Batch]:
    """The training batches: ``batch`` neighbours in length order, without the columns that are padding for all."""
    ids, lengths = prep.train
    labels = ds.split.train.labels.astype(np.float64)
    order = np.argsort(lengths, kind="stable")
    B = min(cfg.batch, len(order))

    def batch(r: np.random.Generator) -> rc.Batch:
        rows = order[r.integers(0, len(order) - B + 1) + np.arange(B)]  # neighbours in length order
        width = max(1, int(lengths[rows].max()))  # left padding: the first columns are padding for all rows
        return rc.Batch(ids[rows, -width:], labels[rows, None], "bce", np.log(2.0), "last")

    return batch


def train_cell(cfg: Config, cell: str, ds: Dataset, prep: Prepared, *, seed: int,
               callback: Callable[[int, int, dict], None] | None = None) -> CellRun:
    """Train one model; its random streams come from (seed, cell), so each cell's run stands alone."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), rc.CELLS.index(cell)]))
    spec = spec_of(cfg, cell, len(prep.vocab))
    params = rc.init_model(spec, rng=rng, forget_bias=1.0 if cell == "lstm" else 0.0)  # Jozefowicz et al. 2015
    batch = batches(cfg, ds, prep)
    checkpoints, best = [], {}

    def look(step: int, p: dict) -> None:
        logits, _ = rc.forward(spec, p, prep.val.ids)
        checkpoints.append((step, *_bce_and_acc(logits, ds.split.val.labels)))
        if np.isfinite(checkpoints[-1][1]) and checkpoints[-1][1] < best.get("loss", np.inf):
            best.update(loss=checkpoints[-1][1], step=step, params=p)  # optimizers return new dicts: no copy

    opt = watching(rc.adam(cfg.lr), cfg.eval_every, look)
    out = rc.train(spec, params, batch, rng=rng, steps=cfg.steps, optimizer=opt, clip=cfg.clip, callback=callback,
                   callback_every=1)
    k = np.array(checkpoints, dtype=np.float64).reshape(-1, 3)[: out.history.step.size // cfg.eval_every]
    if best.get("step", np.inf) > len(k) * cfg.eval_every:  # no checkpoint, or only the update that overflowed
        best = {"step": int(out.history.step.size), "params": out.params}
    return CellRun(cell, best["params"], int(best["step"]), out.history.loss, k[:, 0].astype(np.int64), k[:, 1],
                   k[:, 2], out.stopped_at, out.reason)


#: Updates per probe call: batches differ in width (sentence length), so one call averages a few of them.
PROBE_STEPS = 4


def work(cfg: Config, cell: str, ds: Dataset, prep: Prepared) -> list[effort.Piece]:
    """What :func:`train_cell` does, for the estimate a button shows: its updates (probed a few at a time, as
    batches differ in width) and its validation checkpoints (a forward pass over the validation part)."""
    spec = spec_of(cfg, cell, len(prep.vocab))
    key = (cell, cfg.embed, cfg.hidden_size, cfg.batch, cfg.max_len, ds.key)

    def steps():
        rng = np.random.default_rng(0)
        params, data = rc.init_model(spec, rng=rng), batches(cfg, ds, prep)
        return lambda: rc.train(spec, params, data, rng=rng, steps=PROBE_STEPS, optimizer=rc.adam(cfg.lr),
                                clip=cfg.clip)

    def look():
        params = rc.init_model(spec, rng=np.random.default_rng(0))
        return lambda: rc.forward(spec, params, prep.val.ids)

    return [effort.Piece(f"{cell.upper()} updates", cfg.steps / PROBE_STEPS, steps, ("sentiment steps", *key)),
            effort.Piece(f"{cell.upper()} checkpoint", cfg.steps // cfg.eval_every, look, ("sentiment look", *key))]


def fit_bow(ds: Dataset, prep: Prepared) -> bl.BowModel:
    """The order-blind baseline, on the same vocabulary and the same words read (max_len)."""
    return bl.fit_bow_logistic(tx.bag_of_words(prep.train.ids, len(prep.vocab)), ds.split.train.labels)


def bow_logits(bow: bl.BowModel, ids: np.ndarray) -> np.ndarray:
    """Logits (n, 1) of the bag-of-words model for encoded ids (n, T)."""
    return (tx.bag_of_words(ids, len(bow.w)) @ bow.w + bow.b)[:, None]


# ---- scores and views ----------------------------------------------------------------------------------------------

class Scores(NamedTuple):
    accuracy: pd.DataFrame  # model, subset ("all" or a tag), accuracy, correct, n: on the TEST part only
    curves: pd.DataFrame    # model, step, curve ("training, rolling mean" / "validation"), loss
    val_acc: pd.DataFrame   # model, step, accuracy: validation accuracy at the checkpoints
    bow_val: tuple          # (loss, accuracy) of the baseline on the validation part


def score(cfg: Config, ds: Dataset, prep: Prepared, runs: list, bow: bl.BowModel) -> Scores:
    """Test accuracy overall and per tag for the baseline and every run, and the training curves."""
    test, tags = ds.split.test, np.array(ds.split.test.tags)
    subsets = ["all"] + (sorted(set(tags), key=list(tx.TAGS + ("uploaded",)).index) if len(set(tags)) > 1 else [])
    logits = {BOW: bow_logits(bow, prep.test.ids)}
    with np.errstate(over="ignore", invalid="ignore"):  # a run stopped on overflow still gets a row
        for run in runs:
            logits[run.cell] = rc.forward(spec_of(cfg, run.cell, len(prep.vocab)), run.params, prep.test.ids)[0]
    rows = []
    for model, z in logits.items():
        right = (z[:, 0] > 0) == (test.labels == 1)
        for subset in subsets:
            keep = np.ones(len(tags), bool) if subset == "all" else tags == subset
            rows.append({"model": model, "subset": subset, "accuracy": float(right[keep].mean()),
                         "correct": int(right[keep].sum()), "n": int(keep.sum())})
    curves, accs = [], []
    for run in runs:
        smooth = pd.Series(run.losses).rolling(25, min_periods=1).mean().to_numpy()
        every = max(1, len(smooth) // 300)  # a rolling mean needs no more than ~300 points to draw
        curves += [pd.DataFrame({"model": run.cell, "step": np.arange(1, len(smooth) + 1)[::every],
                                 "curve": "training, rolling mean of 25 batches", "loss": smooth[::every]}),
                   pd.DataFrame({"model": run.cell, "step": run.val_step, "curve": "validation", "loss": run.val_loss})]
        accs.append(pd.DataFrame({"model": run.cell, "step": run.val_step, "accuracy": run.val_acc}))
    empty = pd.DataFrame({"model": [], "step": [], "curve": [], "loss": []})
    curves_df = pd.concat(curves or [empty], ignore_index=True)
    curves_df = curves_df[np.isfinite(curves_df["loss"].to_numpy(dtype=np.float64))].reset_index(drop=True)
    acc_df = pd.concat(accs or [pd.DataFrame({"model": [], "step": [], "accuracy": []})], ignore_index=True)
    bow_val = _bce_and_acc(bow_logits(bow, prep.val.ids), ds.split.val.labels)
    return Scores(pd.DataFrame(rows), curves_df, acc_df, bow_val)


class Trace(NamedTuple):
    words: pd.DataFrame   # position, word, token, oov, model, p_positive: P(positive) after each word read
    hidden: pd.DataFrame  # position, word, token, unit, value: the hidden state after each word
    unread: list          # words beyond max_len, which the models never read


def trace(cfg: Config, vocab: tx.Vocab, run: CellRun, bow: bl.BowModel | None, text: str) -> Trace:
    """P(positive) word by word for ``run`` (and the baseline), and the hidden state after every word."""
    words = tx.tokenize(text)
    oov = tx.oov_mask(text, vocab)
    k = min(len(words), cfg.max_len)
    prefixes = [" ".join(words[:i + 1]) for i in range(k)]
    empty = Trace(pd.DataFrame(columns=["position", "word", "token", "oov", "model", "p_positive"]),
                  pd.DataFrame(columns=["position", "word", "token", "unit", "value"]), words[cfg.max_len:])
    if k == 0:
        return empty
    ids = tx.encode(prefixes, vocab, cfg.max_len).ids  # row i: the first i+1 words, left-padded
    logits, cache = rc.forward(spec_of(cfg, run.cell, len(vocab)), run.params, ids)
    models = {run.cell: logits[:, 0]} | ({BOW: bow_logits(bow, ids)[:, 0]} if bow is not None else {})
    pos = np.arange(1, k + 1)
    token = [f"{i}. {w}" for i, w in zip(pos, words)]  # unique axis labels, even for a repeated word
    frame = pd.concat([pd.DataFrame({"position": pos, "word": words[:k], "token": token, "oov": oov[:k], "model": m,
                                     "p_positive": sigmoid(z)})
                       for m, z in models.items()], ignore_index=True)
    h = cache.hs[:, -1, :]  # (k, H): the state after word i+1 is the last state of prefix row i
    hidden = pd.DataFrame({"position": np.repeat(pos, h.shape[1]), "word": np.repeat(words[:k], h.shape[1]),
                           "token": np.repeat(token, h.shape[1]), "unit": np.tile(np.arange(h.shape[1]), k),
                           "value": h.ravel()})
    return Trace(frame, hidden, words[cfg.max_len:])


def article_toy(cfg: Config, vocab: tx.Vocab, runs: list) -> pd.DataFrame:
    """The article's three sentences: what its 6-word vocabulary knows, what it printed, what each model says.

    Returns:
        one row per (sentence, model): sentence, article_vocab_knows, article_printed, unknown_to_model, model,
        p_positive (no model rows when ``runs`` is empty).
    """
    ids = tx.encode(list(tx.ARTICLE_TOY_SENTENCES), vocab, cfg.max_len).ids
    base = pd.DataFrame({
        "sentence": tx.ARTICLE_TOY_SENTENCES,
        "article_vocab_knows": [" ".join(w for w in tx.tokenize(t) if w in tx.ARTICLE_TOY_VOCAB)
                                for t in tx.ARTICLE_TOY_SENTENCES],
        "article_printed": tx.ARTICLE_TOY_PRINTED,
        "unknown_to_model": [" ".join(w for w in tx.tokenize(t) if w not in vocab.stoi)
                             for t in tx.ARTICLE_TOY_SENTENCES]})
    frames = []
    for run in runs:
        logits = rc.forward(spec_of(cfg, run.cell, len(vocab)), run.params, ids)[0][:, 0]
        frames.append(base.assign(model=run.cell, p_positive=sigmoid(logits)))
    return pd.concat(frames, ignore_index=True) if frames else base.assign(model="", p_positive=np.nan)


def article_mechanism(*, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """The article's forward pass with its shapes (1-D embeddings of 3, hidden (5, 1)), in our own code.

    Returns:
        (frame: word, h_shape, after each word it knows; the error its scoring line raises).
    """
    rng = np.random.default_rng(seed)
    emb = rng.standard_normal((6, 3))
    W_xh, W_hh, W_hy = (rng.standard_normal(s) * 0.01 for s in ((5, 3), (5, 5), (1, 5)))
    h, rows = np.zeros((5, 1)), []
    for word in (w for w in tx.ARTICLE_TOY_SENTENCES[0].lower().split() if w in tx.ARTICLE_TOY_VOCAB):
        x = emb[tx.ARTICLE_TOY_VOCAB.index(word)]  # shape (3,): a 1-D row, not a (3, 1) column
        h = np.tanh(W_xh @ x + W_hh @ h + np.zeros((5, 1)))  # (5,) + (5, 1) broadcasts to (5, 5)
        rows.append({"word": word, "h_shape": str(h.shape)})
    out = W_hy @ h + np.zeros((1, 1))
    try:
        "Positive" if out[0] > 0 else "Negative"
        error = ""
    except ValueError as err:  # out[0] holds 5 numbers: their truth value is ambiguous
        error = f"ValueError: {err}"
    return pd.DataFrame(rows), error


# ---- shipped results ---------------------------------------------------------------------------------------------

def _run_to_json(run: CellRun) -> dict:
    return {"params": arrays_to_json(run.params), "best_step": run.best_step,
            "curves": arrays_to_json({"losses": run.losses, "val_step": run.val_step, "val_loss": run.val_loss,
                                      "val_acc": run.val_acc}), "stopped_at": run.stopped_at, "reason": run.reason}


def _run_from_json(cell: str, blob: dict) -> CellRun:
    c = arrays_from_json(blob["curves"])
    return CellRun(cell, arrays_from_json(blob["params"]), blob["best_step"], c["losses"],
                   c["val_step"].astype(np.int64), c["val_loss"], c["val_acc"], blob["stopped_at"], blob["reason"])


class View(NamedTuple):
    """Everything the page's default view shows, without the corpus: made by the shipping command."""

    vocab: tx.Vocab
    bow: bl.BowModel
    runs: dict       # cell -> CellRun
    scores: Scores   # of every shipped cell; see :func:`select`
    sizes: tuple     # (train, validation, test) sentences


def select(scores: Scores, cells) -> Scores:
    """The rows of ``scores`` for the baseline and ``cells`` only (each model's rows do not depend on the others)."""
    keep = lambda df, extra=(): df[df["model"].isin([*extra, *cells])].reset_index(drop=True)  # noqa: E731
    return Scores(keep(scores.accuracy, (BOW,)), keep(scores.curves), keep(scores.val_acc), scores.bow_val)


def shipped_view(cfg: Config, *, seed: int, root: Path = shipped.ROOT) -> View | None:
    """The shipped default view if it was made with exactly ``cfg`` and ``seed`` on the built-in corpus, else None."""
    blob = shipped.read(SHIPPED, root)
    if not shipped.made_with(blob, config=dataclasses.asdict(cfg), seed=int(seed)):
        return None
    bow = arrays_from_json(blob["bow"])
    frames = {k: pd.DataFrame(v) for k, v in blob["scores"].items()}
    scores = Scores(frames["accuracy"], frames["curves"], frames["val_acc"], tuple(blob["bow_val"]))
    return View(tx.Vocab(tuple(blob["vocab"])), bl.BowModel(bow["w"], float(bow["b"][0])),
                {cell: _run_from_json(cell, r) for cell, r in blob["runs"].items()}, scores, tuple(blob["sizes"]))


def write_shipped(root: Path = shipped.ROOT, *, seed: int = 0, log=print) -> None:
    """Train every cell with the default Config on the built-in corpus, score it, and write the shipped view."""
    cfg, ds = Config(), builtin_dataset()
    prep = prepare(ds, cfg)
    bow, runs = fit_bow(ds, prep), []
    for cell in rc.CELLS:
        runs.append(train_cell(cfg, cell, ds, prep, seed=seed))
        log(f"{cell}: trained")
    sc = score(cfg, ds, prep, runs, bow)
    blob = {"config": dataclasses.asdict(cfg), "seed": seed, "vocab": list(prep.vocab.itos),
            "sizes": [len(part.texts) for part in ds.split],
            "bow": arrays_to_json({"w": bow.w, "b": np.array([bow.b])}), "bow_val": list(sc.bow_val),
            "scores": {k: getattr(sc, k).to_dict(orient="list") for k in ("accuracy", "curves", "val_acc")},
            "runs": {run.cell: _run_to_json(run) for run in runs}}
    shipped.write(SHIPPED, blob, what="Sentiment page, default view: trained parameters, curves and test scores.",
                  command=COMMAND, root=root, log=log)


def measured_sentence(accuracy: pd.DataFrame, models: list[str]) -> str:
    """The page's "measured here": held-out accuracy of bag-of-words and each trained model, overall and (on the
    built-in corpus) on the negated, contrast and long sentences.

    Args:
        accuracy: model, subset, accuracy (the frame the accuracy chart draws).
        models: the recurrent models trained, in the order shown.
    """
    parts = []
    for model in (BOW, *models):
        row = accuracy[accuracy["model"] == model].set_index("subset")["accuracy"]
        detail = (f" ({row['negated']:.2f} negated, {row['contrast']:.2f} contrast, {row['long']:.2f} long)"
                  if "long" in row else "")
        parts.append(f"{model if model == BOW else model.upper()}: **{row['all']:.2f}**{detail}.")
    return ("Test accuracy on held-out sentences. " + " ".join(parts) + ("" if models else " Train a model to compare.")
            + " Our code with the article's shapes raises the same `ValueError` (below).")
