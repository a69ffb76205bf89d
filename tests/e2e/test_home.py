"""The home page loads in a real browser: its title, the sidebar's page names, an example link;
the sidebar's links open their pages."""

import re

from playwright.sync_api import Page, expect

from tests.e2e import page_clock


def test_home_shows_title(page: Page, streamlit_server: str) -> None:
    page.goto(streamlit_server)
    expect(page.get_by_role("heading", name="Attention Explorer", exact=True)).to_be_visible()


def test_sidebar_names_every_page_and_an_example_opens_decode_filled_in(page: Page, streamlit_server: str) -> None:
    page_clock.watch(page)  # its runs can be counted
    page.goto(streamlit_server)
    sidebar = page.get_by_test_id("stSidebar")
    expected = [
        "Home",
        "Decode",
        "Compare",
        "Hidden states",
        "Beam search",
        "Models",
        "Train",
        "Timelapse",
        "Lessons",
        "Lab",
    ]
    # The app's own list (explorer/ui/shell/navigation.py); Streamlit's, which says "app", is hidden.
    expect(sidebar.get_by_role("link")).to_have_text(expected)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    # Once the page has opened (its one run, page_clock.answered): the page asks for no second run, which a
    # click on a page link could be folded into and lost (CI of 2026-11-27, the URL stayed "/").
    page_clock.answered(page)
    page_clock.click_still(page, page.get_by_role("link", name="I am cold."))
    # The Decode page then writes its whole view into the URL (scorer, step, strategy too).
    expect(page).to_have_url(re.compile(r"/Decode\?task=en-fr&.*sentence=I\+am\+cold\."))
    expect(page.get_by_label("Source sentence")).to_have_value("I am cold.")


def test_a_sidebar_link_opens_its_page_and_is_marked_as_the_open_one(page: Page, streamlit_server: str) -> None:
    page_clock.watch(page)
    page.goto(f"{streamlit_server}/Compare")
    sidebar = page.get_by_test_id("stSidebar")
    # once the page has opened, as above
    page_clock.answered(page)
    page_clock.click_still(page, sidebar.get_by_role("link", name="Models", exact=True))
    expect(page).to_have_url(re.compile(r"/Models(\?model=[^&]+)?$"))  # the card shown rides in the URL
    expect(page.get_by_role("heading", name="Models", exact=True)).to_be_visible(timeout=30_000)
    # The open page's link is Streamlit's active one, on a grey background; the others have none.
    clear = "rgba(0, 0, 0, 0)"
    expect(sidebar.get_by_role("link", name="Models", exact=True)).not_to_have_css("background-color", clear)
    expect(sidebar.get_by_role("link", name="Home", exact=True)).to_have_css("background-color", clear)
