"""Every simple view field declared in explorer.state.view (a number in LINK_NUMBERS, a word in LINK_CHOICES)
works by its declaration alone: a link naming a valid value opens it and the share link of every page that
keeps the field writes it back; a value refused gives its default with a note; the owner checks it.

The fields are read from the tables, never listed here, so a field added by docs/architecture.md's recipe
"A new view field" is checked with no line written for it (tests/test_extensibility.py adds one under a name
made up for the run and runs these tests in its copy).
"""

from __future__ import annotations

from dataclasses import fields

import pytest

from explorer.state import owner
from explorer.state.view import LINK_CHOICES, LINK_FIELDS, LINK_NUMBERS, ViewState, link_params, parse_query

MODELS = {"reverse": ["none", "dot", "general"]}
SENTENCES = {"reverse": "hello world"}
REGISTRY = owner.Registry(available=lambda: MODELS, default_sentence=SENTENCES.__getitem__, other_models=lambda *_: [])
DECLARED = (*LINK_CHOICES, *LINK_NUMBERS)
# The fields with a parser of their own in parse_query (looked up in the registry, or cut to a length).
OWN_PARSERS = ("task", "scorer", "model", "sentence", "reference")
REFUSED = "<b>no such value</b>"  # neither a word of any field nor a number


def _parse(params) -> ViewState:
    return parse_query(params, MODELS, SENTENCES)


def _valid(name: str) -> list[tuple[str, object]]:
    """(a link's value, the field's value it opens) for valid values of `name`: every choice and alias of a
    word; a number's low end, default and high end."""
    if name in LINK_CHOICES:
        choice = LINK_CHOICES[name]
        return [(value, value) for value in choice.values] + list(choice.aliases.items())
    bound = LINK_NUMBERS[name]
    kind = int if bound.whole else float
    return [(str(kind(x)), kind(x)) for x in (bound.low, bound.default, bound.high)]


def _default(name: str) -> object:
    return LINK_CHOICES[name].default if name in LINK_CHOICES else LINK_NUMBERS[name].default


CASES = [(name, raw, value) for name in DECLARED for raw, value in _valid(name)]


def test_every_field_of_the_view_is_declared_once_with_the_default_its_dataclass_has():
    defaults = {f.name: f.default for f in fields(ViewState)}
    assert set(owner.VIEW_FIELDS) == {*DECLARED, *OWN_PARSERS}
    assert not set(LINK_CHOICES) & set(LINK_NUMBERS)
    for name in DECLARED:
        assert defaults[name] == _default(name), name
        assert any(name in kept for kept in LINK_FIELDS.values()), f"no page keeps {name} in its link"


@pytest.mark.parametrize(("name", "raw", "value"), CASES)
def test_a_link_naming_a_valid_value_opens_it_and_every_page_keeping_the_field_writes_it_back(name, raw, value):
    view = _parse({name: raw})
    assert getattr(view, name) == value and view.notes == ()
    written = 0
    for page in (page for page, kept in LINK_FIELDS.items() if name in kept):
        # A strategy's settings ride in the link only with the strategy that uses them: try each.
        for strategy in LINK_CHOICES["strategy"].values if name != "strategy" else (view.strategy,):
            shown = _parse({name: raw, "strategy": strategy})
            params = link_params(shown, page)
            assert getattr(_parse(params), name) == value or name not in params, (page, params)
            if name in params:
                assert params[name] == str(value)
                written += 1
    assert written or value == "", f"no page's link writes {name}={value!r}"  # "" is left out: the default


@pytest.mark.parametrize("name", DECLARED)
def test_a_value_refused_gives_the_default_and_one_note_naming_it(name):
    view = _parse({name: REFUSED})
    assert getattr(view, name) == _default(name)
    assert len(view.notes) == 1 and repr(REFUSED) in view.notes[0], view.notes


@pytest.mark.parametrize("name", list(LINK_NUMBERS))
def test_a_number_outside_its_bound_ends_inside_it_with_a_note(name):
    bound = LINK_NUMBERS[name]
    for outside in (bound.low - 1, bound.high + 1):
        view = _parse({name: str(int(outside) if bound.whole else outside)})
        assert bound.low <= getattr(view, name) <= bound.high and len(view.notes) == 1, (outside, view.notes)


@pytest.mark.parametrize(("name", "raw", "value"), CASES)
def test_the_owner_takes_a_valid_value_and_refuses_any_other(name, raw, value):
    session = {}
    assert getattr(owner.propose(session, {name: value}, registry=REGISTRY), name) == value
    assert getattr(owner.propose(session, {name: REFUSED}, registry=REGISTRY), name) == _default(name)
    assert owner.params_of(owner.view(session, REGISTRY)).get(name, "") == str(_default(name))
