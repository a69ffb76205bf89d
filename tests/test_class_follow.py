"""The pages' side of a live class, without a browser: the join link, what moved in the teacher's view, and
the questions built from a decode's own numbers (explorer.classrooms.follow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.classrooms import follow
from explorer.classrooms.store import PAGES, Question, TeacherView
from seq2seq.decoded import DecodedSentence, DecodedStep

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("page", "listening", "lan", "expected", "reachable"),
    [
        ("http://192.168.1.20:8501/Decode?task=dates", "0.0.0.0", "10.0.0.7", "http://192.168.1.20:8501/?room=ABC234",
         True),
        ("http://localhost:8501/Decode", "0.0.0.0", "10.0.0.7", "http://10.0.0.7:8501/?room=ABC234", True),
        ("http://127.0.0.1:8501/", "", "10.0.0.7", "http://10.0.0.7:8501/?room=ABC234", True),
        ("http://localhost:8501/", "127.0.0.1", "10.0.0.7", "http://localhost:8501/?room=ABC234", False),
        ("http://[::1]:8501/", "0.0.0.0", None, "http://[::1]:8501/?room=ABC234", False),
        ("https://explorer.school.example/Lab?x=1", "127.0.0.1", None, "https://explorer.school.example/?room=ABC234",
         True),
    ],
)  # fmt: skip
def test_the_join_link_is_one_students_can_open(page, listening, lan, expected, reachable):
    assert follow.join_url(page, "ABC234", listening, lan) == (expected, reachable)


def view(page: str = "decode", version: int = 1, **params: str) -> TeacherView:
    return TeacherView(page=page, params=params, version=version, updated=0.0)


def test_a_step_alone_is_told_apart_from_any_other_change():
    seen = view(task="reverse", sentence="abc", step="1")
    assert follow.change(seen, view(task="reverse", sentence="abc", step="1", version=2)) == "same"
    assert follow.change(seen, view(task="reverse", sentence="abc", step="2")) == "step"
    assert follow.change(seen, view(task="reverse", sentence="abd", step="2")) == "view"
    assert follow.change(seen, view(task="reverse", sentence="abc", step="1", tab="links")) == "view"
    assert follow.change(seen, view("compare", task="reverse", sentence="abc")) == "view"
    assert follow.change(None, seen) == "view"
    assert follow.change(seen, None) == "same"
    states = view("states", task="reverse", step="1")
    assert follow.change(states, view("states", task="reverse", step="2")) == "view"  # a page run elsewhere


@pytest.mark.parametrize(("raw", "n", "step"), [("3", 5, 3), ("9", 5, 5), ("-2", 5, 0), ("x", 5, 0), ("", 5, 0)])
def test_the_teachers_step_is_read_like_a_link_value(raw, n, step):
    assert follow.step_of(view(step=raw), n) == step


def decoded() -> DecodedSentence:
    """Two steps over the source a b </s>: the first attends most to b (0.7) and chooses x among x, y, z."""
    first = DecodedStep(0, "x", 4, 0.6, [("x", 4, 0.6), ("y", 5, 0.3), ("z", 6, 0.1)], [0.1, 1.2, 0.0],
                        [0.2, 0.7, 0.1], False)  # fmt: skip
    second = DecodedStep(1, "w", 7, 0.05, [("</s>", 1, 0.9), ("y", 5, 0.05)], [0.0, 0.0, 2.0], [0.3, 0.3, 0.4], True)
    return DecodedSentence(
        model="", source="ab", source_tokens=["a", "b", "</s>"], steps=[first, second], scorer="general",
        strategy="greedy", output="xw", logprob=-3.5, hit_max_len=False,
    )  # fmt: skip


def test_an_attend_question_is_the_next_row_and_its_argmax():
    asked = follow.question_for(decoded(), 0, "attend")
    assert asked == follow.Asked("attend", 0, ("a", "b", "</s>"), (1,), (0.2, 0.7, 0.1))
    ties = follow.question_for(decoded(), 1, "attend")
    assert ties.right == (2,)


def test_a_token_question_is_the_candidates_and_the_chosen_token_even_when_forced():
    assert follow.question_for(decoded(), 0, "token") == follow.Asked(
        "token", 0, ("x", "y", "z"), (0,), (0.6, 0.3, 0.1)
    )
    forced = follow.question_for(decoded(), 1, "token")  # "w" was forced: not among the top k, added
    assert forced.options == ("</s>", "y", "w") and forced.right == (2,)
    assert forced.weights == (0.9, 0.05, 0.05)


def test_no_question_past_the_end_and_no_kind_but_the_two():
    assert follow.question_for(decoded(), 2, "attend") is None
    with pytest.raises(ValueError):
        follow.question_for(decoded(), 0, "guess")


def test_the_reveal_rows_are_shares_of_the_answers_beside_the_model():
    question = Question(id=1, kind="attend", step=0, options=("a", "b", "</s>"), right=(1,),
                        weights=(0.2, 0.7, 0.1), counts=(1, 3, 0), revealed=True, asked=0.0)  # fmt: skip
    rows = follow.reveal_rows(question)
    assert [r["share"] for r in rows] == [0.25, 0.75, 0.0]
    assert [r["model"] for r in rows] == [0.2, 0.7, 0.1]
    assert [r["right"] for r in rows] == [False, True, False]
    assert question.share_right() == 0.75


def test_every_page_a_class_can_show_has_its_script():
    assert set(follow.PAGE_FILES) == set(PAGES)
    for script in follow.PAGE_FILES.values():
        assert (ROOT / script).is_file(), script


# -- a lesson in a class ---------------------------------------------------------------------------------
def test_the_teachers_lesson_rides_with_the_view_and_stays_out_of_the_followers_link():
    published = follow.published({"task": "reverse", "step": "2"}, "links", {"lesson": "1-why-attention", "at": "3"})
    assert published == {"task": "reverse", "step": "2", "tab": "links", "lesson": "1-why-attention", "at": "3"}
    view = TeacherView("decode", published, 4, 0.0)
    assert follow.link_of(view) == {"task": "reverse", "step": "2"}  # the page's own view: no tab, no lesson
    assert follow.lesson_of(view) == {"lesson": "1-why-attention", "at": "3"}
    assert follow.lesson_of(TeacherView("decode", {"task": "reverse"}, 1, 0.0)) == {}
    assert follow.lesson_of(None) == {}
    assert follow.published({"task": "dates"}, None, {"lang": "zh"}) == {"task": "dates"}  # only the lesson's


def test_a_lesson_question_is_the_classs_with_the_files_or_the_models_answer():
    choice = follow.lesson_choice(1, ["Yes.", "No: it goes wrong." + "x" * 200], [1])
    assert (choice.kind, choice.step, choice.right, choice.weights) == ("choice", 1, (1,), (0.0, 0.0))
    assert choice.options[0] == "Yes." and len(choice.options[1]) == 100 and choice.options[1].endswith("…")
    attend = follow.lesson_attention(3, ["▁a", "▁b", "</s>"], [0.2, 0.4, 0.4])
    assert (attend.kind, attend.step, attend.options, attend.right) == ("attend", 3, ("▁a", "▁b", "</s>"), (1, 2))
    asked = Question(id=7, kind="choice", step=1, options=choice.options, right=(1,), weights=(0.0, 0.0),
                     counts=(1, 1), revealed=False, asked=0.0)  # fmt: skip
    assert follow.is_asked(asked, choice)
    assert not follow.is_asked(asked, follow.lesson_choice(2, ["Yes.", "No."], [1]))  # another step's
    assert not follow.is_asked(None, choice)
    with pytest.raises(ValueError):  # a choice question never comes from a decode
        follow.question_for(decoded(), 0, "choice")


def test_a_revealed_lesson_choice_is_drawn_with_numbered_options_and_no_model_bar():
    from explorer.figures.bars import class_answers

    question = Question(id=2, kind="choice", step=1, options=("Yes.", "No."), right=(1,), weights=(0.0, 0.0),
                        counts=(1, 3), revealed=True, asked=0.0)  # fmt: skip
    figure = class_answers(follow.reveal_rows(question), "choice")
    assert [bar.name for bar in figure.data] == ["class's answers"]  # the file knows the answer, not a model
    assert list(figure.data[0].x) == ["1", "2 ✓"] and list(figure.data[0].y) == [0.25, 0.75]
    attend = class_answers(follow.reveal_rows(Question(**{**question.__dict__, "kind": "attend"})), "attend")
    assert [bar.name for bar in attend.data] == ["class's answers", "model's attention"]


def test_a_fragments_run_asked_by_a_page_the_session_left_is_told_apart():
    """issue 62: a phone's page switched to Decode while the list's page asked again for its banner's fragment;
    Streamlit ran it with the list's page and URL after Decode's run, and the browser stopped drawing."""
    from types import SimpleNamespace

    from explorer.state import keys
    from explorer.ui.classes.student import left_page

    session = {keys.RUN_PAGE: "decode-hash"}
    assert left_page(session, SimpleNamespace(fragment_ids_this_run=["banner"], page_script_hash="lessons-hash"))
    assert not left_page(session, SimpleNamespace(fragment_ids_this_run=["banner"], page_script_hash="decode-hash"))
    assert not left_page(session, SimpleNamespace(fragment_ids_this_run=[], page_script_hash="lessons-hash"))
    assert not left_page(session, None) and not left_page({}, SimpleNamespace(fragment_ids_this_run=["a"],
                                                                             page_script_hash="x"))  # fmt: skip


def test_a_followers_fragment_its_page_did_not_draw_reruns_the_whole_app(monkeypatch):
    """issue 62: the list's banner fragment, asked for by the list's component once the browser already showed Decode
    (so with Decode's page), ran inside Decode's page and drew its banner where the lesson's panel was."""
    from types import SimpleNamespace

    from explorer.state import keys
    from explorer.ui.classes import student

    class Rerun(Exception):
        pass

    def rerun(scope):
        raise Rerun(scope)

    session = {keys.RUN_PAGE: "decode-hash"}
    monkeypatch.setattr(student, "st", SimpleNamespace(session_state=session, rerun=rerun))
    ctx = SimpleNamespace(fragment_ids_this_run=None, page_script_hash="decode-hash")
    monkeypatch.setattr("streamlit.runtime.scriptrunner.get_script_run_ctx", lambda: ctx)
    session[student.DRAWN] = set()  # a whole run of Decode draws its follower's fragment
    student._page_fragment("decode")
    ctx.fragment_ids_this_run = ["x"]
    student._page_fragment("decode")  # the fragment's own run goes on
    with pytest.raises(Rerun):
        student._page_fragment("pushed")  # the list's banner, asked for by the list's component
    ctx.page_script_hash = "lessons-hash"
    with pytest.raises(Rerun):
        student._page_fragment("decode")  # asked with the page left
