"""RNN Challenges Lab: the entry point. Page config, the shared sidebar, and the navigation; the pages do the rest.

Run with ``streamlit run streamlit_app.py``. The page list is declared once, in ``app/nav.py``.
"""

import streamlit as st

from app import nav, ui

# The public repository's address, for the sidebar's "Source code" button; None until it has one.
SOURCE_URL: str | None = None

st.set_page_config(page_title="RNN Challenges Lab", page_icon=":material/cyclone:", layout="wide")

sections: dict[str, list] = {name: [] for name in nav.SECTIONS}
for spec in nav.PAGES:
    sections[spec.section].append(st.Page(spec.path, title=spec.title, icon=spec.icon,
                                          url_path=spec.url_path or None, default=spec.path == nav.DEFAULT_PAGE))
page = st.navigation(sections, expanded=True)  # every page visible, not "View 3 more"
ui.start_page(page.url_path)

with st.sidebar:
    ui.seed_input()
    st.caption(
        "Every number in the Lab is computed live by `rnncore`, a NumPy engine with hand-written backpropagation "
        "through time. Change a setting and the page measures again; copy the address bar to share the exact view."
    )
    st.caption("Each page has a **Reproduce in Python** box with the code for what it shows. "
               "The engine is the `rnncore` package of this repository; its README says how to run it yourself.")
    if SOURCE_URL:
        st.link_button("Source code and README", SOURCE_URL, icon=":material/code:")

notice = st.empty()  # top of the page: notes about link settings this page does not have
page.run()
ui.report_unknown_params(notice, page=page.url_path)
