"""The view's one owner (explorer.state.owner): dependent fields follow, a widget's key moves whenever
something other than the widget sets its field, and a link opened is the view at once. Plain dicts as the
session and a registry of plain data, so each rule is checked exactly."""

from __future__ import annotations

import re

import pytest

from explorer.state import keys, link, owner
from explorer.state.pages import BY_NAME
from tests.app_fixtures import FakeQueryParams

MODELS = {"reverse": ["none", "dot", "general", "uniform"], "dates": ["none", "general", "concat"], "zh-en": ["none"]}
SENTENCES = {"reverse": "hello world", "dates": "9 may 2018", "zh-en": "我爱你。"}
OTHERS = {("reverse", "general"): ["reverse/general-lstm"]}
REGISTRY = owner.Registry(
    available=lambda: MODELS,
    default_sentence=SENTENCES.__getitem__,
    other_models=lambda task, scorer: OTHERS.get((task, scorer), []),
)


def propose(session, changes, by=None):
    return owner.propose(session, changes, by=by, registry=REGISTRY)


def test_a_fresh_session_has_the_first_task_its_default_scorer_and_its_example():
    view = owner.view({}, REGISTRY)
    assert (view.task, view.scorer, view.sentence, view.step, view.model) == (
        "reverse",
        "general",
        "hello world",
        0,
        "",
    )


def test_a_new_task_keeps_the_scorer_it_has_and_otherwise_takes_its_default_never_none_by_accident():
    session = {}
    propose(session, {"scorer": "general", "step": 4, "sentence": "abc"})
    view = propose(session, {"task": "dates"})
    assert (view.scorer, view.sentence, view.step) == ("general", "9 may 2018", 0)  # kept; the task's example
    view = propose(session, {"scorer": "concat"})
    view = propose(session, {"task": "reverse"})
    assert view.scorer == "general"  # concat is not reverse's: reverse's default, not its first ("none")
    view = propose(session, {"task": "zh-en"})
    assert view.scorer == "none"  # the task's only scorer


def test_the_model_follows_task_and_scorer_and_a_new_input_starts_at_step_zero():
    session = {}
    view = propose(session, {"model": "reverse/general-lstm", "step": 3})
    assert (view.model, view.step) == ("reverse/general-lstm", 3)
    view = propose(session, {"scorer": "dot"})
    assert (view.model, view.step) == ("", 3)  # dot has no such model; the same input: a class compares at a step
    assert propose(session, {"beam": 4, "strategy": "beam"}).step == 3  # another decoding of it: the page clamps
    assert propose(session, {"sentence": "other"}).step == 0  # another input: from the start
    propose(session, {"step": 2})
    assert propose(session, {"task": "dates"}).step == 0


def test_a_reference_is_dropped_with_the_sentence_it_was_given_for():
    session = {}
    propose(session, {"sentence": "abc", "reference": "cba"})
    assert propose(session, {"step": 2}).reference == "cba"
    assert propose(session, {"sentence": "abd"}).reference == ""


def test_values_are_checked_as_a_links_are():
    session = {}
    assert propose(session, {"scorer": "concat"}).scorer == "general"  # reverse has no concat: its default
    assert propose(session, {"beam": 99}).beam == 10  # clamped into a link's bound
    assert propose(session, {"model": "../etc/passwd"}).model == ""
    with pytest.raises(KeyError, match="no view field"):
        propose(session, {"colour": "red"})


def test_a_widget_keeps_its_key_while_it_alone_changes_its_field_and_gets_a_new_one_otherwise():
    session = {}
    keys_before = owner.fill(session, "beam", ("task", "scorer", "sentence"), REGISTRY)
    assert keys_before == {"task": "beam_task", "scorer": "beam_scorer", "sentence": "beam_sentence"}
    assert session["beam_task"] == "reverse" and session["beam_sentence"] == "hello world"

    session["beam_sentence"] = "typed"
    owner.take(session, "sentence", "beam_sentence", REGISTRY)  # the box's own change: the box stays
    assert owner.widget_key(session, "beam", "sentence") == "beam_sentence"

    session["beam_task"] = "dates"
    owner.take(session, "task", "beam_task", REGISTRY)
    # The task's own box stays; the sentence moved to the task's example (a new box, so the browser's
    # "typed" cannot come back); the scorer did not change (general is dates' too): same box.
    assert owner.widget_key(session, "beam", "task") == "beam_task"
    assert owner.widget_key(session, "beam", "sentence") == "beam_sentence@1"
    assert owner.widget_key(session, "beam", "scorer") == "beam_scorer"
    assert owner.fill(session, "beam", ("sentence",), REGISTRY) == {"sentence": "beam_sentence@1"}
    assert session["beam_sentence@1"] == "9 may 2018"


