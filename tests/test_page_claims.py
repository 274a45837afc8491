"""Every sentence that compares settings on the long-term and remedy pages is earned by the shipped data: it claims a
difference only where a one-sided Fisher exact test (recomputed here with scipy, from the raw rows) gives p < 0.05,
and otherwise says "within seed noise" with the counts. One test per page."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from scipy.stats import fisher_exact

from rnncore.experiments import clipping
from rnncore.experiments import initialization as ins
from rnncore.experiments import long_term as lt
from rnncore.experiments import sweeps as sw

SHIPPED = Path(sw.__file__).resolve().parent.parent / "data" / "shipped_results"
PAGES = Path(__file__).resolve().parents[1] / "app" / "pages"
#: Words that claim a difference: on these pages they may only come from the findings, never from the page's text.
CLAIM_WORDS = re.compile(r"succeeds? more often|\bbeats?\b|as the literature reports|\*\*Agrees\.\*\*|"
                         r"\*\*yes\*\*", re.IGNORECASE)


def one_sided_p(frame, column, a_mask, b_mask, tries: int = 1) -> tuple[float, str]:
    """The Bonferroni-corrected one-sided Fisher p that rows ``a_mask`` have ``column`` True more often than
    ``b_mask``, and the counts "ka/na vs kb/nb"."""
    ka, na = int(frame.loc[a_mask, column].sum()), int(a_mask.sum())
    kb, nb = int(frame.loc[b_mask, column].sum()), int(b_mask.sum())
    p = fisher_exact([[ka, na - ka], [kb, nb - kb]], alternative="greater").pvalue
    return min(1.0, p * tries), f"{ka}/{na} vs {kb}/{nb}"


def check(sentence: str, p: float, evidence: str) -> None:
    assert evidence in sentence, (evidence, sentence)
    if p < 0.05:
        assert "within seed noise" not in sentence, sentence
    else:
        assert "within seed noise" in sentence, sentence


def page_source_claims_nothing_by_itself(page: str) -> None:
    source = (PAGES / page).read_text()
    assert not CLAIM_WORDS.search(source), CLAIM_WORDS.search(source).group(0)


def lag_frame(task: str):
    return lt.with_models(sw.lag_sweeps(SHIPPED).query("task == @task"))


def check_lag_findings(task: str) -> lt.LagFindings:
    frame = lag_frame(task)
    found = lt.lag_findings(frame)
    lags = sorted(frame["T"].unique())
    for model, (T, c) in found.gated_vs_rnn.items():
        at = frame["T"] == T
        p, counts = one_sided_p(frame, "success", at & (frame["model"] == model), at & (frame["model"] == "RNN"),
                                tries=len(lags))
        check(c.sentence, p, counts)
        for other in lags:  # the lag shown is the one where the gated model is ahead most surely
            here = frame["T"] == other
            assert one_sided_p(frame, "success", here & (frame["model"] == model),
                               here & (frame["model"] == "RNN"))[0] >= c.p / len(lags) - 1e-12
    for T, c in found.rnn_vs_gated.items():
        at = frame["T"] == T
        best = max(found.gated, key=lambda m: frame.loc[at & (frame["model"] == m), "success"].mean())
        p, counts = one_sided_p(frame, "success", at & (frame["model"] == "RNN"), at & (frame["model"] == best))
        check(c.sentence, p, counts)
    assert found.sentences and all(s in found.sentences for s in
                                   [c.sentence for _, c in found.gated_vs_rnn.values()])
    return found


def test_long_term_page_claims_only_what_the_lag_sweeps_support():
    page_source_claims_nothing_by_itself("long_term.py")
    check_lag_findings("adding")
    first = check_lag_findings("first_element")
    # the page once said "the RNN beats both gated cells at T = 50 and 200" on 2/3 vs 0/3 and 1/3 vs 0/3
    for c in first.rnn_vs_gated.values():
        if c.a.n <= 3:
            assert not c.significant and "within seed noise at 3 seeds" in c.sentence, c.sentence


def test_gated_cells_page_claims_only_what_the_lag_sweeps_support():
    page_source_claims_nothing_by_itself("gated_cells.py")
    for task in ("adding", "first_element"):
        found = check_lag_findings(task)
        if found.bias is not None:  # the LSTM with forget-gate bias 1 against bias 0
            frame = lag_frame(task)
            T, c = found.bias
            at = frame["T"] == T
            other = next(m for m in found.gated if m.startswith("LSTM ("))
            p, counts = one_sided_p(frame, "success", at & (frame["model"] == "LSTM"), at & (frame["model"] == other),
                                    tries=frame["T"].nunique())
            check(c.sentence, p, counts)


def test_clipping_page_claims_only_what_the_clipping_sweep_supports():
    page_source_claims_nothing_by_itself("clipping.py")
    frame = sw.load("sweep_clipping", SHIPPED).frame
    frame = frame.assign(clipped=frame["clip"].notna(), thrown=clipping.thrown_off(frame["ratio"]),
                         learning=frame["ratio"] < 0.9)
    found = clipping.clip_findings(sw.load("sweep_clipping", SHIPPED).frame)
    tries = frame["T"].nunique()
    T, c = found.learns
    at = frame["T"] == T
    check(c.sentence, *one_sided_p(frame, "success", at & frame["clipped"], at & ~frame["clipped"], tries=tries))
    T, c = found.improves
    at = frame["T"] == T
    check(c.sentence, *one_sided_p(frame, "learning", at & frame["clipped"], at & ~frame["clipped"], tries=tries))
    T, c = found.steadies
    at = frame["T"] == T
    check(c.sentence, *one_sided_p(frame, "thrown", at & ~frame["clipped"], at & frame["clipped"], tries=tries))
    assert found.sentences == tuple(x[1].sentence for x in (found.learns, found.improves, found.steadies))


def test_initialization_page_claims_only_what_the_init_sweep_supports():
    page_source_claims_nothing_by_itself("initialization.py")
    frame = ins.with_choices(sw.load("sweep_init", SHIPPED).frame)
    found = ins.init_findings(frame)
    tries = frame["T"].nunique()
    pairs = {**{(c, "small"): v for c, v in found.against_small.items()},
             ("orthogonal", "xavier"): found.orthogonal_vs_xavier}
    assert len(pairs) >= 4
    for (a, b), (T, c) in pairs.items():
        at = frame["T"] == T
        check(c.sentence, *one_sided_p(frame, "success", at & (frame["choice"] == a), at & (frame["choice"] == b),
                                       tries=tries))
        assert c.sentence in found.sentences


@pytest.mark.parametrize("sentence", ["The RNN beats both gated cells at T = 50 and 200.",
                                      "It never falls as T grows: **yes**, as the literature reports."])
def test_the_page_check_catches_a_hand_written_claim(sentence):
    assert CLAIM_WORDS.search(sentence)
