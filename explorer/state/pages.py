"""Every page of the app, declared once: its script, its name in the sidebar, its icon, its URL path,
the view fields its share link keeps, the other query parameters it reads (explorer.state.params parses
them), and whether a live class or a lesson step may show it.

app.py declares these pages to Streamlit (`st.navigation`, explorer.ui.shell.navigation.run), and the sidebar
(explorer.ui.shell.navigation), the share links (explorer.state.view.LINK_FIELDS), a class's pages
(explorer.classrooms.follow, explorer.classrooms.store) and a lesson step's pages (explorer.lessons) all read
this table. A new page: its script in app_pages/ and one `Page` here (docs/architecture.md).
Plain data: no streamlit, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from explorer.i18n import N_
from explorer.state import keys


@dataclass(frozen=True)
class Page:
    name: str  # how links, classes and lessons call it ("states")
    script: str  # its file, from the project's root ("app_pages/3_Hidden_states.py")
    label: str  # its name in the sidebar, English, marked (N_): translated where shown
    icon: str
    # The view fields its share link keeps (explorer.state.view.link_params); () for a page without a view.
    link_fields: tuple[str, ...] = ()
    in_class: bool = False  # a live class's teacher may show it to the room
    in_lessons: bool = False  # a lesson step may open it
    # The query parameters it reads beyond its link fields, parsed and checked by explorer.state.params
    # (a page never reads its own): Models' `model`, a lesson and its step, the Lab's open view.
    params: tuple[str, ...] = ()
    # Its own fields, held by the view's owner beside the shared view (explorer.state.owner.own): its other
    # widgets' values, and its `params` that are not the shared view's (Models' `model` is the card shown).
    own: tuple[str, ...] = ()

    @property
    def url_path(self) -> str:
        """Its path in the address bar: "app_pages/3_Hidden_states.py" -> "Hidden_states"; "" for the home
        page, the app's root. They are the paths Streamlit gave the files of the former pages/ folder, so
        every link shared before still opens its page (tests/test_pages_registry.py)."""
        return "" if self.name == HOME_NAME else PurePosixPath(self.script).stem.split("_", 1)[1]


HOME_NAME = "home"
AT = ("lesson", "at")  # the Lessons page's parameters and own fields: a lesson and its step
HOME = Page(HOME_NAME, "app_pages/0_Home.py", N_("Home"), "🔎")
PAGES: tuple[Page, ...] = (
    HOME,
    Page(
        "decode",
        "app_pages/1_Decode.py",
        N_("Decode"),
        "▶️",
        ("task", "scorer", "sentence", "step", "model", *keys.DECODING_KEYS, "units"),
        in_class=True,
        in_lessons=True,
    ),
    Page(  # Compare shows every scorer: no scorer in its link; its own: Scorer A and B of the difference
        "compare",
        "app_pages/2_Compare.py",
        N_("Compare"),
        "⚖️",
        ("task", "sentence", "units"),
        True,
        True,
        own=("a", "b"),
    ),
    Page(
        "states",
        "app_pages/3_Hidden_states.py",
        N_("Hidden states"),
        "🧭",
        ("task", "scorer", "model", "sentence", "step", *keys.DECODING_KEYS),
        in_class=True,
        in_lessons=True,
    ),
    Page(  # its own width is its `beam`, whatever the strategy
        "beam",
        "app_pages/4_Beam_search.py",
        N_("Beam search"),
        "🌳",
        ("task", "scorer", "model", "sentence", "beam", "units"),
        in_class=True,
        in_lessons=True,
    ),
    Page("models", "app_pages/5_Models.py", N_("Models"), "📋", in_lessons=True, params=("model",), own=("model",)),
    Page("train", "app_pages/6_Train.py", N_("Train"), "🏋️", in_lessons=True),
    Page(  # a class's teacher view: the shipped models' task, a probe, an epoch (no ViewState)
        "timelapse",
        "app_pages/7_Timelapse.py",
        N_("Timelapse"),
        "🎞️",
        in_class=True,
        in_lessons=True,
        params=("task", "probe", "epoch"),  # its task: the shared view's; own: `history` shown, its `newest` epoch
        own=("origin", "probe", "epoch", "model", "history", "newest"),
    ),
    Page("lessons", "app_pages/8_Lessons.py", N_("Lessons"), "🎓", in_class=True, params=AT, own=AT),
    Page(  # it explains greedy decodes: no strategy; and the Lab's own `view` (explorer.views.lab)
        "lab",
        "app_pages/9_Lab.py",
        N_("Lab"),
        "🔬",
        ("task", "scorer", "model", "sentence", "step"),
        in_class=True,
        in_lessons=True,
        params=("view",),
        own=("view",),
    ),
)
BY_NAME = {page.name: page for page in PAGES}
SCRIPTS = tuple(page.script for page in PAGES)  # the home page first, then the others in the sidebar's order


def scripts(where: str) -> dict[str, str]:
    """name -> script of the pages a live class ("class") or a lesson step ("lessons") may show."""
    wanted = {"class": lambda page: page.in_class, "lessons": lambda page: page.in_lessons}[where]
    return {page.name: page.script for page in PAGES if wanted(page)}
