"""Altair chart builders: pure functions from a tidy DataFrame to an ``alt.Chart`` (no computing, no Streamlit).

``common`` holds the shared pieces (typed encodings, line charts, heatmaps, reference rules, the colour of each
cell type); each page's own chart module builds on it, e.g. ``from rnncore.charts import common``.
"""
