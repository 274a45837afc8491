"""The Streamlit side of the Lab, shared by every page.

- :mod:`lab.ui`: the page conventions (article box, "Reproduce in Python", CSV downloads, run problems, the global
  seed, cached experiment calls with progress). Pages import ``from lab import ui`` and nothing else from here.
- :mod:`lab.controls`: controls bound to the URL, re-exported by :mod:`lab.ui`.
- :mod:`lab.nav`: the page list, declared once (no Streamlit import, so tests can read it).
"""
