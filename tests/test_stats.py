"""The statistics behind the sentences that compare settings: Wilson intervals, one-sided Fisher exact tests, and
the sentence a comparison earns."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from rnncore.experiments import stats


def test_wilson_interval_matches_the_closed_form():
    k, n, z = 3, 10, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    rate = stats.wilson(k, n)
    assert (rate.k, rate.n) == (3, 10) and str(rate) == "3/10"
    assert rate.lo == pytest.approx(centre - half, abs=1e-9) and rate.hi == pytest.approx(centre + half, abs=1e-9)
    zero, full = stats.wilson(0, 10), stats.wilson(10, 10)
    assert zero.lo == 0 and 0.2 < zero.hi < 0.35 and full.hi == pytest.approx(1) and 0.65 < full.lo < 0.8
    assert math.isnan(stats.wilson(0, 0).lo)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        stats.wilson(4, 3)


def test_one_sided_fisher_values():
    assert stats.fisher_greater((3, 3), (0, 3)) == pytest.approx(0.05)      # 1 / C(6, 3)
    assert stats.fisher_greater((2, 3), (0, 3)) == pytest.approx(0.2)
    assert stats.fisher_greater((0, 3), (2, 3)) == pytest.approx(1.0)      # one-sided: the other direction is no claim
    assert stats.fisher_greater((10, 10), (0, 10)) < 1e-5


def test_a_comparison_claims_only_below_the_threshold_and_always_shows_the_counts():
    weak = stats.compare((2, 3), (0, 3), claim="the RNN beats the LSTM at T = 50", subject="the RNN against the LSTM")
    assert not weak.significant
    assert weak.sentence == "The RNN against the LSTM: within seed noise at 3 seeds (2/3 vs 0/3, p = 0.20)."
    strong = stats.compare((8, 10), (1, 10), claim="the LSTM beats the RNN at T = 50", subject="x")
    assert strong.significant and strong.sentence.startswith("The LSTM beats the RNN at T = 50 (8/10 vs 1/10, p = ")
    assert "within seed noise" not in strong.sentence


def test_the_best_of_several_lags_is_corrected_for_the_lags_tried():
    a, b = stats.wilson(3, 3), stats.wilson(0, 3)
    T, c = stats.best_lag({10: (stats.wilson(1, 3), b), 50: (a, b), 100: (a, b)},
                          claim=lambda T: f"a beats b at T = {T}", subject=lambda T: f"a against b, best lag T = {T}")
    assert T == 50 and c.p == pytest.approx(0.15) and not c.significant   # 0.05 x 3 lags
    assert "corrected for 3 lags" in c.sentence
    strong = stats.wilson(9, 10), stats.wilson(0, 10)
    T, c = stats.best_lag({10: strong, 25: (None, None)}, claim=lambda T: f"a beats b at T = {T}",
                          subject=lambda T: "")
    assert T == 10 and c.significant and c.p == pytest.approx(stats.fisher_greater(*strong))  # one lag: no correction
    assert stats.best_lag({}, claim=str, subject=str) == (None, None)


def test_rates_count_successes_per_group():
    frame = pd.DataFrame({"T": [10, 10, 10, 50], "cell": ["rnn", "rnn", "lstm", "rnn"],
                          "success": [True, False, True, False]})
    table = stats.rates(frame, ["T", "cell"]).set_index(["T", "cell"])
    assert table.loc[(10, "rnn"), "k"] == 1 and table.loc[(10, "rnn"), "n"] == 2
    assert table.loc[(50, "rnn"), "share"] == 0
    assert table.loc[(10, "lstm"), "lo"] == pytest.approx(stats.wilson(1, 1).lo)
    assert stats.rate_at(table, (25, "rnn")) is None


@pytest.mark.parametrize("p, text", [(0.4, "p = 0.40"), (1.0, "p = 1.00"), (0.003, "p = 0.003"), (2e-5, "p < 0.001")])
def test_p_values_print_as_the_pages_show_them(p, text):
    assert stats.p_text(p) == text