def test_a_widget_drawn_before_the_view_moved_cannot_take_it_back():
    """Seen in a live class: Step moved the step to 2 (the slider drawn anew as decode_step@2); a timed rerun
    of the teacher's panel then brought the browser's older slider (decode_step@1, still at 1) as a change."""
    session = {}
    owner.fill(session, "decode", ("step",), REGISTRY)
    propose(session, {"step": 1})
    older = owner.fill(session, "decode", ("step",), REGISTRY)["step"]
    propose(session, {"step": 2})
    assert owner.fill(session, "decode", ("step",), REGISTRY)["step"] == "decode_step@2"
    assert older == "decode_step@1" and session[older] == 1
    owner.take(session, "step", older, REGISTRY)
    assert owner.view(session, REGISTRY).step == 2
    session["decode_step@2"] = 3  # the slider drawn now still moves it
    owner.take(session, "step", "decode_step@2", REGISTRY)
    assert owner.view(session, REGISTRY).step == 3


def test_a_field_no_widget_has_shown_keeps_its_key():
    session = {}
    propose(session, {"step": 3})  # before any widget: nothing to move
    assert owner.widget_key(session, "lab", "step") == "lab_step"


def test_a_derived_widget_gets_a_new_key_when_what_it_follows_changes():
    session = {}
    assert owner.derived_key(session, "beam_hypothesis", ("reverse/general", "abc", 3)) == "beam_hypothesis"
    assert owner.derived_key(session, "beam_hypothesis", ("reverse/general", "abc", 3)) == "beam_hypothesis"
    assert owner.derived_key(session, "beam_hypothesis", ("dates/general", "9 may", 3)) == "beam_hypothesis@1"
    assert owner.derived_key(session, "beam_hypothesis", ("dates/general", "9 may", 1)) == "beam_hypothesis@2"


def test_a_link_opened_is_the_view_at_once_and_is_read_once():
    session = {}
    owner.fill(session, "beam", ("task", "sentence", "beam"), REGISTRY)
    view, new = owner.open_link(session, "beam", {"task": "dates", "sentence": "1 jan 2000", "beam": "4"}, REGISTRY)
    assert new and (view.task, view.sentence, view.beam) == ("dates", "1 jan 2000", 4)
    # Every widget of a field the link moved is drawn anew: an older value in the browser has no widget.
    assert owner.widget_key(session, "beam", "sentence") == "beam_sentence@1"
    assert owner.widget_key(session, "beam", "beam") == "beam_beam@1"
    assert owner.widget_key(session, "beam", "beam", "width") == "beam_width@1"  # the widget's own name
    # The same URL on the next run is no link opened again (the user may have moved a widget since).
    propose(session, {"sentence": "2 feb 2001"}, by="sentence")
    view, new = owner.open_link(session, "beam", {"task": "dates", "sentence": "1 jan 2000", "beam": "4"}, REGISTRY)
    assert not new and view.sentence == "2 feb 2001"
    assert owner.open_link(session, "beam", {}, REGISTRY) == (view, False)  # an empty URL is no link


def test_the_url_is_read_once_per_arrival_and_a_rerun_with_an_older_one_is_not_a_link():
    """A click that the browser sent before it had the page's last URL carries an earlier one back: read as a link,
    it took the page a step back while the URL kept the later step (Decode, paused under load: the URL said step=3,
    the page "Step 2 of 15"). So the URL is read only when the session arrives at the page (another page, the
    browser's Back or Forward, a lesson's move or a follower's switch: owner.reopen), never on the page's own runs."""
    session, url = {}, FakeQueryParams()
    first = {"task": "dates", "sentence": "1 jan 2000", "beam": "4"}
    assert owner.open_link(session, "beam", first, REGISTRY)[1]
    for width in ("5", "6"):  # two steps the page took itself, each written into the URL
        propose(session, {"beam": int(width)})
        link.publish(session, url, "beam", {**first, "beam": width})
    older = {**first, "beam": "5"}
    view, new = owner.open_link(session, "beam", older, REGISTRY)
    assert not new and view.beam == 6  # the page's own run: the view stays where the page took it
    assert not owner.open_link(session, "beam", {**first, "beam": "9"}, REGISTRY)[1]  # any URL, on its own run
    owner.reopen(session)  # the browser's Back (explorer.ui.frame), or a lesson's or a class's switch
    view, new = owner.open_link(session, "beam", older, REGISTRY)
    assert new and view.beam == 5
    assert owner.open_link(session, "beam", first, REGISTRY) == (view, False)  # read once
    # Arriving at another page reads its URL (a session ran "beam" before: "lab" has not read its own).
    assert owner.open_link(session, "lab", {"task": "dates", "sentence": "2 feb 2001"}, REGISTRY)[1]
    owner.reopen(session)
    assert owner.open_link(session, "beam", {}, REGISTRY) == (owner.view(session, REGISTRY), False)  # empty: no link


