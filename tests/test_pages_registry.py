"""The pages declared once (explorer.state.pages): every script of pages/ is declared, every link that
works today keeps its address, and the sidebar, share links, classes and lessons read the one table."""

from __future__ import annotations

from pathlib import Path

from explorer.classrooms import follow, store
from explorer.lessons import schema
from explorer.lessons.player import page_label
from explorer.state import pages
from explorer.state.view import LINK_FIELDS
from explorer.ui.shell import navigation

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_script_is_declared_once_and_exists():
    on_disk = [f"app_pages/{path.name}" for path in sorted((ROOT / "app_pages").glob("*.py"))]
    assert list(pages.SCRIPTS) == on_disk
    assert len({page.name for page in pages.PAGES}) == len(pages.PAGES)
    assert all((ROOT / page.script).is_file() and page.label and page.icon for page in pages.PAGES)


def test_every_address_of_today_keeps_working():
    """Share links, lessons, classes and bookmarks name these paths: a page must not move."""
    assert {page.name: page.url_path for page in pages.PAGES} == {
        "home": "",
        "decode": "Decode",
        "compare": "Compare",
        "states": "Hidden_states",
        "beam": "Beam_search",
        "models": "Models",
        "train": "Train",
        "timelapse": "Timelapse",
        "lessons": "Lessons",
        "lab": "Lab",
    }


def test_the_sidebar_links_classes_and_lessons_read_the_registry():
    assert navigation.page_scripts() == pages.SCRIPTS
    assert navigation.label("app_pages/3_Hidden_states.py") == "Hidden states"
    assert set(LINK_FIELDS) == {"decode", "states", "compare", "beam", "lab"}
    assert LINK_FIELDS["compare"][:3] == ("task", "sentence", "units")  # a new view field may follow them
    assert "scorer" not in LINK_FIELDS["compare"]  # Compare shows every scorer
    assert follow.PAGE_FILES == {p.name: p.script for p in pages.PAGES if p.in_class}
    assert set(store.PAGES) == set(follow.PAGE_FILES) >= {"decode", "lessons", "lab"}
    assert schema.PAGES == {p.name: p.script for p in pages.PAGES if p.in_lessons}
    assert "lessons" not in schema.PAGES and "home" not in schema.PAGES  # a step opens a page, not the player
    assert page_label("states") == "Hidden states"
