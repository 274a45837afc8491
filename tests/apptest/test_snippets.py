"""Snippet equals screen: every page's "Reproduce in Python" code, run as a user would, prints the number the page shows.

Each test opens a page (at its defaults, or at a cheaper setting where the default snippet would train for minutes: the
snippet is built from the settings on screen), takes the code from its expander, runs it in a fresh interpreter from the
repository root, reads the number it prints on its ``headline:`` line, formats it the way the page does, and compares it
with the same number where the page shows it (a caption, a sentence, a metric, or a table cell in its column's format).
The numbers are computed twice, by the page in this process and by the snippet in another one, so a test fails when the
snippet does not reproduce the screen: other settings, another seed, another function, or a page that formats something
else. Timing pages compare a count or a loss, never a time.
"""

from __future__ import annotations

import re

from helpers import assert_snippet_runs, reproduce_snippets

from apptest.conftest import assert_ran, keys, open_page, unescaped


def snippet_headline(at) -> float:
    """Run the page's one snippet in a fresh interpreter and return the number on its ``headline:`` line."""
    (snippet,) = reproduce_snippets(at)
    out = assert_snippet_runs(snippet)
    lines = [line for line in out.splitlines() if line.startswith("headline:")]
    assert len(lines) == 1, f"the snippet should print one 'headline:' line, printed:\n{out[-2000:]}"
    return float(lines[0].removeprefix("headline:"))


def shown(texts, pattern: str) -> str:
    """The one match of ``pattern``'s group in the page's texts (as the user reads them)."""
    found = [m.group(1) for text in texts for m in re.finditer(pattern, unescaped(text))]
    assert len(found) == 1, f"expected one {pattern!r} on the page, found {found}"
    return found[0]


def metric(at, label: str) -> str:
    """The value of the metric whose label is ``label``."""
    (value,) = [m.value for m in at.metric if m.label == label]
    return value


def test_basics_snippet_prints_the_hidden_state_norm_of_the_caption():
    K = keys("app/pages/basics.py")
    at = open_page("app/pages/basics.py")
    at.slider(key=K("t")).set_value(7).run()
    assert_ran(at, errors_allowed=False)
    on_screen = shown((c.value for c in at.caption), r"At t = 7: ‖h_t‖ = ([0-9.]+),")
    assert f"{snippet_headline(at):.3f}" == on_screen


def test_gradients_snippet_prints_the_gradient_at_t1_of_the_caption():
    at = open_page("app/pages/gradients.py")
    assert_ran(at, errors_allowed=False)
    on_screen = shown((c.value for c in at.caption), r"\*\*([^*]+)\*\* at radius 0\.8\b")
    assert f"{snippet_headline(at):.2g}" == on_screen


def test_engine_check_snippet_prints_the_worst_relative_error_of_the_metric():
    at = open_page("app/pages/engine_check.py")
    assert_ran(at, errors_allowed=False)
    assert f"{snippet_headline(at):.1e}" == metric(at, "Worst relative error")


def test_long_term_snippet_prints_the_held_out_loss_of_a_live_run():
    # The default (an LSTM, 500 steps at T = 50) trains for minutes: a small LSTM, trained live by the page's button.
    K = keys("app/pages/long_term.py")
    at = open_page("app/pages/long_term.py")
    for key, value in (("T", 20), ("hidden", 8), ("steps", 50)):
        at.select_slider(key=K(key)).set_value(value).run()
    at.button(key=K("train")).click().run()
    assert_ran(at, errors_allowed=False)
    on_screen = shown((m.value for m in at.markdown), r"Held-out loss on [0-9,]+ fresh sequences: \*\*([^*]+)\*\*")
    assert f"{snippet_headline(at):.4g}" == on_screen


def test_gated_cells_snippet_prints_the_lstm_loss_ratio_of_a_live_run():
    # The default (three cells, 500 steps) trains for minutes: 10 steps each, trained live by the page's button.
    K = keys("app/pages/gated_cells.py")
    at = open_page("app/pages/gated_cells.py")
    at.select_slider(key=K("steps")).set_value(10).run()
    at.button(key=K("train")).click().run()
    assert_ran(at, errors_allowed=False)
    assert f"{snippet_headline(at):.1%}" == metric(at, "LSTM: held-out loss / baseline")


