"""Data that comes into the Lab or ships out of it; none of it is the engine.

- :mod:`series`: the offline real time series (from the ``vega_datasets`` package's files) and the sine.
- :mod:`text`: the tokenizer and the order-sensitive sentiment corpus.
- :mod:`uploads`: validation of a user's CSV file (never evaluated, never unpickled), the two checks the pages call;
  built on :mod:`csv_table` (decode and parse, refusing what would lose rows), :mod:`csv_cells` (numbers, dates,
  labels) and :mod:`csv_errors` (the error and how a message names lines and cells).
- :mod:`shipped`: the bit-exact array JSON of the shipped results in ``shipped_results/``.
"""
