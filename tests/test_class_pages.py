"""AppTest of a live class: the teacher's and the students' widgets, over the embedded room store.

Each AppTest is one browser session; they share the server's room store (st.cache_resource), as the
sessions of one server do. A teacher starts a class on Decode, students join with the code or the link,
follow page, sentence and step, explore on their own and follow again, answer a question once, and
see the reveal with the right counts.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from explorer.figures import svg_bars
from explorer.state import catalog, keys
from explorer.ui.classes import push as class_push
from explorer.ui.classes import state as class_state
from explorer.ui.classes import teacher as class_teacher
from explorer.ui.common import components
from explorer.ui.compare import sections as compare_sections
from explorer.ui.lab import sections as lab_sections
from explorer.ui.lessons import warm as lesson_warm
from explorer.views import lab_split, lab_stored
from tests.app_fixtures import ROOT, ok, point_app_at, report_step, stepper_data, use_registry

TIMEOUT = 60
SENTENCE = "abcd"


@pytest.fixture(autouse=True)
def fresh_rooms(monkeypatch):
    use_registry(monkeypatch)
    monkeypatch.delenv("ATTENTION_EXPLORER_REDIS_URL", raising=False)
    class_state.rooms.clear()
    yield
    class_state.rooms.clear()


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def teacher_steps(at: AppTest) -> None:
    """A Step in the teacher's browser: the stepper reports the next step, and the page runs."""
    assert report_step(at, at.session_state["_view"].step + 1)
    ok(at.run())


def teacher_on_decode() -> tuple[AppTest, str]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)  # the app, so pages can switch
    at.switch_page("app_pages/1_Decode.py")
    at.query_params.update({"task": "reverse", "scorer": "general", "sentence": SENTENCE})
    ok(at.run())
    ok(button(at, "class_start").click().run())
    code = in_class(at)
    return at, code


def class_tab(at: AppTest) -> class_state.ClassTab:
    """The session's live class (explorer.ui.classes.state.ClassTab)."""
    return class_state.tab(at.session_state)


def in_class(at: AppTest) -> str | None:
    """The code of the class the session teaches or follows; None when it is in none."""
    found = class_state.peek(at.session_state)
    part = None if found is None else found.teacher or found.student
    return None if part is None else part.code


def token_of(at: AppTest) -> str:
    """A teacher's secret token."""
    return class_tab(at).teacher.token


def member_of(at: AppTest) -> str | None:
    """The member id a student is in its class as; None when it is in none."""
    return class_tab(at).member if class_state.joined(at.session_state) else None


