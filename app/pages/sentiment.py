"""Sentiment analysis: RNN, LSTM and GRU on sentences whose label depends on word order, against bag-of-words."""

from __future__ import annotations

import streamlit as st

from app import runs, ui
from app.upload import csv_upload
from rnncore.charts import sentiment as charts
from rnncore.experiments import sentiment as exp

PAGE = "sentiment"
DEFAULT_SENTENCE = "the acting was not bad but the ending was dull"
MAX_SENTENCE = 300
SOURCES = {"builtin": "Built-in corpus", "upload": "Upload a CSV"}


@ui.cached(max_entries=1, spinner="Generating the corpus...")
def builtin() -> exp.Dataset:
    return exp.builtin_dataset()


@ui.cached(max_entries=4, spinner="Checking the file...")
def read_upload(digest: str, text_column: str, label_column: str, *, _raw: bytes):
    return exp.dataset_from_upload(_raw, text_column=text_column or None, label_column=label_column or None)


@ui.cached(max_entries=8, spinner="Fitting the bag-of-words baseline...")
def baseline(max_len: int, key: str, *, _ds: exp.Dataset):
    prep = exp.prepare(_ds, exp.Config(max_len=max_len))
    return prep, exp.fit_bow(_ds, prep)


@ui.cached(max_entries=2, spinner=False)
def shipped(cfg: exp.Config, seed: int) -> exp.View | None:
    return exp.shipped_view(cfg, seed=seed)


@ui.cached(max_entries=16, spinner=False)
def scores(cfg: exp.Config, key: str, seed: int, cells: tuple, *, _ds, _prep, _runs, _bow) -> exp.Scores:
    return exp.score(cfg, _ds, _prep, _runs, _bow)


@ui.cached(max_entries=8, spinner=False)
def shipped_scores(cfg: exp.Config, seed: int, cells: tuple) -> exp.Scores:
    return exp.select(shipped(cfg, seed).scores, cells)


@ui.cached(max_entries=16, spinner=False)
def traced(cfg: exp.Config, key: str, seed: int, cell: str, sentence: str, *, _vocab, _run, _bow) -> exp.Trace:
    return exp.trace(cfg, _vocab, _run, _bow, sentence)


@ui.cached(max_entries=8, spinner=False)
def article_views(cfg: exp.Config, key: str, seed: int, cells: tuple, *, _vocab, _runs) -> tuple:
    """The article's sentences scored by every model (long, and wide for display), and its shapes and error."""
    toy = exp.article_toy(cfg, _vocab, _runs)
    wide = toy.pivot_table(index=["sentence", "article_vocab_knows", "article_printed", "unknown_to_model"],
                           columns="model", values="p_positive", sort=False).reset_index()
    wide.columns = ["sentence", "words its vocabulary knows", "the article printed", "unknown to our vocabulary",
                    *(f"our {m.upper()}: P(positive)" for m in wide.columns[4:])]
    return toy, wide, *exp.article_mechanism(seed=seed)


st.title("Sentiment analysis")
st.markdown(
    "Does a recurrent network read word order, or just count words? Here RNN, LSTM and GRU read sentences whose "
    "label hangs on order (*not good*, *bad **but** great*, a verdict followed by thirty words of small talk), and a "
    "**bag-of-words** logistic regression, blind to order by construction, sets the bar. Every accuracy is measured "
    "on held-out test sentences. Type your own sentence to watch the prediction move word by word."
)
article = st.container()

left, right = st.columns([1, 2])
with left:
    source = ui.select("Sentences", list(SOURCES), key="data", value="builtin", radio=True,
                       format_func=SOURCES.get)
with right:
    cells = ui.multiselect("Recurrent models", list(exp.CELLS), key="cells", value=list(exp.CELLS),
                           format_func=str.upper)
with st.expander("Training settings", icon=":material/tune:"):
    a, b, c, d = st.columns(4)
    with a:
        steps = ui.select_slider("Updates per model", [100, 300, 600, 1000, 1500, 3000], key="steps", value=1500)
        embed = ui.select_slider("Embedding size", [8, 16, 32], key="embedding", value=16)
    with b:
        hidden_size = ui.select_slider("Hidden units", [8, 16, 32, 64], key="hidden", value=32)
        batch = ui.select_slider("Batch size", [16, 32, 64], key="batch", value=32)
    with c:
        lr = ui.select_slider("Learning rate (Adam)", [0.001, 0.003, 0.01, 0.03, 0.1], key="lr", value=0.01)
        clip = ui.select_slider("Clip gradient norm at", [0.5, 1.0, 5.0, 25.0], key="clip", value=5.0)
    with d:
        max_len = ui.select_slider("Words read per sentence", [20, 40, 80], key="max_len", value=40,
                                   help="Longer sentences keep their first words.")
