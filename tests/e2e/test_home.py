"""The home page loads in a real browser and shows the app's title."""

from playwright.sync_api import Page, expect


def test_home_shows_title(page: Page, streamlit_server: str) -> None:
    page.goto(streamlit_server)
    expect(page.get_by_role("heading", name="Attention Explorer", exact=True)).to_be_visible()
