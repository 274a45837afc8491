"""The training loop: learning works where it should and not where it should not, divergence is data, same seed
same bits."""

import numpy as np
import pytest

import rnncore as rc


def _adding(T, n=64):
    return lambda r: rc.tasks.adding(rng=r, n=n, T=T)


def _run(cell, T, steps, seed=0):
    spec = rc.ModelSpec(cell=cell, input_size=2, hidden_size=32, output_size=1, loss="mse")
    rng = np.random.default_rng(seed)
    params = rc.init_model(spec, rng=rng)
    res = rc.train(spec, params, _adding(T), rng=rng, steps=steps, optimizer=rc.adam(1e-2), clip=1.0)
    test = rc.tasks.adding(rng=np.random.default_rng(12345), n=2000, T=T)
    return res, rc.evaluate(spec, res.params, test)


@pytest.mark.slow
def test_lstm_learns_the_adding_problem_and_a_tanh_rnn_does_not():
    """Same budget for both: 500 Adam steps (lr 1e-2, clip 1), batch 64, hidden 32; held-out MSE on 2,000 samples.

    Measured here: the LSTM at T=50 reaches 0.0041 (2.5% of the 1/6 baseline); the tanh RNN at T=100 stays at
    0.163 (98% of it), as with PyTorch on this machine type. About 8 s for both on 2 shared cores.
    """
    baseline = 1 / 6
    res_lstm, lstm = _run("lstm", 50, 500)
    res_rnn, rnn = _run("rnn", 100, 500)
    assert res_lstm.stopped_at is None and res_rnn.stopped_at is None
    assert lstm < 0.10 * baseline, f"LSTM at T=50 reached {lstm:.4f}, {lstm / baseline:.1%} of the baseline"
    assert rnn > 0.80 * baseline, f"tanh RNN at T=100 reached {rnn:.4f}, {rnn / baseline:.1%} of the baseline"


def test_history_records_every_step_and_clipping():
    spec = rc.ModelSpec(cell="gru", input_size=2, hidden_size=8, output_size=1)
    rng = np.random.default_rng(1)
    params = rc.init_model(spec, rng=rng)
    calls = []
    res = rc.train(spec, params, _adding(10, 8), rng=rng, steps=25, optimizer=rc.sgd(0.1), clip=0.05,
                   callback=lambda done, total, info: calls.append((done, total, info["loss"])), callback_every=10)
    h = res.history
    assert list(h.step) == list(range(1, 26))
    assert np.all(h.grad_norm > 0) and np.all(np.isfinite(h.loss))
    np.testing.assert_array_equal(h.clipped, h.grad_norm > 0.05)
    assert h.clipped.any()
    assert np.all(np.diff(h.seconds) >= 0) and np.all(h.dh0_norm > 0)
    assert [c[:2] for c in calls] == [(10, 25), (20, 25), (25, 25)]
    assert calls[0][2] == h.loss[9]


def test_same_seed_same_bits():
    spec = rc.ModelSpec(cell="lstm", input_size=2, hidden_size=6, output_size=1)

    def run():
        rng = np.random.default_rng(42)
        params = rc.init_model(spec, rng=rng)
        return rc.train(spec, params, _adding(12, 8), rng=rng, steps=15, optimizer=rc.adam(1e-2), clip=1.0)

    a, b = run(), run()
    assert a.history.loss.tobytes() == b.history.loss.tobytes()
    assert all(a.params[k].tobytes() == b.params[k].tobytes() for k in a.params)


def test_divergence_stops_and_reports_instead_of_raising():
    """A ReLU RNN with W_h at spectral radius 1.5 over 60 steps overflows: the run must stop cleanly."""
    spec = rc.ModelSpec(cell="rnn", nonlinearity="relu", input_size=2, hidden_size=8, output_size=1)
    rng = np.random.default_rng(0)
    params = rc.init_model(spec, rng=rng, scheme="identity", spectral_radius=1.5)
    snapshot = {k: v.copy() for k, v in params.items()}
    res = rc.train(spec, params, _adding(60, 16), rng=rng, steps=50, optimizer=rc.sgd(2.0))
    assert res.stopped_at is not None and res.stopped_at <= 50
    assert f"step {res.stopped_at}" in res.reason
    assert len(res.history.loss) == res.stopped_at - 1
    assert all(np.all(np.isfinite(v)) for v in res.params.values())
    assert all(np.array_equal(params[k], snapshot[k]) for k in params)  # the caller's params are untouched


def test_clipping_prevents_that_divergence():
    spec = rc.ModelSpec(cell="rnn", nonlinearity="relu", input_size=2, hidden_size=8, output_size=1)
    rng = np.random.default_rng(0)
    params = rc.init_model(spec, rng=rng, scheme="identity", spectral_radius=0.9)
    res = rc.train(spec, params, _adding(30, 16), rng=rng, steps=30, optimizer=rc.sgd(2.0), clip=1.0)
    unclipped = rc.train(spec, params, _adding(30, 16), rng=np.random.default_rng(0), steps=30,
                         optimizer=rc.sgd(2.0))
    assert res.stopped_at is None
    assert unclipped.stopped_at is not None or unclipped.history.loss.max() > 100 * res.history.loss.max()


def test_bad_arguments():
    spec = rc.ModelSpec(cell="rnn", input_size=2, hidden_size=4)
    params = rc.init_model(spec, rng=np.random.default_rng(0))
    kw = dict(rng=np.random.default_rng(0), optimizer=rc.sgd(0.1))
    with pytest.raises(ValueError, match="steps"):
        rc.train(spec, params, _adding(5), steps=0, **kw)
    with pytest.raises(ValueError, match="clip"):
        rc.train(spec, params, _adding(5), steps=1, clip=-1.0, **kw)
    with pytest.raises(ValueError, match="task's loss"):
        xent = lambda r: rc.tasks.temporal_order(rng=r, n=4, T=20)  # noqa: E731
        rc.train(spec, params, xent, steps=1, **kw)