cfg = exp.Config(embed=embed, hidden_size=hidden_size, steps=steps, batch=batch, lr=lr, clip=clip, max_len=max_len)
seed = ui.global_seed()

upload, upload_name = None, None
if source == "upload":
    upload, upload_name, _ = csv_upload(
        "CSV with a text column and a label column (1/0 or positive/negative), at most 5 MB",
        (("Text column (blank: detect it)", "text_column"), ("Label column (blank: detect it)", "label_column")),
        read_upload,
        waiting="Upload a file to train on your own texts. Until then the page shows the built-in corpus.",
        fallback="the built-in corpus")

# The default view is shipped (made by `python -m rnncore.experiments make sentiment`): no corpus, no training needed.
view = shipped(cfg, seed) if upload is None else None
data_key = exp.BUILTIN if upload is None else upload.key
keys = {cell: (cfg, cell, data_key, seed) for cell in cells}
live = {c: r for c, k in keys.items() if (r := runs.result(PAGE, "train", k)) is not None}


def data() -> tuple:
    """The corpus, its encoding and the baseline (cached): what live training and live scores need."""
    ds = upload or builtin()
    return (ds, *baseline(cfg.max_len, ds.key, _ds=ds))


if view is not None and not live:
    title, sizes = "Built-in corpus (rnncore.data.text grammar, 4,000 sentences)", view.sizes
    vocab, bow, models = view.vocab, view.bow, {c: view.runs[c] for c in cells if c in view.runs}
else:
    ds, prep, bow = data()
    title, sizes, vocab = ds.title, tuple(len(part.texts) for part in ds.split), prep.vocab
    models = {c: live.get(c, view.runs.get(c) if view is not None else None) for c in cells}
    models = {c: r for c, r in models.items() if r is not None}
    view = None  # scored live below: a live run replaced a shipped one

st.header("Train and compare")
st.caption(f"Data: {title}" + (f", file {ui.literal(upload_name)}" if upload_name else "") +
           f". Split {sizes[0]:,} / {sizes[1]:,} / {sizes[2]:,} (train / validation / test); the vocabulary comes "
           "from the training part only.")
runs.each(PAGE, "train", {
    cell: runs.Part(keys[cell], lambda report, cell=cell: exp.train_cell(cfg, cell, *data()[:2], seed=seed,
                                                                          callback=report),
                    lambda cell=cell: exp.work(cfg, cell, *data()[:2]), cfg.steps) for cell in cells},
    shipped=[c for c in models if c not in live], label=lambda todo: "Train " + ", ".join(m.upper() for m in todo),
    what=lambda cell: f"Training the {cell.upper()}", unit="update")
models = {cell: models[cell] for cell in cells if cell in models}  # in the order chosen
if view is not None:
    st.caption("Shipped results for exactly these settings and this seed, made by "
               "`python -m rnncore.experiments make sentiment`. Change a setting or the seed to train live.")
for cell, run in models.items():
    ui.show_run_problem(step=run.stopped_at, reason=run.reason, total=cfg.steps, what=f"Training the {cell.upper()}",
                        hint="Lower the learning rate or the clipping threshold.")

if view is not None:
    result = shipped_scores(cfg, seed, tuple(models))
else:
    result = scores(cfg, ds.key, seed, tuple(models), _ds=ds, _prep=prep, _runs=list(models.values()), _bow=bow)
acc = result.accuracy
ui.chart(charts.accuracy_bars, acc,
         caption="Each group is one kind of sentence: negated and contrast ones need word order, bag-of-words has none.")
table = acc.pivot(index="model", columns="subset", values="accuracy")
table = table[[s for s in charts.SUBSET_ORDER if s in table.columns]]
st.dataframe(table, width="stretch", column_config={s: st.column_config.NumberColumn(s, format="%.3f")
                                                    for s in table.columns})
ui.download_csv(acc, "sentiment-test-accuracy")

if models:
    st.caption("Each model keeps the parameters of its checkpoint with the lowest validation loss (early stopping: "
               + ", ".join(f"{c.upper()} at update {r.best_step}" for c, r in models.items())
               + "). The test sentences are never used for training or for choosing.")
    one, two = st.columns(2)
    with one:
        ui.chart(charts.loss_curves, result.curves, bow_val_loss=result.bow_val[0],
                 caption="Solid: training loss; dashed: validation loss. A model under the bag-of-words line beats it.")
        ui.download_csv(result.curves, "sentiment-training-curves")
    with two:
        ui.chart(charts.val_accuracy, result.val_acc, bow_val_acc=result.bow_val[1],
                 caption="Validation accuracy at each checkpoint, against the bag-of-words baseline's.")
        ui.download_csv(result.val_acc, "sentiment-validation-accuracy")