def student(query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return ok(at.run())


def answer_pills(at: AppTest, question: int):
    """The student's answer buttons for `question`, or None when not shown."""
    return next((g for g in at.get("button_group") if g.key == f"{keys.CLASS_ANSWER}_{question}"), None)


def rooms():
    return class_state.rooms()


def test_start_a_class_shows_the_code_and_publishes_the_teachers_view():
    teacher, code = teacher_on_decode()
    assert len(code) == 6 and set(code) <= set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    assert any(code in m.value for m in teacher.sidebar.markdown)
    assert any(f"?room={code}" in c.value for c in teacher.sidebar.code)
    view = rooms().view(code)
    assert view.page == "decode"
    assert view.params["sentence"] == SENTENCE and view.params["task"] == "reverse"
    assert rooms().is_teacher(code, token_of(teacher))


def test_the_qr_code_is_the_join_link_and_large_enough_for_a_room():
    import io

    import segno
    from PIL import Image

    url = "http://class.example:8501/?room=ABC234"
    image = Image.open(io.BytesIO(class_teacher.qr_png(url, scale=18)))
    symbol = segno.make(url, error="m")
    assert image.size == symbol.symbol_size(scale=18, border=2)
    assert image.size[0] >= 500  # the dialog shows it 700 px wide: every module is several pixels


def component_data(at: AppTest, name: str) -> dict | None:
    """The data the page's component `name` (a components v2 name) got, or None when not shown."""
    for element in at.get("bidi_component"):
        if element.proto.component_name == name:
            return json.loads(element.proto.json)
    return None


def follower_component(at: AppTest) -> dict | None:
    """The data the pushed follower's component got (explorer.ui.classes.push), or None when not shown."""
    return component_data(at, class_push.NAME)


@pytest.mark.parametrize("push", ["1", "0"])
def test_a_student_joins_by_link_and_follows_page_sentence_and_step(monkeypatch, push):
    monkeypatch.setenv(class_push.SWITCH, push)
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    # Joined from the home page and taken to the teacher's page and view.
    assert class_tab(pupil).student.following is True
    assert pupil.session_state["_view"].sentence == SENTENCE
    for _ in range(3):
        teacher_steps(teacher)
    assert rooms().view(code).params["step"] == "3"
    ok(pupil.run())
    assert pupil.session_state["_view"].step == 3
    drawn = follower_component(pupil)
    if push == "1":  # the browser draws the step, and later ones from the room's event stream
        member = member_of(pupil)
        assert drawn["mode"] == "decode" and drawn["steps"] > 3  # the page's stepper draws the step (9bdf0f8)
        assert drawn["version"] == rooms().view(code).version and drawn["params"]["step"] == "3"
        assert drawn["stream"] == f"/api/class-events?code={code}" and member not in str(drawn)  # the cookie's
        (shown,) = stepper_data(pupil)
        assert (shown["mode"], shown["step"]) == ("follow", 3)
    else:  # polled: the page's fragment draws it
        (shown,) = stepper_data(pupil)  # the stepper without controls, at the teacher's step
        assert drawn is None and (shown["mode"], shown["step"]) == ("follow", 3)
    assert any(f"class {code}" in s.value and "live" in s.value for s in pupil.success)
    assert rooms().roster(code).following == 1


def test_a_student_explores_and_follows_again():
    """Following, Decode shows no box to change (the teacher's model, folded); exploring, every setting."""
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    assert (len(pupil.text_input), len(pupil.selectbox), len(pupil.slider)) == (0, 0, 0)
    (folded,) = [e for e in pupil.expander if e.label == "Settings (explore on your own to change them)"]
    assert [c.value for c in folded.caption if c.value.startswith("Model reverse/general")], "the model line, folded"
    ok(button(pupil, "class_explore").click().run())
    assert class_tab(pupil).student.following is False
    (box,) = [t for t in pupil.text_input if t.label == "Source sentence"]
    assert box.value == SENTENCE  # the settings, at the view followed
    assert rooms().roster(code) == type(rooms().roster(code))(following=0, exploring=1)
    teacher_steps(teacher)
    ok(pupil.run())
    assert pupil.session_state["_view"].step == 0  # exploring: the teacher's step does not move it
    ok(button(pupil, "class_follow").click().run())
    assert class_tab(pupil).student.following is True
    assert pupil.session_state["_view"].step == 1


def test_a_wrong_code_gets_one_message_and_joins_nothing():
    teacher_on_decode()
    pupil = student({})
    pupil.text_input(key=keys.CLASS_JOIN_CODE).input("ZZZZZZ").run()
    ok(button(pupil, "class_join").click().run())
    assert [w.value for w in pupil.warning] == ["No class is open with that code."]
    assert in_class(pupil) is None


def test_an_ask_the_server_gets_twice_asks_once():
    """Issue 62's doubled question: one click on Ask the class reached the server as two (a stale button, or a
    callback Streamlit runs again after an interrupted run), and the second question replaced the first, its answers
    lost. Here the first delivery is the store's ask, the second the button the page still shows."""
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    first = rooms().ask(code, token_of(teacher), "attend", 0, ["a", "b"], [0], [0.75, 0.25], replacing=0)
    ok(pupil.run())
    ok(answer_pills(pupil, first).set_value(1).run())
    ok(button(teacher, "class_ask").click().run())  # drawn before the first: it replaces no question
    assert [q.id for q in rooms().questions(code)] == [1]
    assert rooms().current_question(code).counts == (0, 1)
    assert any(m.value == "Question 1: **1** answered" for m in teacher.main.markdown)
    ok(button(teacher, "class_reveal").click().run())  # the page now offers Ask again, drawn with question 1
    rooms().ask(code, token_of(teacher), "attend", 0, ["a", "b"], [0], [0.75, 0.25], again_of=1, replacing=1)
    ok(button(teacher, "class_ask_again").click().run())
    assert [(q.id, q.again_of) for q in rooms().questions(code)] == [(1, 0), (2, 1)]


def test_a_question_is_asked_answered_once_and_revealed_with_the_right_counts():
    teacher, code = teacher_on_decode()
    pupils = [student({"room": code}) for _ in range(3)]
    ok(button(teacher, "class_ask").click().run())  # "attend" by default: where will the next row look?
    question = rooms().current_question(code)
    assert question.kind == "attend" and question.step == 0
    assert list(question.options) == [*SENTENCE, "</s>"]  # the source tokens, one per character
    assert sum(question.weights) == pytest.approx(1.0, abs=1e-5)
    answers = [question.right[0], question.right[0], (question.right[0] + 1) % len(question.options)]
    for pupil, option in zip(pupils, answers, strict=True):
        ok(pupil.run())
        pills = answer_pills(pupil, question.id)
        assert pills is not None, "the student sees the options"
        ok(pills.set_value(option).run())
    assert rooms().current_question(code).answers == 3
    ok(pupils[0].run())  # answered: its answer shown chosen, and it may change it until the reveal
    assert answer_pills(pupils[0], question.id).value == answers[0]
    ok(answer_pills(pupils[0], question.id).set_value(answers[2]).run())
    assert rooms().current_question(code).counts[answers[2]] == 2
    ok(answer_pills(pupils[0], question.id).set_value(answers[0]).run())  # and back: counted once, as the last
    assert rooms().current_question(code).answers == 3
    ok(answer_pills(pupils[0], question.id).set_value(None).run())  # a tap on the chosen one takes nothing back
    assert answer_pills(pupils[0], question.id).value == answers[0]
    assert rooms().current_question(code).counts[answers[0]] == 2
    ok(teacher.run())
    ok(button(teacher, "class_reveal").click().run())
    revealed = rooms().current_question(code)
    assert revealed.revealed and revealed.counts[question.right[0]] == 2
    assert revealed.share_right() == pytest.approx(2 / 3)
    ok(pupils[2].run())
    assert any("67% of 3 answers were right" in m.value for m in pupils[2].markdown)
    assert any("not right" in c.value for c in pupils[2].caption)


def test_ending_the_class_lets_the_students_go():
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    ok(button(teacher, "class_end").click().run())
    assert in_class(teacher) is None
    ok(pupil.run())
    assert in_class(pupil) is None


def test_students_follow_the_teacher_to_another_page():
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    teacher.switch_page("app_pages/2_Compare.py")
    ok(teacher.run())
    assert rooms().view(code).page == "compare"
    assert rooms().view(code).params["sentence"] == SENTENCE
    ok(pupil.run())
    assert pupil.title[0].value == "Compare scorers"
    assert pupil.session_state["_view"].sentence == SENTENCE


def test_the_teacher_opens_a_decode_tab_and_it_is_published():
    from explorer.ui.decode.sections import TABS

    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    teacher.session_state[keys.DECODE_TABS] = TABS["links"]
    ok(teacher.run())
    assert rooms().view(code).params["tab"] == "links"
    ok(pupil.run())
    assert any("The teacher has “Links” open below the heatmap" in c.value for c in pupil.caption)
    ok(button(pupil, "class_explore").click().run())  # exploring, the student finds the same tab open
    assert pupil.session_state[keys.DECODE_TABS] == TABS["links"]


@pytest.mark.parametrize("raw", ["<script>alert(1)</script>", "A" * 5000, "abc 23", "OOOOOO", ""])
def test_a_hostile_or_wrong_join_link_gets_the_one_message(raw):
    teacher_on_decode()
    pupil = student({"room": raw})
    assert [w.value for w in pupil.warning] == ["No class is open with that code."]
    assert in_class(pupil) is None


def test_ten_wrong_codes_in_a_minute_are_refused_until_later():
    teacher, code = teacher_on_decode()
    pupil = student({})
    box = pupil.text_input(key=keys.CLASS_JOIN_CODE)
    for _ in range(10):
        box.input("ZZZZZ2").run()
        ok(button(pupil, "class_join").click().run())
    box.input(code).run()  # even the right code waits now
    ok(button(pupil, "class_join").click().run())
    assert pupil.warning[0].value.startswith("Too many join attempts")
    assert in_class(pupil) is None


def test_the_teacher_downloads_the_answers_as_csv():
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    ok(button(teacher, "class_ask").click().run())
    question = rooms().current_question(code)
    ok(pupil.run())
    ok(answer_pills(pupil, question.id).set_value(question.right[0]).run())
    ok(teacher.run())
    download = next(e for e in teacher.sidebar.get("download_button"))
    assert download.proto.label == "Download the answers (CSV)"


def test_a_class_on_redis_is_followed_like_an_embedded_one(monkeypatch):
    import redis

    from tests.redis_server import RedisServer

    with RedisServer() as server:
        monkeypatch.setenv("ATTENTION_EXPLORER_REDIS_URL", server.url)
        class_state.rooms.clear()
        teacher, code = teacher_on_decode()
        assert type(rooms()).__name__ == "RedisStore"
        pupil = student({"room": code})
        teacher_steps(teacher)
        ok(pupil.run())
        assert pupil.session_state["_view"].step == 1
        redis.Redis.from_url(server.url).save()  # what Redis keeps on disk comes back with it
        server.stop()  # Redis goes away: the follower's page says so, without an exception
        ok(pupil.run())
        assert any("cannot be reached" in w.value for w in pupil.warning), [w.value for w in pupil.warning]
        server.start()
        ok(pupil.run())  # back: the same page follows again, live
        assert any("· live" in s.value for s in pupil.success)
        teacher_steps(teacher)
        ok(pupil.run())
        assert pupil.session_state["_view"].step == 2
        server.stop()
        (server.folder / "dump.rdb").unlink()
        server.start()  # a restart that lost the rooms: the follower is told, no traceback
        ok(pupil.run())
        assert in_class(pupil) is None
        assert any(f"The class {code} has ended." in w.value for w in pupil.warning)


def test_a_malformed_redis_url_turns_classes_off_with_a_message(monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_REDIS_URL", "mysql://nowhere")
    class_state.rooms.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.switch_page("app_pages/1_Decode.py")
    at.query_params.update({"task": "reverse", "sentence": SENTENCE})
    ok(at.run())
    assert not [b for b in at.button if b.key == "class_start"]
    assert any(e.value.startswith("Live classes are off:") for e in at.sidebar.error)
    home = student({"room": "ABC234"})
    assert not [b for b in home.button if b.key == "class_join"]


def test_a_full_server_and_a_full_class_say_so(monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_CLASS_MAX_ROOMS", "1")
    monkeypatch.setenv("ATTENTION_EXPLORER_CLASS_MAX_STUDENTS", "2")
    class_state.rooms.clear()
    _first, code = teacher_on_decode()
    second = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    second.switch_page("app_pages/1_Decode.py")
    ok(second.run())
    ok(button(second, "class_start").click().run())
    assert in_class(second) is None
    assert [w.value for w in second.warning] == [
        "This server has as many classes open as it allows (1); try again later or ask for another server."
    ]
    student({"room": code})
    student({"room": code})
    late = student({"room": code})
    assert [w.value for w in late.warning] == ["This class is full: it takes at most 2 students."]
    assert in_class(late) is None


def test_a_student_who_gave_its_place_away_joins_again_on_its_next_heartbeat():
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    member = member_of(pupil)
    del rooms()._rooms[code].members[member]  # silent past Limits.gone_seconds in a full class: place given away
    class_tab(pupil).student.heartbeat = 0.0  # its next poll tells the room it is there
    ok(pupil.run())
    assert in_class(pupil) == code and class_tab(pupil).student.following is True
    assert rooms().roster(code).following == 1


def test_a_join_link_that_cannot_join_says_why_and_keeps_saying_it():
    """A QR code or link to a mistyped, ended or locked class: the page says why on every run (a component's
    first value reruns the page at once, after the link has left the address bar), until a join succeeds."""
    pupil = student({"room": "ZZ9ZZ9"})  # no such class
    wanted = "No class is open with that code."
    assert [w.value for w in pupil.warning] == [wanted] and "room" not in pupil.query_params
    ok(pupil.run())  # the next run: the link has gone, the reason stays
    assert [w.value for w in pupil.warning] == [wanted]

    teacher, code = teacher_on_decode()
    rooms().lock(code, token_of(teacher), True)
    locked = student({"room": code})
    assert [w.value for w in ok(locked.run()).warning] == ["This class is locked: ask your teacher."]
    rooms().lock(code, token_of(teacher), False)
    pupil.query_params.update({"room": code})
    ok(pupil.run())  # a link that joins: the old reason goes, the student follows
    assert in_class(pupil) == code and not [w for w in pupil.warning if w.value == wanted]


def test_a_follower_whose_page_fills_in_a_view_the_teacher_left_short_keeps_following(monkeypatch):
    """Issue 62 (the full lecture walk, lesson 6): a lesson's move publishes its step's link before the teacher's
    page opens, and Timelapse's link names only the task; the page then fills in the probe and epoch and publishes
    them. A phone whose run read the short view filled them in too, and was told it had changed the view itself:
    exploring on its own, it missed every later question. What a follower's page makes of the teacher's view it
    opened is the teacher's view there; a widget the student then moves is still its own."""
    point_app_at(monkeypatch, ROOT / "pretrained")  # the shipped models' training histories
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    rooms().publish(code, token_of(teacher), "timelapse", {"task": "reverse"})  # as explorer.ui.lessons.dock does
    ok(pupil.run())
    filled = {name: pupil.query_params.get(name) for name in ("task", "probe", "epoch")}
    assert filled["task"] == "reverse" and filled["probe"] and filled["epoch"]  # filled in by the page
    ok(pupil.run())  # another run (a question's, a presence event's): the same view
    assert class_tab(pupil).student.following is True and rooms().roster(code).following == 1
    rooms().publish(code, token_of(teacher), "timelapse", filled)  # the teacher's page, its view filled in
    ok(pupil.run())
    assert class_tab(pupil).student.following is True
    epochs = pupil.select_slider(key=next(s.key for s in pupil.select_slider))
    ok(epochs.set_value(epochs.options[0]).run())  # the student's own move
    assert class_tab(pupil).student.following is False


def test_a_session_in_a_class_does_not_ask_its_tab_for_the_class_it_holds():
    """Issue 62: asked on the first run of every page it opened, the tab answered with the class the session had
    just written there, and each page ran twice (a teacher's lesson step page, which the phones waited for). A
    session in no class asks until the tab answers (a reload: explorer.ui.classes.memory); one in a class writes."""
    from explorer.ui.classes import memory

    def reads(at: AppTest) -> list[dict]:
        return [json.loads(el.proto.json) for el in at.get("bidi_component") if el.proto.component_name == memory.NAME]

    pupil = student({})
    assert {"read": True} in reads(pupil)  # in no class: it asks
    teacher, code = teacher_on_decode()
    ok(teacher.run())
    written = [json.loads(d["write"]) for d in reads(teacher) if "write" in d]
    assert {"read": True} not in reads(teacher) and [kept["code"] for kept in written] == [code]
    pupil = student({"room": code})
    ok(pupil.run())
    assert {"read": True} not in reads(pupil) and any("write" in d for d in reads(pupil))
    ok(button(pupil, "class_leave").click().run())  # it forgets the class; asked now, the tab would still keep it
    assert in_class(pupil) is None and {"read": True} not in reads(pupil) and {"write": None} in reads(pupil)


def test_a_move_to_another_page_draws_nothing_of_the_page_it_leaves(monkeypatch):
    """Issue 62 (a phone within 2 s of a lesson's start): the run that leaves a page for another (a follower taken
    to the teacher's new page, a teacher's lesson Start) drew that page's frame first (sidebar, toggles, title,
    the list of lessons), which the browser drew and then threw away, both phones waiting meanwhile. It now leaves
    before the frame draws: the frame is drawn once a run, on the page arrived at."""
    from explorer.ui.shell import navigation

    pages: list[str] = []
    drawn = navigation.sidebar
    monkeypatch.setattr(navigation, "sidebar", lambda: (pages.append(st_page()), drawn())[1])
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    assert pages == ["Decode", "Decode", "Home", "Decode"]  # (the teacher's runs, then the pupil's: it follows)
    rooms().publish(code, token_of(teacher), "compare", {"task": "reverse"})  # the teacher opens Compare
    pages.clear()
    ok(pupil.run())
    assert pages == ["Compare"] and pupil.query_params.get("task") == "reverse"
    teacher.switch_page("app_pages/8_Lessons.py")
    ok(teacher.run())
    pages.clear()
    ok(button(teacher, "lesson_start_1-why-attention").click().run())  # Start: the step's page at once
    assert pages == ["Decode"] and teacher.query_params.get("lesson") == "1-why-attention"


def st_page() -> str:
    """The page the current script run runs, as its URL names it ("Home" for the home page's empty path)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    pages = {} if ctx is None else ctx.pages_manager.get_pages()
    return str(pages.get(ctx.page_script_hash, {}).get("url_pathname", "")) or "Home" if ctx is not None else ""


def warm_files(at: AppTest) -> list[str] | None:
    """The script files the page's lessons/warm.js was sent to load (explorer.ui.lessons.warm); None: not mounted."""
    data = component_data(at, lesson_warm.NAME)
    return None if data is None else data["files"]


def on_list(at: AppTest) -> bool:
    """The page shows the list of lessons (their Start buttons)."""
    return any(str(b.key).startswith("lesson_start_") for b in at.button)


def test_a_class_waiting_on_the_list_of_lessons_loads_the_lessons_code_in_every_following_page():
    """Issue 62: a follower's page draws Streamlit's pickers, tables and Plotly charts where a lesson starts on
    Compare, Timelapse or the Lab; a phone that had not loaded their code fetched 5 MB of it at the start and drew
    the step in 4.5-4.8 s (bench.lesson_start). While the class waits on the list, the teacher's page and every
    following student's load it; a student exploring on their own, and a page without a class, do not."""
    alone = student({})
    alone.switch_page("app_pages/8_Lessons.py")
    assert warm_files(ok(alone.run())) is None
    teacher, code = teacher_on_decode()
    teacher.switch_page("app_pages/8_Lessons.py")
    ok(teacher.run())
    assert warm_files(teacher) == list(lesson_warm.element_files()) != []
    pupil = student({"room": code})  # taken to the teacher's list
    assert on_list(pupil) and warm_files(pupil) == list(lesson_warm.element_files())
    ok(button(pupil, "class_explore").click().run())
    assert class_tab(pupil).student.following is False and on_list(pupil) and warm_files(pupil) is None


def warm_drawing(at: AppTest) -> dict:
    """What the list draws out of sight (explorer.ui.lessons.warm.draw): each Plotly chart's trace types, and the
    keys of its widgets, tables, maths, and the ids of its still SVG heatmaps and curves."""
    return {
        "charts": [sorted({t["type"] for t in json.loads(c.proto.spec)["data"]}) for c in at.get("plotly_chart")],
        "widgets": sorted(
            str(w.key)
            for kind in (at.selectbox, at.radio, at.slider, at.checkbox, at.toggle, at.text_input)
            for w in kind
            if str(w.key).startswith("lesson_warm_")
        ),
        "tables": len(at.dataframe),
        "still tables": len(at.table),
        "maths": [m.value for m in at.markdown if m.value.startswith("$")],
        "svg": [d.get("id") for e in at.get("bidi_component") if (d := json.loads(e.proto.json)).get("id")],
    }


def test_a_class_waiting_on_the_list_draws_each_kind_of_element_once_out_of_sight_then_takes_it_away():
    """Issue 62: loaded code was not yet run code. The first start after the server opened missed 2 s where the
    starts after it, which drew the same elements a second time, did not (bench.lesson_start: the Lab's first start
    2.2-3.1 s). Once a page has loaded the files (lessons/warm.js sets its state `loaded`) the list draws each kind
    of element the lessons' first steps open on, out of sight; once the page has seen them (`drawn`) it takes them
    away, so a start has nothing of them to take down. A teacher's box has a Plotly heatmap too; a follower's
    heatmaps and Timelapse's curves are SVG."""
    teacher, code = teacher_on_decode()
    teacher.switch_page("app_pages/8_Lessons.py")
    ok(teacher.run())
    pupil = student({"room": code})
    nothing = {"charts": [], "widgets": [], "tables": 0, "still tables": 0, "maths": [], "svg": []}
    widgets = sorted(f"lesson_warm_{k}" for k in ("select", "radio", "slider", "checkbox", "toggle", "text"))
    for at, teaching in ((teacher, True), (pupil, False)):
        assert on_list(at) and warm_drawing(at) == nothing  # before the files are in: nothing drawn
        data = component_data(at, lesson_warm.NAME)
        assert data["box"] == ".st-key-" + lesson_warm.DRAW_KEY
        assert data["drawn"] == [*lesson_warm.DRAWN, *(lesson_warm.DRAWN_TEACHING if teaching else ())]
        at.session_state[lesson_warm.KEY] = {"loaded": len(lesson_warm.element_files()), "drawn": None}
        assert warm_drawing(ok(at.run())) == {
            "charts": [["histogram"], ["scatter"], *([["heatmap"]] if teaching else [])],
            "widgets": widgets,
            "tables": 1,
            "still tables": 1,
            "maths": ["$\\tau = 1$"],
            "svg": ["heatmap-lesson-warm-heatmap", "lesson-warm-curves", "lesson-warm-histograms"],
        }
        assert on_list(at) and [c.key for c in at.get("plotly_chart")] == [
            "lesson_warm_histograms", "lesson_warm_curves", *(["lesson_warm_heatmap_chart"] if teaching else [])
        ]  # fmt: skip
        at.session_state[lesson_warm.KEY] = {"loaded": len(lesson_warm.element_files()), "drawn": True}
        assert warm_drawing(ok(at.run())) == nothing and on_list(at)
    ok(button(pupil, "class_explore").click().run())  # exploring alone: nothing to warm for
    assert warm_files(pupil) is None and warm_drawing(pupil) == nothing


def test_a_class_draws_timelapses_curves_and_heatmaps_in_the_browser_with_the_pages_values(monkeypatch):
    """A phone drew Timelapse's step in one long task of about 0.5 s on a quiet machine, 0.3 s of it its two Plotly
    curves, and at a lesson's first start the teacher's six Plotly heatmaps and two curves held the cores the phones
    needed (docs/performance.md). In a class every page, the teacher's too, sends them as SVG data
    (explorer.figures.svg_curves, svg_heatmap): every model's loss and metric by epoch and its probe's attention, as
    the page draws them with Plotly out of a class, the epoch shown marked."""
    point_app_at(monkeypatch, ROOT / "pretrained")
    alone = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    alone.switch_page("app_pages/7_Timelapse.py")
    alone.query_params["task"] = "reverse"
    ok(alone.run())
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    teacher.switch_page("app_pages/7_Timelapse.py")
    teacher.query_params["task"] = "reverse"
    ok(teacher.run())
    rooms().publish(code, token_of(teacher), "timelapse", {"task": "reverse"})
    ok(pupil.run())

    def svg_curves_of(at: AppTest) -> dict[str, dict]:
        return {
            data["id"]: data
            for element in at.get("bidi_component")
            if element.proto.component_name == svg_bars.COMPONENT_NAME
            and (data := json.loads(element.proto.json))["kind"] == "curves"
        }

    drawn = svg_curves_of(pupil)
    assert svg_curves_of(teacher) == drawn and not teacher.get("plotly_chart") and not pupil.get("plotly_chart")
    assert still_heatmaps(teacher) == still_heatmaps(pupil)
    assert list(still_heatmaps(pupil)) == [f"heatmap-tl-heatmap-{n}" for n in range(1, 7)]  # 0: none, no attention
    shown = [json.loads(chart.proto.spec) for chart in alone.get("plotly_chart")]
    heatmaps = [s["data"][0]["z"] for s in shown if s["data"] and s["data"][0].get("type") == "heatmap"]
    assert len(heatmaps) == 6
    for data, z in zip(still_heatmaps(pupil).values(), heatmaps, strict=True):
        for row, plotted in zip(data["attention"], z, strict=True):  # the same weights (rounded to 4 places)
            assert row == pytest.approx(plotted, abs=5e-5)
    shown = {s["layout"]["title"]["text"]: s for s in shown if s["data"] and s["data"][0].get("type") == "scatter"}
    assert list(drawn) == ["tl-loss", "tl-metric"] and list(shown) == ["training loss", "validation"]
    for data, spec in zip(drawn.values(), shown.values(), strict=True):
        assert data["title"] == spec["layout"]["title"]["text"] and len(data["series"]) == len(spec["data"]) == 7
        for line, trace in zip(data["series"], spec["data"], strict=True):
            assert line["name"] == trace["name"] and line["x"] == trace["x"]
            assert line["y"] == pytest.approx(trace["y"], abs=1e-6)  # rounded to 6 places for the page
        newest = max(x for line in data["series"] for x in line["x"])
        assert data["marker"]["x"] == newest and data["marker"]["label"] == f"epoch {int(newest)}"
        assert data["x_ticks"][0] == 0 and data["y_ticks"] == sorted(data["y_ticks"])
    assert drawn["tl-loss"]["series"][0]["y"][0] is None  # epoch 0 trained nothing: a gap, not a 0
    assert drawn["tl-metric"]["y_range"] == [0.0, 1.02]  # exact match, on the teacher's axis


def still_heatmaps(at: AppTest) -> dict[str, dict]:
    """The page's still SVG heatmaps (explorer.ui.common.components.heatmap): their svg ids -> their data."""
    found = {}
    for element in at.get("bidi_component"):
        if element.proto.component_name == components.HEATMAP_NAME:
            data = json.loads(element.proto.json)
            found[data["id"]] = data
    return found


def plotly_heatmaps(at: AppTest) -> dict[str, list]:
    """The page's plotly heatmaps: their titles -> their weights (z, rows of the target)."""
    specs = [json.loads(element.proto.spec) for element in at.get("plotly_chart")]
    return {
        s["layout"]["title"]["text"]: s["data"][0]["z"]
        for s in specs
        if s["data"] and s["data"][0].get("type") == "heatmap" and s["layout"].get("title")
    }


def test_a_follower_draws_compares_table_still_and_the_difference_when_asked():
    """Issue 62: a phone following a lesson that starts on Compare drew the scorers' table as a data grid (a canvas)
    and the difference of two scorers as a Plotly heatmap with the step's heatmaps, and showed the step about 0.4 s
    later under busy cores than without them (bench.lesson_start, first starts). A follower's table is a still one
    with the teacher's rows; the difference, which no lesson step asks about, is drawn when the student turns it on.
    The teacher's page keeps the data grid and the difference."""
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    teacher.switch_page("app_pages/2_Compare.py")
    ok(teacher.run())
    ok(pupil.run())
    assert class_tab(pupil).student.following is True
    assert not pupil.dataframe and len(pupil.table) == 1 and len(teacher.dataframe) == 1 and not teacher.table
    pd.testing.assert_frame_equal(pupil.table[0].value.reset_index(drop=True), teacher.dataframe[0].value)
    assert [c.key for c in teacher.get("plotly_chart")][-1] == "cmp_difference"
    assert compare_sections.DIFFERENCE_SHOWN not in [t.key for t in teacher.toggle]
    assert "cmp_difference" not in [c.key for c in pupil.get("plotly_chart")]
    assert pupil.header[-1].value == "Difference between two scorers"
    ok(pupil.toggle(key=compare_sections.DIFFERENCE_SHOWN).set_value(True).run())
    assert [c.key for c in pupil.get("plotly_chart")][-1] == "cmp_difference"
    assert class_tab(pupil).student.following is True  # asking for it leaves the student following


def test_a_class_draws_the_labs_tau_histograms_in_the_browser_with_the_plotly_charts_counts(monkeypatch):
    """Issue 62: a phone following lesson 8's start drew the Lab's τ histograms as Plotly subplots, and showed the step
    about 0.3 s later under busy cores than without them. In a class they are SVG (explorer.figures.svg_histograms) on
    every page, the teacher's too: a panel per pair with the counts the page's Plotly bins give its values out of a
    class, the median and the papers' marks."""
    point_app_at(monkeypatch, ROOT / "pretrained")  # the shipped lab results
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    ok(pupil.run())
    rooms().publish(code, token_of(teacher), "lab", {"task": "reverse", "scorer": "scaled_dot", "view": "split"})
    ok(pupil.run())
    assert class_tab(pupil).student.following is True
    assert "lab_tau_histograms" not in [c.key for c in pupil.get("plotly_chart")]
    (chart,) = [
        data for e in pupil.get("bidi_component") if (data := json.loads(e.proto.json)).get("kind") == "histograms"
    ]
    stored = json.loads((ROOT / "pretrained" / "lab" / "reverse.json").read_text())
    agreement = lab_stored.experiment(stored, "reverse/scaled_dot", "agreement")
    series, marks = lab_split.tau_series(agreement), lab_sections.agreement_marks(agreement)
    figure = lab_sections.tau_histograms(series, marks, False)  # the page's out of a class
    assert chart["id"] == "lab-tau-histograms" and [p["name"] for p in chart["panels"]] == list(series)
    for panel, trace in zip(chart["panels"], figure.data, strict=True):
        start, size = trace.xbins.start, trace.xbins.size
        plotly = [0] * len(panel["counts"])  # plotly.js: bin ⌊(x − start) / size + 1e-9⌋, below the number of bins
        for x in trace.x:
            plotly[int((x - start) / size + 1e-9)] += 1
        assert panel["counts"] == plotly and sum(plotly) == len(series[panel["name"]]) > 0
    medians = sorted(s.x0 for s in figure.layout.shapes if s.line.dash != "dot")  # the solid lines
    assert sorted(p["median"] for p in chart["panels"]) == pytest.approx(medians, abs=1e-6)
    teacher.switch_page("app_pages/9_Lab.py")
    teacher.query_params.update({"task": "reverse", "scorer": "scaled_dot", "view": "split"})
    ok(teacher.run())
    taught = [d for e in teacher.get("bidi_component") if (d := json.loads(e.proto.json)).get("kind") == "histograms"]
    assert taught == [chart] and "lab_tau_histograms" not in [c.key for c in teacher.get("plotly_chart")]


def test_a_follower_draws_the_heatmaps_of_compare_and_timelapse_in_the_browser(monkeypatch):
    """Issue 62: a phone following a lesson that starts on Compare or Timelapse drew six plotly heatmaps at the
    start, in up to 3 s on a busy machine (bench.lesson_start). A follower's page draws them as still SVG heatmaps,
    each with the weights the teacher's plotly heatmap shows, every row; the teacher's page keeps plotly's (zoom,
    PNG)."""
    point_app_at(monkeypatch, ROOT / "pretrained")  # the shipped models' training histories
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    teacher.switch_page("app_pages/2_Compare.py")
    ok(teacher.run())
    ok(pupil.run())
    assert pupil.title[0].value == "Compare scorers" and class_tab(pupil).student.following is True
    drawn, shown = still_heatmaps(pupil), plotly_heatmaps(teacher)
    scorers = [name for name in shown if name in catalog.scorers_for("reverse")]
    ids = {scorer: "heatmap-cmp-heatmap-" + scorer.replace("_", "-") for scorer in scorers}
    assert len(scorers) >= 5 and set(drawn) == set(ids.values())
    assert not still_heatmaps(teacher) and not set(plotly_heatmaps(pupil)) & set(scorers)
    for scorer in scorers:
        data = drawn[ids[scorer]]
        assert data["step"] == len(data["target"]) == len(shown[scorer]) > 0  # every row
        assert data["attention"] == [[pytest.approx(w, abs=5e-5) for w in row] for row in shown[scorer]]
        assert data["source_full"][0].endswith(SENTENCE[0])
    rooms().publish(code, token_of(teacher), "timelapse", {"task": "reverse"})
    ok(pupil.run())
    drawn = still_heatmaps(pupil)
    assert len(drawn) >= 5 and all(d["step"] == len(d["attention"]) > 0 for d in drawn.values())
    assert "heatmap-tl-heatmap-0" not in drawn  # reverse/none: no attention to draw
    assert not [
        s
        for s in (json.loads(e.proto.spec) for e in pupil.get("plotly_chart"))
        if s["data"][0].get("type") == "heatmap"
    ]
