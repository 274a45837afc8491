"""The Streamlit side of the Lab, shared by every page.

- :mod:`app.ui`: the page conventions (article box, "Reproduce in Python", CSV downloads, run problems, the global
  seed, cached experiment calls with progress). Pages import ``from app import ui`` and nothing else from here.
- :mod:`app.controls`: controls bound to the URL, re-exported by :mod:`app.ui`.
- :mod:`app.nav`: the page list, declared once (no Streamlit import, so tests can read it).
"""