st.header("Your own sentence, word by word")
sentence = ui.text("Type a sentence", value=DEFAULT_SENTENCE, key="sentence", max_chars=MAX_SENTENCE)
trace_cell = ui.select("Model to trace", list(exp.CELLS), key="trace", value="lstm", radio=True, format_func=str.upper)
if trace_cell not in models and models:
    st.caption(f"{trace_cell.upper()} is not trained with these settings; tracing {next(iter(models)).upper()}.")
    trace_cell = next(iter(models))
if not models:
    st.info("Train a model above to trace its prediction word by word.", icon=":material/schedule:")
else:
    tr = traced(cfg, data_key, seed, trace_cell, sentence, _vocab=vocab, _run=models[trace_cell], _bow=bow)
    if tr.words.empty:
        st.info("The sentence has no words (letters) to read; type one above.", icon=":material/edit:")
    else:
        st.markdown(
            "Each point is **what the model would say if the sentence ended there**: the first *k* words, "
            "left-padded as in training, go through the model, and the readout of its state after word *k* gives "
            "P(positive). The last point is its verdict on the whole sentence. The grey line is the bag-of-words "
            "baseline on the same words: it moves with each word's own polarity, whatever comes before.")
        unknown = sorted(set(tr.words.loc[tr.words.oov, "word"]))
        if unknown:
            st.caption("Unknown to the vocabulary (read as `<unk>`): " + ", ".join(f"`{w}`" for w in unknown))
        if tr.unread:
            st.caption(f"The models read the first {cfg.max_len} words only; {len(tr.unread)} more were not read.")
        ui.chart(charts.trace_chart, tr.words,
                 caption="Above 0.5 the model would call the sentence positive if it ended at that word.")
        ui.download_csv(tr.words, "sentiment-word-trace")
        ui.chart(charts.hidden_heatmap, tr.hidden, model=trace_cell,
                 caption="Each column is the memory after one word: a word that flips the verdict flips units here.")
        ui.download_csv(tr.hidden, "sentiment-hidden-states")

st.header("The article's example")
toy, wide, shapes, error = article_views(cfg, data_key, seed, tuple(models), _vocab=vocab, _runs=list(models.values()))
st.markdown(
    "The article's model knows six words (good, bad, happy, sad, love, hate), drops every other word, and is "
    "never trained. Its embeddings are 1-D rows of three numbers while its hidden state is a (5, 1) column, so "
    "adding the two **broadcasts the hidden state to a (5, 5) matrix** after the first word. Our own code with its "
    "shapes shows it:")
one, two = st.columns([1, 2])
one.dataframe(shapes.rename(columns={"word": "after the word", "h_shape": "hidden state shape"}), hide_index=True)
two.code(error or "no error", language="text", wrap_lines=True)
two.caption("Its scoring line, `output[0] > 0`, then compares five numbers at once: that is the error above. "
            "The article's printed scores (0.23 and -0.18) cannot come from this code; had it run, they would come "
            "from random weights, since nothing updates them.")
st.dataframe(wide, hide_index=True, width="stretch")
if models:
    st.caption("Our models learned the grammar of the built-in corpus, and these sentences lie outside it: words it "
               "never saw, and phrasings it never used (in the corpus *they* always opens the deciding clause). "
               "Where the models disagree, none of them has learned English; a model is only as good as its data.")
ui.download_csv(toy, "sentiment-article-toy")

with article:
    ui.article_box(
        said="A NumPy `SentimentRNN` with a six-word vocabulary scores *I love this movie...* as **Positive (0.23)** "
             "and *I hate bad movies...* as **Negative (-0.18)**.",
        code_does="Raises `ValueError`: the 1-D embeddings broadcast the hidden state to (5, 5), so the final "
                  "comparison is ambiguous. No line trains the model: its weights stay random.",
        measured=exp.measured_sentence(acc, list(models)),
    )

data_line = ("ds = exp.builtin_dataset()" if data_key == exp.BUILTIN else
             f"ds, notes = exp.dataset_from_upload(open({upload_name!r}, 'rb').read())  # your file")
ui.reproduce(f"""
    import rnncore.experiments.sentiment as exp

    cfg = exp.{cfg!r}
    {data_line}
    prep = exp.prepare(ds, cfg)
    runs = [exp.train_cell(cfg, cell, ds, prep, seed={seed}) for cell in {tuple(cells)!r}]
    result = exp.score(cfg, ds, prep, runs, exp.fit_bow(ds, prep))
    print(result.accuracy.pivot(index="model", columns="subset", values="accuracy").round(3))
    if runs:
        print(exp.trace(cfg, prep.vocab, runs[-1], None, {sentence[:MAX_SENTENCE]!r}).words)
        print("headline:", result.accuracy.set_index(["model", "subset"]).accuracy[(runs[-1].cell, "all")])
""")