def test_clipping_snippet_prints_the_clipped_runs_loss_ratio_of_a_live_run():
    # The default (three runs of 300 steps at T = 100) trains for minutes: 10 steps each, trained live.
    K = keys("app/pages/clipping.py")
    at = open_page("app/pages/clipping.py")
    at.select_slider(key=K("steps")).set_value(10).run()
    at.button(key=K("train")).click().run()
    assert_ran(at, errors_allowed=False)
    assert f"{snippet_headline(at):.3g}× baseline" == metric(at, "Clip by global norm")


def test_initialization_snippet_prints_the_orthogonal_gradient_at_step_1_of_the_caption():
    # The snippet also trains the six choices: 10 steps each instead of the default 1,500.
    K = keys("app/pages/initialization.py")
    at = open_page("app/pages/initialization.py")
    at.select_slider(key=K("steps")).set_value(10).run()
    assert_ran(at, errors_allowed=False)
    on_screen = shown((c.value for c in at.caption), r"Reaching step 1: .*?\borthogonal ([0-9.]+e[-+][0-9]+)")
    assert f"{snippet_headline(at):.1e}" == on_screen


def test_slow_training_snippet_prints_the_final_loss_of_the_first_run_of_the_race():
    at = open_page("app/pages/slow_training.py")
    assert_ran(at, errors_allowed=False)
    (table,) = [d.value for d in at.dataframe if "Final loss" in d.value.columns]
    assert f"{snippet_headline(at):.4g}" == f"{table['Final loss'].iloc[0]:.4g}"  # the column's format, %.4g


def test_parallelism_snippet_prints_attentions_arithmetic_against_the_loop():
    at = open_page("app/pages/parallelism.py")  # a count, not a time: timings differ from run to run
    assert_ran(at, errors_allowed=False)
    on_screen = shown((m.value for m in at.markdown), r"attention does \*\*([0-9,.]+)×\*\* the arithmetic")
    assert f"{snippet_headline(at):.0f}" == on_screen


def test_sentiment_snippet_prints_the_test_accuracy_of_a_live_lstm():
    # The default (three cells, 1,500 updates, shipped) trains for minutes: one LSTM, 100 updates, trained live.
    K = keys("app/pages/sentiment.py")
    at = open_page("app/pages/sentiment.py")
    at.multiselect(key=K("cells")).set_value(["lstm"]).run()
    at.select_slider(key=K("steps")).set_value(100).run()
    at.button(key=K("train")).click().run()
    assert_ran(at, errors_allowed=False)
    (table,) = [d.value for d in at.dataframe if "all" in d.value.columns]
    assert f"{snippet_headline(at):.3f}" == f"{table.loc['lstm', 'all']:.3f}"  # the column's format, %.3f


def test_forecasting_snippet_retrains_the_shipped_models_and_prints_the_rnns_one_step_error():
    # The default view shows shipped models (four of them, 400 updates each): the snippet retrains them from the seed,
    # and its error must equal the shipped model's to the table's four decimals.
    at = open_page("app/pages/forecasting.py")
    assert_ran(at, errors_allowed=False)
    assert any(c.value.startswith("Trained models: shipped results") for c in at.caption)
    (table,) = [d.value for d in at.dataframe if "MAE, one step" in d.value.columns]
    shown_mae = table.set_index("model").loc["RNN", "MAE, one step"]
    assert f"{snippet_headline(at):.4f}" == f"{shown_mae:.4f}"  # the column's format, %.4f


def test_attention_snippet_prints_the_attention_rnns_loss_of_a_live_run():
    # The default (three models on two tasks at four lags, shipped) trains for minutes: 20 updates at T = 5, live.
    K = keys("app/pages/attention.py")
    at = open_page("app/pages/attention.py")
    at.multiselect(key=K("lags")).set_value([5]).run()
    at.select_slider(key=K("steps")).set_value(20).run()
    at.button(key=K("train")).click().run()
    assert_ran(at, errors_allowed=False)
    on_screen = shown((m.value for m in at.markdown),
                      r"first-element recall at T = 5, loss [^ ]+ for the plain RNN \(baseline [^)]+\), ([^ ]+) with "
                      r"attention")
    value = snippet_headline(at)
    assert (f"{value:.2g}" if abs(value) < 0.01 else f"{value:.3f}") == on_screen  # the page's format
