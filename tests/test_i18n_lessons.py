"""Lessons in Chinese: the `<field>_zh` siblings of a lesson file, the lesson panel's own words on the step's page,
and the shipped lessons' Chinese.

The format reads a text field's sibling for each language of the interface; the checker reports a
sibling whose English field is missing, or of a field that is not text, on its line; the player shows
the current language's sibling (the English field without one) and speaks the reader's language
itself; every shipped lesson has a Chinese sibling for every text field that says something.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from explorer import i18n, lessons
from explorer.lessons import LESSONS_ENV, player
from explorer.lessons.__main__ import main as check_main
from explorer.lessons.schema import TEXT_FIELDS
from explorer.state import keys
from explorer.state.pages import BY_NAME
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.shell import language
from tests.app_fixtures import ok
from tests.i18n_fixtures import CJK, assert_chinese, counted, page_texts
from tests.lesson_fixtures import answer, lesson_app, page_path, panel

SHIPPED, _PROBLEMS = lessons.catalog([lessons.SHIPPED_DIR])

torch.set_num_threads(1)  # small models, a busy 2-core machine

BILINGUAL = '''title = "Bilingual"
title_zh = "双语课程"
audience = "Testers"
audience_zh = "测试人员"
minutes = 5
summary = "A lesson in both languages."
summary_zh = "一节双语课程。"

[[steps]]
title = "Predict the letter"
title_zh = "预测字母"
text = """
What comes **first** when {view.sentence} is reversed?
"""
text_zh = """
反转 {view.sentence} 时，**第一个**写出的是什么？
"""
page = "decode"
view = { task = "reverse", scorer = "dot", sentence = "hello", step = "0" }
teacher = "Only the teacher sees this."
teacher_zh = "只有教师能看到这段话。"

[steps.question]
kind = "choice"
prompt = "Which letter is written first?"
prompt_zh = "最先写出的是哪个字母？"
options = [
  { text = "The o", text_zh = "字母 o", correct = true, explain = "The last letter.", explain_zh = "最后读到的字母。" },
  { text = "The h", text_zh = "字母 h", explain = "h comes last.", explain_zh = "h 最后才写出。" },
]

[[steps.claims]]  # the question's row: the view's first (issue 64: a question on a decode is tied to its row)
kind = "probability"
step = 0
token = "o"
at_least = 0.5

[[steps]]
title = "Where it looks"
title_zh = "它看向哪里"
text = "Click the letter."
page = "decode"
view = { task = "reverse", scorer = "dot", sentence = "hello", step = "2" }

[steps.question]
kind = "attention"
prompt = "Which letter gets the most attention?"
prompt_zh = "哪个字母得到的注意力最多？"
explain = "The letter it comes from, reversed."
explain_zh = "反转后它所对应的字母。"

[[steps.claims]]
kind = "peaks"
steps = [2]
tokens = ["l"]
'''


@pytest.fixture(scope="module", autouse=True)
def shipped_models():
    """The shipped registry, with Streamlit's caches emptied (another module may have cached others)."""
    import streamlit as st

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("ATTENTION_EXPLORER_PRETRAINED", raising=False)
        patch.delenv(LESSONS_ENV, raising=False)
        st.cache_resource.clear()
        st.cache_data.clear()
        yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def bilingual(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(LESSONS_ENV, str(tmp_path))
    path = tmp_path / "bilingual.toml"
    path.write_text(BILINGUAL, encoding="utf-8")
    return path


def bodies(at: AppTest, kind: str) -> list[str]:
    return [el.value for el in at.get(kind)]


# -- the format ----------------------------------------------------------------------------------------
def test_the_format_reads_the_zh_siblings(bilingual):
    lesson = lessons.read(bilingual)
    step, attention = lesson.steps
    question, (right, wrong) = step.question, step.question.options
    with i18n.using("zh"):
        assert [lesson.local("title"), lesson.local("audience"), lesson.local("summary")] == [
            "双语课程",
            "测试人员",
            "一节双语课程。",
        ]
        assert [step.local("title"), step.local("text"), step.local("teacher")] == [
            "预测字母",
            "反转 {view.sentence} 时，**第一个**写出的是什么？",  # filled from the view when shown
            "只有教师能看到这段话。",
        ]
        assert question.local("prompt") == "最先写出的是哪个字母？"
        assert [right.local("text"), right.local("explain"), wrong.local("text"), wrong.local("explain")] == [
            "字母 o",
            "最后读到的字母。",
            "字母 h",
            "h 最后才写出。",
        ]
        assert [attention.question.local("prompt"), attention.question.local("explain")] == [
            "哪个字母得到的注意力最多？",
            "反转后它所对应的字母。",
        ]
        assert attention.local("text") == "Click the letter."  # no sibling: the English field
    # English is the English field, untouched; a language can be named
    assert (lesson.title, step.text, right.text, right.explain) == (
        "Bilingual",
        "What comes **first** when {view.sentence} is reversed?",
        "The o",
        "The last letter.",
    )
    assert lesson.local("title") == "Bilingual" and lesson.local("title", "zh") == "双语课程"
    assert lesson.local("title", "en") == "Bilingual"


def test_every_interface_language_but_english_may_have_siblings():
    assert lessons.TRANSLATED_LANGUAGES == tuple(lang for lang in i18n.LANGUAGES if lang != "en")
    assert "zh" in lessons.TRANSLATED_LANGUAGES


# -- the checker ---------------------------------------------------------------------------------------
BAD = """title = "Bad"
audience = "Testers"
audience_zh = ""
minutes = 5
minutes_zh = "五"

[[steps]]
title = "S"
text_zh = "没有英文"
page = "decode"
page_zh = "解码"
view = { task = "reverse", scorer = "dot", sentence = "hello", step = "1" }

[steps.question]
kind = "choice"
prompt = "P"
explain_zh = "没有英文的解释"
options = [
  { text = "a", text_zh = "甲", explain = "x", explain_zh = "解释" },
  { text = "b", correct = true, correct_zh = true, explain = "y", explain_zh = 3 },
]

[[steps.claims]]
kind = "output"
model = "reverse/dot"
sentence = "hello"
expect = "olleh"
expect_zh = "olleh"
"""


def test_the_checker_reports_a_bad_sibling_on_its_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(lessons.LessonError) as raised:
        lessons.read(path)
    found = {(p.line, p.message) for p in raised.value.problems}
    assert found == {
        (3, "audience_zh in the lesson is empty"),
        (5, "minutes_zh in the lesson: minutes is not a text field, so it has no translation"),
        (9, "text_zh in step 1 has no English text beside it"),
        (7, "step 1: text is missing"),  # on its [[steps]] header, as before
        (11, "page_zh in step 1: page is not a text field, so it has no translation"),
        (17, "explain_zh in step 1's question has no English explain beside it"),
        (20, "correct_zh in step 1's option 2: correct is not a text field, so it has no translation"),
        (20, "explain_zh in step 1's option 2 must be text, not int"),
        (28, "expect_zh in step 1's claim 1: expect is not a text field, so it has no translation"),
    }
    # the command line says the same, file:line
    assert check_main(["check", "--no-claims", str(path)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert f"{path}:9: text_zh in step 1 has no English text beside it" in printed
    assert f"{path}:11: page_zh in step 1: page is not a text field, so it has no translation" in printed


def test_the_checker_accepts_siblings_and_still_refuses_other_languages(tmp_path, bilingual):
    assert check_main(["check", "--no-claims", str(bilingual)]) == 0
    other = tmp_path / "other.toml"
    other.write_text(BILINGUAL.replace("title_zh =", "title_xx =", 1), encoding="utf-8")
    with pytest.raises(lessons.LessonError) as raised:
        lessons.read(other)
    assert [(p.line, p.message) for p in raised.value.problems] == [(2, "unknown key 'title_xx' in the lesson")]


def test_the_checker_speaks_the_readers_language_in_the_app(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    with i18n.using("zh"), pytest.raises(lessons.LessonError) as raised:
        lessons.read(path)
    messages = [p.message for p in raised.value.problems]
    assert "第 1 步中的 text_zh 旁边没有英文的 text" in messages
    assert all(CJK.search(m) for m in messages), messages


# -- the shipped lessons -------------------------------------------------------------------------------
def _text_fields(data: dict, table: str, where: str):
    """(where, field, English text, its _zh or None) for every text field of a parsed table."""
    for name in TEXT_FIELDS[table]:
        if isinstance(data.get(name), str) and data[name].strip():
            yield where, name, data[name], data.get(f"{name}_zh")


def shipped_texts(path: Path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    yield from _text_fields(data, "lesson", "the lesson")
    for n, step in enumerate(data.get("steps", []), start=1):
        yield from _text_fields(step, "step", f"step {n}")
        question = step.get("question")
        if isinstance(question, dict):
            yield from _text_fields(question, "question", f"step {n}'s question")
            for k, option in enumerate(question.get("options", []), start=1):
                yield from _text_fields(option, "option", f"step {n}'s option {k}")


SHIPPED_FILES = sorted(lessons.SHIPPED_DIR.glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=[p.stem for p in SHIPPED_FILES])
def test_every_shipped_lesson_has_chinese_for_every_text_field(path):
    """A text that says something (not a token or a name such as `location` or 2018) has a Chinese sibling."""
    missing = [f"{where}: {name}" for where, name, english, zh in shipped_texts(path) if counted([english]) and not zh]
    assert missing == [], missing
    lacking = [f"{where}: {name}_zh" for where, name, _e, zh in shipped_texts(path) if zh and not CJK.search(zh)]
    assert lacking == [], lacking


@pytest.mark.parametrize(
    "name", ["1-why-attention", "2-what-a-scorer-computes", "2b-scaling-positions-side-by-side", "3-reordering"]
)
def test_this_areas_lessons_are_complete_and_valid(name):
    path = lessons.SHIPPED_DIR / f"{name}.toml"
    lesson = lessons.read(path)
    assert all(zh for _w, _n, english, zh in shipped_texts(path) if counted([english]))
    with i18n.using("zh"):
        assert CJK.search(lesson.local("title")) and all(CJK.search(s.local("text")) for s in lesson.steps)


# -- the player: the lesson's panel on the step's page (app.py's navigation: tests/lesson_fixtures.py) --------
def test_the_player_shows_chinese_with_lang_zh(bilingual):
    at = lesson_app({"lang": "zh", "lesson": "bilingual", "at": "1"})
    dock = panel(at)
    assert page_path(at) == "Decode" and dock.label == "课程：双语课程 · 第 1 步，共 2 步"
    assert bodies(dock, "subheader") == ["预测字母"]
    assert "反转 `hello` 时，**第一个**写出的是什么？" in bodies(dock, "markdown")
    assert "**问题。** 最先写出的是哪个字母？" in bodies(dock, "markdown")
    assert dock.radio[0].label == "你的答案" and dock.radio[0].options == ["字母 o", "字母 h"]
    assert [b.label for b in dock.button] == ["检查答案", "上一步", "下一步", "全部课程"]
    assert at.sidebar.toggle(key=keys.LESSON_TEACHER).label == "教师备注"
    ok(at.sidebar.toggle(key=keys.LESSON_TEACHER).set_value(True).run())
    assert "**教师备注。** 只有教师能看到这段话。" in bodies(panel(at), "info")
    answer(at, lessons.read(bilingual), 0, 1)
    dock = panel(at)
    assert bodies(dock, "error") == ["不是这个：字母 h  \n正确答案：字母 o"]
    assert "h 最后才写出。" in bodies(dock, "markdown")
    assert {"✓ **字母 o**：最后读到的字母。", "✗ **字母 h**：h 最后才写出。"} <= set(bodies(dock, "markdown"))
    assert [el.label for el in dock.expander] == ["所有答案的解释"]
    assert_chinese(at)


def test_the_attention_question_speaks_chinese(bilingual):
    from explorer.lessons import measure
    from explorer.state.view import ViewState
    from seq2seq.checkpoint import load_model

    tokens, row = measure.attention_row(load_model("reverse/dot"), ViewState("reverse", "dot", "hello", step=2))
    best = max(range(len(row)), key=row.__getitem__)
    labels = [f"{i + 1:02d} {token}" for i, token in enumerate(tokens)]
    at = lesson_app({"lang": "zh", "lesson": "bilingual", "at": "2"})
    assert panel(at).pills[0].label == "它最关注的源词元"
    assert "**问题。** 哪个字母得到的注意力最多？" in bodies(panel(at), "markdown")
    answer(at, lessons.read(bilingual), 1, 0)
    dock = panel(at)
    (said,) = [t for t in [*bodies(dock, "success"), *bodies(dock, "error")] if "模型最关注" in t]
    judged = "答对了。" if best == 0 else f"你选了 {labels[0]}。"
    assert said == escape_markdown(f"{judged}模型最关注 {labels[best]}（权重 {row[best]:.2f}）。")
    assert "反转后它所对应的字母。" in bodies(dock, "markdown")
    assert "本课程到此结束。" in bodies(dock, "success")


def test_the_player_stays_english_without_a_language(bilingual):
    at = lesson_app({"lesson": "bilingual", "at": "1"})
    dock = panel(at)
    assert dock.label == escape_markdown("Lesson: Bilingual · Step 1 of 2")
    assert bodies(dock, "subheader") == ["Predict the letter"]
    assert dock.radio[0].label == "Your answer" and dock.radio[0].options == ["The o", "The h"]
    assert "**Question.** Which letter is written first?" in bodies(dock, "markdown")
    assert [b.label for b in dock.button] == ["Check", "Back", "Next", "All lessons"]
    switch = {language.LABEL, *i18n.LANGUAGES.values()}  # the language switch names both languages
    assert [t for t in page_texts(at) if CJK.search(t) and t not in switch] == []


def test_the_list_line_speaks_the_readers_language():
    lesson = SHIPPED["1-why-attention"]
    with i18n.using("zh"):
        line = player.lesson_line(lesson)
    assert line == f"对象：{lesson.local('audience', 'zh')} · 15 分钟 · {len(lesson.steps)} 步"
    assert player.lesson_line(lesson) == f"For: {lesson.audience} · 15 minutes · {len(lesson.steps)} steps"


def test_bad_links_and_broken_files_are_noted_in_chinese(tmp_path, monkeypatch):
    at = lesson_app({"lang": "zh", "lesson": "no-such-lesson", "at": "1"})
    assert page_path(at) == "Lessons"
    assert bodies(at, "info")[0] == escape_markdown("没有课程 'no-such-lesson'；下面是课程列表。")
    at = lesson_app({"lang": "zh", "lesson": "1-why-attention", "at": "99"})
    assert page_path(at) == "Compare"  # step 5's page, the note in its panel
    assert escape_markdown("at=99 超出了本课程的第 1–5 步；显示第 5 步。") in bodies(panel(at), "info")
    monkeypatch.setenv(LESSONS_ENV, str(tmp_path))
    (tmp_path / "broken.toml").write_text('title = "B"\naudience = "x"\nminutes = "many"\n', encoding="utf-8")
    at = lesson_app({"lang": "zh"})
    (warning,) = bodies(at, "warning")
    assert warning.startswith("有课程文件无法读取：\n- ")
    assert escape_markdown("minutes 必须是 1 到 25 之间的整数：一节课要放得下课程和全班的讨论") in warning


@pytest.mark.parametrize(
    ("lesson_id", "at_step"),
    [("1-why-attention", 2), ("1-why-attention", 5), ("2b-scaling-positions-side-by-side", 2), ("3-reordering", 1)],
)
def test_a_lesson_step_page_is_chinese(lesson_id, at_step):
    at = lesson_app({"lang": "zh", "lesson": lesson_id, "at": str(at_step)})
    lesson = SHIPPED[lesson_id]
    step = lesson.steps[at_step - 1]
    assert page_path(at) == BY_NAME[step.page].url_path
    assert bodies(panel(at), "subheader")[0] == escape_markdown(step.local("title", "zh"))
    assert_chinese(at)
    if step.figure is not None:
        charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        (figure,) = [c for c in charts if "按源长度统计" in c["layout"].get("title", {}).get("text", "")]
        assert figure["layout"]["title"]["text"] == "按源长度统计的完全匹配率（reverse 的 400 个测试样例）"
        assert figure["layout"]["xaxis"]["title"]["text"] == "源长度（字符数）"