def test_a_link_whose_run_is_stopped_before_it_is_the_view_is_opened_by_the_next_run(monkeypatch):
    """A rerun the browser asks for (the tab's memory answering) stops the run that reads a link; on a busy machine
    it could stop while the link was being checked. The next run must still open the link: it is marked read only
    once it is the view (a busy machine's Decode link showed the default view, 2 times in 3)."""
    session, link = {}, {"task": "dates", "sentence": "1 jan 2000", "beam": "4"}

    class Stopped(Exception):  # Streamlit's StopException, raised inside the run
        pass

    checked = owner.validated

    def stopped_once(params, registry=owner.REGISTRY):
        monkeypatch.setattr(owner, "validated", checked)
        raise Stopped

    monkeypatch.setattr(owner, "validated", stopped_once)
    with pytest.raises(Stopped):
        owner.open_link(session, "beam", link, REGISTRY)
    view, new = owner.open_link(session, "beam", link, REGISTRY)
    assert new and (view.task, view.sentence, view.beam) == ("dates", "1 jan 2000", 4)


def test_a_link_keeps_the_views_other_fields_for_its_task_and_its_notes_while_they_show():
    session = {}
    propose(session, {"task": "dates", "scorer": "concat", "strategy": "beam", "beam": 5})
    view, _ = owner.open_link(session, "states", {"task": "dates", "sentence": "x"}, REGISTRY)
    assert (view.scorer, view.strategy, view.beam) == ("concat", "beam", 5)  # the link's task: the view's rest
    owner.reopen(session)  # each link opened on an arrival at the page
    view, _ = owner.open_link(session, "states", {"task": "dates", "strategy": "greedy"}, REGISTRY)
    assert (view.strategy, view.beam) == ("greedy", 3)  # it says how to decode: none of the view's decoding
    owner.reopen(session)
    view, _ = owner.open_link(session, "states", {"task": "reverse", "scorer": "nope"}, REGISTRY)
    assert (view.scorer, view.sentence) == ("general", "hello world")  # another task: its defaults
    assert owner.link_notes(session, ("task", "scorer")) == ("No 'nope' model for reverse; showing 'general'.",)
    propose(session, {"scorer": "dot"})
    assert owner.link_notes(session, ("task", "scorer")) == ()  # the view moved on: the note goes


def test_a_pages_own_fields_follow_the_same_rules():
    """The Lab's open view: its radio keeps its key while it alone changes it, a link moves it (a new radio),
    and a radio drawn before that proposes nothing."""
    session = {}
    assert owner.own(session, "lab") == {}
    key = owner.fill_own(session, "lab", "view", "step")
    assert key == "lab_view" and session[key] == "step" and owner.own(session, "lab") == {"view": "step"}
    session[key] = "split"
    owner.take_own(session, "lab", "view", key)  # the radio's own change: the radio stays
    assert owner.own(session, "lab") == {"view": "split"} and owner.own_key(session, "lab", "view") == "lab_view"
    owner.propose_own(session, "lab", {"view": "scorers"})  # a link: a new radio, told the link's view
    assert owner.fill_own(session, "lab", "view", "step") == "lab_view@1" and session["lab_view@1"] == "scorers"
    session["lab_view"] = "step"
    owner.take_own(session, "lab", "view", "lab_view")  # the browser's older radio
    assert owner.own(session, "lab") == {"view": "scorers"}
    with pytest.raises(KeyError):
        owner.propose_own(session, "lab", {"probe": "x"})  # not one of the Lab's own fields (Page.own)


def test_a_link_reads_a_pages_own_parameters_as_its_own_not_as_the_view():
    """Models' ?model= names the card shown: the shared view's model stays."""
    session = {}
    propose(session, {"task": "reverse", "scorer": "general", "model": "reverse/general-lstm"})
    view, new = owner.open_link(session, "models", {"model": "dates/concat"}, REGISTRY)
    assert new and view.model == "reverse/general-lstm"
    assert owner.open_link(session, "models", {"model": "dates/concat"}, REGISTRY)[1] is False  # read once


