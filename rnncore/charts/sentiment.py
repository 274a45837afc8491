"""Charts of the sentiment page: pure functions from the frames of ``rnncore.experiments.sentiment`` to Altair.

Models are coloured as everywhere in the Lab (``common.FAMILY_COLORS``: rnn / lstm / gru, and the bag-of-words
baseline in its grey), so the baseline reads as a reference on every chart.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from rnncore.charts import common
from rnncore.charts.common import hrule, tooltips

BOW = "bag-of-words"
SUBSET_ORDER = ["all", "plain", "negated", "contrast", "long", "uploaded"]


def model_color(models, *, title: str = "Model") -> alt.Color:
    """rnn/lstm/gru in the Lab's cell colours, the baseline in grey; only the models present appear in the legend."""
    return common.family_color("model:N", title=title, present=models, order=[BOW, "rnn", "lstm", "gru"])


def accuracy_bars(df: pd.DataFrame) -> alt.LayerChart:
    """Test accuracy per subset (all, then each tag), one bar per model, with chance (0.5) marked.

    Args:
        df: model, subset, accuracy, correct, n (``Scores.accuracy``).
    """
    order = [s for s in SUBSET_ORDER if s in set(df["subset"])]
    bars = alt.Chart(df, title="Test accuracy, overall and by phenomenon (held-out sentences)", height=300).mark_bar(
    ).encode(
        x=alt.X("subset:N", title="Subset of the test sentences", sort=order, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("model:N", title="Model"),
        y=common.qy("accuracy:Q", "Accuracy", zero=True, domain=[0, 1]),
        color=model_color(df["model"]),
        tooltip=tooltips(("model:N", "Model"), ("subset:N", "Subset"), ("accuracy:Q", "Accuracy"),
                         ("correct:Q", "Correct"), ("n:Q", "Sentences"), number_format=".3~f"),
    )
    return bars + hrule(0.5, label="chance (a coin toss)", y_title="Accuracy")


def loss_curves(df: pd.DataFrame, *, bow_val_loss: float | None = None) -> alt.LayerChart | alt.Chart:
    """Training loss (rolling mean) and validation loss against the update step, one colour per model.

    Args:
        df: model, step, curve, loss (``Scores.curves``).
        bow_val_loss: the baseline's validation loss, drawn as a dashed reference line.
    """
    chart = alt.Chart(df, title="Training curves: binary cross-entropy", height=300).mark_line(clip=True).encode(
        x=common.qx("step:Q", "Update step"),
        y=common.qy("loss:Q", "Cross-entropy (nats)", zero=True),
        color=model_color(df["model"]),
        strokeDash=alt.StrokeDash("curve:N", title="Curve"),
        tooltip=tooltips(("model:N", "Model"), ("curve:N", "Curve"), ("step:Q", "Update step"),
                         ("loss:Q", "Cross-entropy (nats)")),
    )
    if bow_val_loss is None:
        return chart
    return common.layer(chart, hrule(bow_val_loss, label="bag-of-words, validation", y_title="Cross-entropy (nats)"))


def val_accuracy(df: pd.DataFrame, *, bow_val_acc: float | None = None) -> alt.LayerChart | alt.Chart:
    """Validation accuracy at each checkpoint, against the baseline's.

    Args:
        df: model, step, accuracy (``Scores.val_acc``).
    """
    chart = alt.Chart(df, title="Validation accuracy during training", height=300).mark_line(point=True).encode(
        x=common.qx("step:Q", "Update step"),
        y=common.qy("accuracy:Q", "Validation accuracy", domain=[0, 1]),
        color=model_color(df["model"]),
        tooltip=tooltips(("model:N", "Model"), ("step:Q", "Update step"), ("accuracy:Q", "Validation accuracy")),
    )
    if bow_val_acc is None:
        return chart
    return chart + hrule(bow_val_acc, label="bag-of-words", y_title="Validation accuracy")


def _word_axis() -> alt.X:
    return alt.X("token:N", title="Words read so far", sort=alt.EncodingSortField("position", op="min"),
                 axis=alt.Axis(labelAngle=-45))


def trace_chart(df: pd.DataFrame) -> alt.LayerChart:
    """P(positive) after each word, per model; words unknown to the model's vocabulary as hollow red squares.

    Args:
        df: position, word, token, oov, model, p_positive (``Trace.words``).
    """
    df = df.assign(vocabulary=df["oov"].map({True: "unknown word (read as <unk>)", False: "known word"}))
    base = alt.Chart(df, title="P(positive) if the sentence ended after each word", height=300).encode(
        x=_word_axis(),
        y=common.qy("p_positive:Q", "P(positive)", domain=[0, 1]),
        color=model_color(df["model"]),
        tooltip=tooltips(("position:Q", "Position"), ("word:N", "Word"), ("vocabulary:N", "Vocabulary"),
                         ("model:N", "Model"), ("p_positive:Q", "P(positive)"), number_format=".3f"),
    )
    points = base.mark_point(size=70, filled=True).encode(
        shape=alt.Shape("vocabulary:N", title="Vocabulary",
                        scale=alt.Scale(domain=["known word", "unknown word (read as <unk>)"],
                                        range=["circle", "square"])))
    return base.mark_line() + points + hrule(0.5, label="undecided (0.5)", y_title="P(positive)")


def hidden_heatmap(df: pd.DataFrame, *, model: str) -> alt.Chart:
    """The hidden state after each word (units on y), on a diverging scale from -1 to 1.

    Args:
        df: position, word, token, unit, value (``Trace.hidden``).
        model: the cell, for the title.
    """
    return alt.Chart(df, title=f"Hidden state of the {model.upper()} after each word", height=320).mark_rect().encode(
        x=_word_axis(),
        y=alt.Y("unit:O", title="Hidden unit"),
        color=alt.Color("value:Q", title="Activation", scale=common.diverging((-1, 1))),
        tooltip=tooltips(("word:N", "Word"), ("position:Q", "Position"), ("unit:O", "Hidden unit"),
                         ("value:Q", "Activation"), number_format=".3f"),
    )
