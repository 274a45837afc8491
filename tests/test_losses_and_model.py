"""Losses, embedding and readout: finite-difference checks in float64, stability, and the whole model's gradient."""
import numpy as np
import pytest

from rnncore import gradcheck, layers, losses
from rnncore.model import ModelSpec, forward, init_model, loss_and_grads

pytestmark = pytest.mark.usefixtures("strict_numpy")


def _loss_case(kind, rng, shape=(3, 4)):
    if kind == "xent":
        z = rng.standard_normal(shape + (5,))
        y = rng.integers(0, 5, size=shape)
    elif kind == "bce":
        z = rng.standard_normal(shape)
        y = rng.integers(0, 2, size=shape).astype(float)
    else:
        z = rng.standard_normal(shape)
        y = rng.standard_normal(shape)
    return z, y


@pytest.mark.parametrize("kind", losses.LOSSES)
@pytest.mark.parametrize("masked", [False, True])
def test_loss_gradients(kind, masked, rng):
    z, y = _loss_case(kind, rng)
    mask = (rng.random(y.shape) < 0.6) if masked else None
    if mask is not None:
        mask[0, 0] = True
    fn = losses.get_loss(kind)
    analytic = fn(z, y, mask).dpred
    rows = gradcheck.check(lambda: fn(z, y, mask).loss, {"z": z}, {"z": analytic})
    assert rows[0].passed, rows


def test_losses_against_their_definitions(rng):
    z, y = _loss_case("bce", rng)
    s = 1 / (1 + np.exp(-z))
    assert losses.bce_with_logits(z, y).loss == pytest.approx(np.mean(-y * np.log(s) - (1 - y) * np.log(1 - s)))
    z, y = _loss_case("xent", rng)
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    picked = np.take_along_axis(p, y[..., None], -1)[..., 0]
    assert losses.softmax_xent(z, y).loss == pytest.approx(np.mean(-np.log(picked)))
    z, y = _loss_case("mse", rng)
    assert losses.mse(z, y).loss == pytest.approx(np.mean((z - y) ** 2))


def test_losses_are_stable_at_huge_logits():
    z = np.array([[1000.0, -1000.0], [-800.0, 800.0]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    r = losses.bce_with_logits(z, y)
    assert np.isfinite(r.loss) and r.loss == pytest.approx(900.0)
    assert np.all(np.isfinite(r.dpred))
    x = losses.softmax_xent(np.array([[1000.0, 0.0, -1000.0]]), np.array([2]))
    assert x.loss == pytest.approx(2000.0) and np.all(np.isfinite(x.dpred))


def test_loss_errors_name_the_problem(rng):
    with pytest.raises(ValueError, match="must match"):
        losses.mse(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="integer class ids"):
        losses.softmax_xent(np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        losses.softmax_xent(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="unknown loss"):
        losses.get_loss("hinge")


def test_embedding_and_linear_gradients(rng):
    E = rng.standard_normal((6, 3))
    ids = np.array([[0, 5, 5, 2], [1, 1, 1, 0]])  # repeated ids must accumulate
    W, b = rng.standard_normal((3, 2)), rng.standard_normal(2)
    u = rng.standard_normal((2, 4, 2))

    def f():
        return float(np.sum(layers.linear(layers.embed(E, ids), W, b) * u))

    X = layers.embed(E, ids)
    dX, dW, db = layers.linear_backward(u, X, W)
    dE = layers.embed_backward(dX, ids, 6)
    rows = gradcheck.check(f, {"E": E, "W": W, "b": b}, {"E": dE, "W": dW, "b": db})
    assert all(r.passed for r in rows), rows
    with pytest.raises(ValueError, match=r"0\.\.5"):
        layers.embed(E, np.array([[0, 6]]))


MODEL_CASES = [
    ModelSpec(cell="rnn", input_size=3, hidden_size=4, output_size=2, loss="mse", output="last"),
    ModelSpec(cell="lstm", input_size=3, hidden_size=4, output_size=1, loss="bce", output="last"),
    ModelSpec(cell="gru", input_size=3, hidden_size=4, output_size=5, loss="xent", output="all"),
    ModelSpec(cell="lstm", input_size=3, hidden_size=4, output_size=1, loss="bce", output="last", vocab_size=7),
    ModelSpec(cell="rnn", input_size=2, hidden_size=3, output_size=4, loss="xent", output="last", vocab_size=5,
              nonlinearity="sigmoid"),
]


def _targets(spec, rng, B, T):
    lead = (B,) if spec.output == "last" else (B, T)
    if spec.loss == "xent":
        return rng.integers(0, spec.output_size, size=lead)
    if spec.loss == "bce":
        return rng.integers(0, 2, size=lead + (spec.output_size,)).astype(float)
    return rng.standard_normal(lead + (spec.output_size,))


@pytest.mark.parametrize("spec", MODEL_CASES, ids=lambda s: f"{s.cell}-{s.loss}-{s.output}-v{s.vocab_size}")
@pytest.mark.parametrize("truncate", [None, 2])
def test_whole_model_gradient(spec, truncate, rng):
    B, T = 3, 5
    params = init_model(spec, rng=rng, scheme="uniform")
    xs = (rng.integers(0, spec.vocab_size, size=(B, T)) if spec.vocab_size
          else rng.standard_normal((B, T, spec.input_size)))
    ys = _targets(spec, rng, B, T)
    out = loss_and_grads(spec, params, xs, ys, truncate=truncate)
    assert set(out.grads) == set(params)
    if truncate is None:
        rows = gradcheck.check(lambda: loss_and_grads(spec, params, xs, ys).loss, params, out.grads)
        assert all(r.passed for r in rows), [r for r in rows if not r.passed]
    else:  # the readout and embedding see no truncation: their gradients must still be exact
        rows = gradcheck.check(lambda: loss_and_grads(spec, params, xs, ys).loss,
                               {"W_y": params["W_y"], "b_y": params["b_y"]}, out.grads)
        assert all(r.passed for r in rows), rows
    pred, _ = forward(spec, params, xs)
    assert pred.shape == ((B, spec.output_size) if spec.output == "last" else (B, T, spec.output_size))


def test_spec_validation():
    with pytest.raises(ValueError, match="unknown loss"):
        ModelSpec(loss="hinge")
    with pytest.raises(ValueError, match="hidden_size"):
        ModelSpec(hidden_size=0)
    with pytest.raises(ValueError, match="unknown cell"):
        ModelSpec(cell="transformer")
