"""The Streamlit side of the Lab, shared by every page.

- :mod:`app.ui`: the pages' one import: one helper per chore, re-exported from :mod:`app.controls` (controls bound
  to the URL), :mod:`app.caching`, :mod:`app.drawing`, :mod:`app.downloads` and :mod:`app.conventions`.
- :mod:`app.runs`: run on click, with an estimate, and remember it (the pages that train or time import it).
- :mod:`app.nav`: the page list, declared once (no Streamlit import, so tests can read it).

Importing this package limits BLAS to one thread for the whole server process. The Lab's matrices are small (H up to
256), where a second BLAS thread gains little, and Streamlit runs every session in a thread of one process: with a
multi-threaded BLAS, two sessions (or one session and any other work on a 2-core machine) oversubscribe the cores,
and a page that takes 3 s alone was measured at 93 s. Results do not depend on it: the shipped results are
reproduced bit for bit with one thread.
"""
import numpy  # noqa: F401 - loads BLAS, so that the limit below reaches it (threadpoolctl sees loaded libraries only)
from threadpoolctl import threadpool_limits

threadpool_limits(1)
