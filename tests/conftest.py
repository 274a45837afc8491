"""Shared fixtures for the engine tests."""
import numpy as np
import pytest


@pytest.fixture
def strict_numpy():
    """Turn silent overflow, invalid operations and division by zero into errors (underflow stays quiet)."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(20261126)
