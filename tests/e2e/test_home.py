"""The home page loads in a real browser: its title, the sidebar's page names, an example link."""

import re

from playwright.sync_api import Page, expect


def test_home_shows_title(page: Page, streamlit_server: str) -> None:
    page.goto(streamlit_server)
    expect(page.get_by_role("heading", name="Attention Explorer", exact=True)).to_be_visible()


def test_sidebar_names_every_page_and_an_example_opens_decode_filled_in(page: Page, streamlit_server: str) -> None:
    page.goto(streamlit_server)
    nav = page.get_by_test_id("stSidebarNav")
    expected = ["app", "Decode", "Compare", "Hidden states", "Beam search", "Models", "Train", "Timelapse"]
    # The home page's entry is named after its file, app.py (README, "The app": why not "Home")
    expect(nav.get_by_role("link")).to_have_text(expected)
    page.get_by_role("link", name="I am cold.").click()
    # The Decode page then writes its whole view into the URL (scorer, step, strategy too).
    expect(page).to_have_url(re.compile(r"/Decode\?task=en-fr&.*sentence=I\+am\+cold\."))
    expect(page.get_by_label("Source sentence")).to_have_value("I am cold.")
