"""What the RNNs of the Lab are compared against; none of it is the engine.

- :mod:`baselines`: the trivial predictors each task or series must beat (persistence, seasonal, AR, bag-of-words).
- :mod:`article_code`: the source article's code samples, rebuilt to show what they really do when run.
- :mod:`cliff`: Pascanu et al.'s one-unit loss surface with its cliff, for the clipping page.
"""