def test_the_owner_is_the_only_place_a_view_field_lives_in_the_session():
    """No page keeps a view field under a session key of its own (explorer.state.keys names none)."""
    fields = set(owner.VIEW_FIELDS)
    constants = {name: value for name, value in vars(keys).items() if name.isupper() and isinstance(value, str)}
    own = {name: value for name, value in constants.items() if value.strip("_") in fields}
    assert own == {}, own


# -- in the pages: the owner is the only place --------------------------------------------------------
# The view pages and the prefix of their widgets' keys (explorer.state.owner.widget_key); Beam search's
# width is its view's `beam`.
PREFIXES = {"1_Decode.py": "decode", "2_Compare.py": "cmp", "3_Hidden_states.py": "hs", "4_Beam_search.py": "beam"}
PREFIXES.update({"7_Timelapse.py": "tl", "9_Lab.py": "lab"})
NAMES = {"width": "beam"}
VIEW_KEY = re.compile(r"^(?P<page>[a-z]+)_(?P<name>[a-z]+)(@\d+)?$")


def _copies(at, prefix: str) -> list[str]:
    """Every session key of `prefix`'s page that holds a view field, whose value is not the owner's view's or
    whose key is not the one the owner gives that field's widget now."""
    from explorer.views import words

    state = at.session_state._state._state.filtered_state  # what the session holds after the run
    view = state["_view"]
    wrong = []
    for key, value in state.items():
        found = VIEW_KEY.match(key)
        if not found or found["page"] != prefix:
            continue
        name = found["name"]
        field = NAMES.get(name, name)
        if field not in owner.VIEW_FIELDS:
            continue
        wanted = getattr(view, field)
        if field == "units":
            wanted = wanted or words.PIECES
        expected_key = owner.widget_key(state, prefix, field, name if name != field else "")
        if key != expected_key or value != wanted:
            wrong.append(f"{key}={value!r} (the view: {expected_key}={wanted!r})")
    return wrong


@pytest.mark.parametrize("page", PREFIXES)
def test_no_view_page_keeps_a_view_field_of_its_own(page):
    from tests.app_fixtures import ok, run_page

    prefix = PREFIXES[page]
    at = run_page(page, task="dates", scorer="concat", sentence="9 may 2018", step="2", beam="4")
    assert _copies(at, prefix) == []
    box = next(b for b in at.selectbox if b.key and b.key.startswith(f"{prefix}_task"))
    ok(box.set_value("reverse").run())  # dependent fields follow: new keys, the view's values
    assert at.session_state["_view"].task == "reverse"
    assert _copies(at, prefix) == []


# The pages with fields of their own (explorer.state.pages: Page.own) and a link that sets each.
OWN_LINKS = {
    "2_Compare.py": ("compare", {"task": "dates"}),  # Scorer A and B: no link sets them
    "5_Models.py": ("models", {"model": "dates/concat"}),
    "7_Timelapse.py": ("timelapse", {"task": "dates", "probe": "9 may 2018", "epoch": "1"}),
    "9_Lab.py": ("lab", {"view": "split"}),
}


def _own_copies(at, page: str) -> list[str]:
    """Every session key of `page`'s own fields' widgets whose value is not the owner's or whose key is not the
    one the owner gives that widget now."""
    state = at.session_state._state._state.filtered_state
    mine = (state.get("_view_own") or {}).get(page, {})
    wrong = []
    for key, value in state.items():
        found = VIEW_KEY.match(key)
        if not found or found["page"] != page or found["name"] not in BY_NAME[page].own:
            continue
        expected = owner.own_key(state, page, found["name"])
        if key != expected or value != mine.get(found["name"]):
            wrong.append(f"{key}={value!r} (the owner: {expected}={mine.get(found['name'])!r})")
    return wrong


@pytest.mark.parametrize("page", OWN_LINKS)
def test_a_pages_own_fields_live_with_the_owner_and_a_later_link_opens_what_it_names(page):
    """Opened without a link, then with one in the same session (Models kept the card it first showed)."""
    from tests.app_fixtures import arrive, ok, run_page

    name, query = OWN_LINKS[page]
    at = run_page(page)
    assert _own_copies(at, name) == [] and at.session_state["_view_own"][name]
    ok(arrive(at, **query).run())
    mine = at.session_state["_view_own"][name]
    wanted = {field: value for field, value in query.items() if field in BY_NAME[name].own}
    assert {field: str(mine[field]) for field in wanted} == wanted
    assert _own_copies(at, name) == []
