"""The statistics behind every sentence that compares settings: success rates with Wilson 95% intervals, one-sided
Fisher exact tests between two settings, and the sentence a comparison earns.

All of it is ``scipy.stats`` (``binomtest(...).proportion_ci(method="wilson")``, ``fisher_exact``); nothing here is
hand-written statistics. A sentence claims a difference only when the one-sided p-value is below :data:`ALPHA`;
otherwise it says the difference is within seed noise at the number of seeds shipped, with the counts.
"""
from __future__ import annotations

from typing import NamedTuple

import pandas as pd
from scipy import stats

ALPHA = 0.05       # the significance level of every claim
CONFIDENCE = 0.95  # of every interval


class Rate(NamedTuple):
    """k successes out of n, with its Wilson interval."""

    k: int
    n: int
    lo: float
    hi: float

    @property
    def share(self) -> float:
        return self.k / self.n if self.n else float("nan")

    def __str__(self) -> str:
        return f"{self.k}/{self.n}"


def wilson(k: int, n: int, confidence: float = CONFIDENCE) -> Rate:
    """The Wilson score interval of a success rate k/n (scipy's ``binomtest``); (nan, nan) when n = 0."""
    k, n = int(k), int(n)
    if n < 0 or not 0 <= k <= max(n, 0):
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return Rate(0, 0, float("nan"), float("nan"))
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return Rate(k, n, float(ci.low), float(ci.high))


def fisher_greater(a: Rate | tuple[int, int], b: Rate | tuple[int, int]) -> float:
    """One-sided Fisher exact p-value that setting ``a`` succeeds more often than ``b`` (each (k, n))."""
    (ka, na), (kb, nb) = (tuple(x)[:2] for x in (a, b))
    table = [[int(ka), int(na) - int(ka)], [int(kb), int(nb) - int(kb)]]
    return float(stats.fisher_exact(table, alternative="greater").pvalue)


def rates(frame: pd.DataFrame, by: list[str], success: str = "success") -> pd.DataFrame:
    """Success counts per group with their Wilson intervals.

    Args:
        frame: one row per run, with a boolean ``success`` column and the ``by`` columns.

    Returns:
        the ``by`` columns, k, n, share, lo, hi (one row per group).
    """
    grouped = frame.groupby(by, as_index=False, dropna=False).agg(k=(success, "sum"), n=(success, "size"))
    ints = grouped.assign(k=grouped["k"].astype(int), n=grouped["n"].astype(int))
    cis = [wilson(k, n) for k, n in zip(ints["k"], ints["n"])]
    return ints.assign(share=ints["k"] / ints["n"], lo=[c.lo for c in cis], hi=[c.hi for c in cis])


class Comparison(NamedTuple):
    """Two settings compared at one point (e.g. one lag): their counts, the p-value, and the sentence it earns."""

    a: Rate
    b: Rate
    p: float            # one-sided Fisher exact, H1: a succeeds more often than b
    significant: bool   # p < ALPHA
    sentence: str


def p_text(p: float) -> str:
    """A p-value as the pages print it: "p = 0.40", "p = 0.003", "p < 0.001"."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.2f}" if p >= 0.01 else f"p = {p:.1g}"


def counts(a: Rate, b: Rate, p: float) -> str:
    """The evidence in brackets: "2/3 vs 0/3, p = 0.40"."""
    return f"{a} vs {b}, {p_text(p)}"


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def compare(a: Rate | tuple[int, int], b: Rate | tuple[int, int], *, claim: str, subject: str,
            tries: int = 1) -> Comparison:
    """Compare setting ``a`` with ``b`` (does ``a`` succeed more often?) and word the result.

    Args:
        a, b: (k, n) success counts, or Rates.
        claim: what to say when the data supports it, e.g. "the LSTM succeeds more often than the RNN at T = 50".
        subject: what is compared, said when it does not, e.g. "the LSTM against the RNN at T = 50".
        tries: how many such comparisons the one shown was picked from (e.g. the lags of a sweep): the p-value is
            multiplied by it (Bonferroni), so picking the best of several does not make noise look significant.

    Returns:
        Comparison; its sentence is the claim with the counts when the one-sided Fisher p < ALPHA ("The LSTM
        succeeds more often than the RNN at T = 50 (9/10 vs 1/10, p < 0.001)."), else the subject, "within seed
        noise at N seeds", and the counts ("The RNN against the LSTM at T = 50: within seed noise at 3 seeds
        (2/3 vs 0/3, p = 0.40).").
    """
    ra, rb = (x if isinstance(x, Rate) else wilson(*x) for x in (a, b))
    p = min(1.0, fisher_greater(ra, rb) * max(int(tries), 1))
    evidence = counts(ra, rb, p) + (f", corrected for {tries} lags" if tries > 1 else "")
    if p < ALPHA:
        sentence = f"{_sentence_case(claim)} ({evidence})."
    else:
        seeds = ra.n if ra.n == rb.n else f"{ra.n} and {rb.n}"
        sentence = f"{_sentence_case(subject)}: within seed noise at {seeds} seeds ({evidence})."
    return Comparison(ra, rb, p, bool(p < ALPHA), sentence)


def rate_at(table: pd.DataFrame, key: tuple) -> Rate | None:
    """The Rate of one group of a :func:`rates` table indexed by its group columns, or None if it is missing."""
    if key not in table.index:
        return None
    row = table.loc[key]
    return wilson(int(row["k"]), int(row["n"]))


def best_lag(pairs: dict, *, claim, subject) -> tuple:
    """The lag where setting a beats setting b most surely, worded with its p-value corrected for the lags tried.

    Args:
        pairs: {T: (Rate of a, Rate of b)}; pairs with a missing Rate are left out.
        claim, subject: functions of T giving the two wordings of :func:`compare`.

    Returns:
        (T, Comparison) at the smallest one-sided p (the smallest T on ties), or (None, None) without data.
    """
    pairs = {T: ab for T, ab in pairs.items() if ab[0] is not None and ab[1] is not None}
    if not pairs:
        return None, None
    T = min(pairs, key=lambda t: (fisher_greater(*pairs[t]), t))
    return T, compare(*pairs[T], claim=claim(T), subject=subject(T), tries=len(pairs))
