"""rnncore: a from-scratch NumPy engine for recurrent networks, with hand-written backpropagation through time.

The public API is listed in ``__all__``; see ``../DESIGN.md`` for the contract that tests pin.
"""
__version__ = "0.1.0"

__all__ = ["__version__"]
