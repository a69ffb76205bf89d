"""Issue 64's deliberate edits to the shipped lessons: `python -m explorer.lessons check` fails on each.

The checker passed 9 of 15 such edits: a number changed in both languages, "fewer than half" made "fewer
than a quarter", a Lab view moved a step under text about a token, a lesson view moved a step, the view's
sentence changed, a claim's bound loosened under unchanged words, a Chinese-only 超过 → 不到, a
Chinese-only 九成, "200.00", and a wrong answer key (a question keyed "largest": its right option's
claim must be set apart from the others' by their bounds), and a number quoted from data the page
does not draw. Each is made here in a copy of lesson 7 or 8 and must fail, naming why
(explorer.lessons.anchors: quantity words held by bounds and said alike in both languages, code-span
numbers the app's own constants, claims on the step and sentence the view shows; explorer.lessons.texts:
placeholders and number forms). The shipped lessons pass (tests/test_lessons.py runs them with claims).

Tokens a step names are placeholders of its view's own decode (explorer.lessons.tokens): a token typed in
(a code span, a quotation, an italic), the view's sentence typed on Compare, a token placeholder past the
decode's end, on a page without a decode or with a number's format, a key typed where an option names the
view's output, and a Decode view moved later under its question (every shipped one, one step on; one at the
end of its decode is at step N, so one step on is past it) each fail too. On Compare a scorer's token
typed in (`0`, a whole output, an attended letter), one decode's placeholder, a scorer the page does not
show, and a scorer's placeholder off Compare fail; so does a SentencePiece piece (▁chat) typed in prose.
A wrong key computed on the models ("holds") is in tests/test_lesson_keys.py.

Outputs of the Timelapse's record a step names are placeholders of its history claims ({name.output}, a wrong
option's {name.expect}: explorer.lessons.history): an output typed in an italic (in English only, in both
languages), in an option, in prose, {x.output} on a claim that is no history claim, and a holding claim's
{x.expect} each fail; a history claim moved to another epoch under unchanged words shows that epoch's output
and fails its claim; lesson 6 step 2 shows the recorded outputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.lessons import __main__ as cli

ROOT = Path(__file__).resolve().parent.parent
L6 = ROOT / "lessons" / "6-watching-attention-learn.toml"
L7 = ROOT / "lessons" / "7-is-attention-an-explanation.toml"
L8 = ROOT / "lessons" / "8-is-attention-an-explanation-baselines.toml"
L1 = ROOT / "lessons" / "1-why-attention.toml"
L2 = ROOT / "lessons" / "2-what-a-scorer-computes.toml"
L2B = ROOT / "lessons" / "2b-scaling-positions-side-by-side.toml"
L3 = ROOT / "lessons" / "3-reordering.toml"
L4 = ROOT / "lessons" / "4-attention-in-translation.toml"
TYPED = "names the view's decode as typed text"
HELLO_VIEW = (
    'view = { task = "reverse", scorer = "dot", sentence = "hello world", step = "1", view = "step" }\n'
    'teacher = "A good'
)
JUL_VIEW = 'view = { task = "dates", scorer = "general", sentence = "18 JUL 85", step = "1", view = "step" }'

EDITS = {
    "a number changed in both languages": (
        L7,
        [("probability above `0.99`", "probability above `0.9`"), ("概率高于 `0.99`", "概率高于 `0.9`")],
        "`0.9` in a code span is none of the app's constants",
    ),
    "fewer than half made fewer than a quarter": (
        L8,
        [("fewer than half", "fewer than a quarter")],
        "its English",
    ),
    "fewer than a quarter in both languages, under a bound of half": (
        L8,
        [("fewer than half", "fewer than a quarter"), ("不到一半：反转", "不到四分之一：反转")],
        "'fewer than a quarter' says more than {rev_trained}'s bound holds",
    ),
    "a Lab view moved a step under text about a token": (
        L7,
        [(HELLO_VIEW, HELLO_VIEW.replace('step = "1"', 'step = "2"'))],
        "but the Lab's view shows step 2 (position 1): a moved view?",
    ),
    "a lesson view moved a step": (
        L7,
        [('sentence = "Wednesday, May 9, 2018", step = "5" }', 'sentence = "Wednesday, May 9, 2018", step = "4" }')],
        "the attention question asks about row 4",
    ),
    "the view's sentence changed": (
        L7,
        [(JUL_VIEW, JUL_VIEW.replace("18 JUL 85", "17 JUL 85"))],
        "the view opens '17 JUL 85'",
    ),
    "a claim's bound loosened under unchanged words": (
        L8,
        [('statistic = "trained_uniform"\nat_most = 0.5', 'statistic = "trained_uniform"\nat_most = 0.9')],
        "'fewer than half' says more than {rev_trained}'s bound holds (at_least -inf, at_most 0.9)",
    ),
    "a Chinese-only 超过 → 不到": (
        L7,
        [("打乱使输出移动超过一半的步", "打乱使输出移动不到一半的步")],
        "text_zh says the amounts [('at_most', 0.5), ('at_most', 0.5)] in words, "
        "its English [('at_least', 0.5), ('at_most', 0.5)]",
    ),
    "a Chinese-only 不到 → 超过 on a share": (
        L8,
        [("它写对 {rev_trained:.0%}，不到一半", "它写对 {rev_trained:.0%}，超过一半")],
        "'超过一半' says more than {rev_trained}'s bound holds",
    ),
    "a Chinese-only 九成": (
        L8,
        [("在 `dates/general` {further:.0%} 的步上", "在 `dates/general` {further:.0%}（九成）的步上")],
        "'九成' says more than {further}'s bound holds",
    ),
    "a wrong answer key": (
        L8,
        [
            ('{ text = "dates/location", correct = true,', '{ text = "dates/location",'),
            ('{ text = "dates/general", claim', '{ text = "dates/general", correct = true, claim'),
        ],
        "a wrong key?",
    ),
    "a number quoted from data the page does not draw": (
        L8,
        [
            (
                'name = "fr_model"\nmodel = "en-fr/general"\nexperiment = "uniform"\nstatistic = "model"',
                'name = "fr_model"\nmodel = "en-fr/general"\nexperiment = "uniform"\nstatistic = "model_scores.chrf"',
            )
        ],
        "the Lab does not show uniform's 'model_scores.chrf'",
    ),
    "a count written 200.00 in both languages": (
        L8,
        [("first {fr_n} sentences", "first {fr_n:.2f} sentences"), ("前 {fr_n} 个句子", "前 {fr_n:.2f} 个句子")],
        "{fr_n:.2f}: a count or a setting is a whole number",
    ),
    # tokens of the view's decode: placeholders bound to the view (explorer.lessons.tokens)
    "a token typed in both languages instead of its placeholder": (
        L1,
        [("exactly there.", "exactly there, at `u`."), ("正好看向那里。", "正好看向那里，`u`。")],
        f"`u` {TYPED}",
    ),
    "a token placeholder replaced by the letter it shows, in both languages": (
        L1,
        [
            ("from the start of the output: {view.attended}.", "from the start of the output: `u`."),
            ("离输出开头的距离：{view.attended}。", "离输出开头的距离：`u`。"),
        ],
        f"`u` {TYPED}",
    ),
    "a quoted output word typed in": (
        L8,
        [
            ("Its first word is\n{view.token}", 'Its first word is\n"Nous"'),
            ("它写出的第一个词是 {view.token}", "它写出的第一个词是 “Nous”"),
        ],
        f'"Nous" {TYPED}',
    ),
    "an italic source word typed in (the lesson's *cat*)": (
        L4,
        [
            ("{view.output.4} looks at {view.source.4},", "{view.output.4} looks at *cat*,"),
            ("{view.output.4} 看着 {view.source.4}", "{view.output.4} 看着 *cat*"),
        ],
        f"*cat* {TYPED}",
    ),
    "the view's sentence typed in on a page that compares models": (
        L3,
        [
            ("**Compare** decodes {view.sentence}", "**Compare** decodes `Wednesday, May 9, 2018`"),
            (
                "**比较** 用这个任务的每个模型解码 {view.sentence}",
                "**比较** 用这个任务的每个模型解码 `Wednesday, May 9, 2018`",
            ),
        ],
        f"`Wednesday, May 9, 2018` {TYPED}",
    ),
    # Compare: each scorer's own decode of the view's sentence ({view.<scorer>.…})
    "a scorer's output tokens typed on Compare, in both languages": (
        L3,
        [
            ("the day, {view.dot.output.8} and {view.dot.output.9}, look", "the day, `0` and `9`, look"),
            ("（{view.dot.output.8} 和 {view.dot.output.9}）", "（`0` 和 `9`）"),
        ],
        f"question's prompt: `0` {TYPED}",
    ),
    "a scorer's whole output typed on Compare": (
        L4,
        [
            ("`location` writes {view.location.output}:", "`location` writes *Le chat noir le noir.*:"),
            ("`location` 写出 {view.location.output}：", "`location` 写出 *Le chat noir le noir.*："),
        ],
        f"*Le chat noir le noir.* {TYPED}",
    ),
    "a scorer's attended token typed on Compare": (
        L2B,
        [
            ("brightest on {view.dot.attended.0}.", "brightest on the `d`."),
            ("而 `dot` 的第一行在 {view.dot.attended.0} 上最亮", "而 `dot` 的第一行在 `d` 上最亮"),
        ],
        f"`d` {TYPED}",
    ),
    "a scorer that Compare does not show": (
        L4,
        [
            ("`location` writes {view.location.output}:", "`location` writes {view.lstm.output}:"),
            ("`location` 写出 {view.location.output}：", "`location` 写出 {view.lstm.output}："),
        ],
        "{view.lstm.output}: Compare's decodes have no such token (its scorers: concat, dot, general, location,",
    ),
    "a scorer's token on a page that is not Compare": (
        L1,
        [
            ("from the start of the output: {view.attended}.", "from the start of the output: {view.dot.attended.5}."),
            ("离输出开头的距离：{view.attended}。", "离输出开头的距离：{view.dot.attended.5}。"),
        ],
        "{view.dot.attended.5}: a scorer's token is one of Compare's decodes",
    ),
    "one decode's placeholder on Compare": (
        L3,
        [
            (
                "the day, {view.dot.output.8} and {view.dot.output.9}, look",
                "the day, {view.output.8} and {view.dot.output.9}, look",
            ),
            ("（{view.dot.output.8} 和 {view.dot.output.9}）", "（{view.output.8} 和 {view.dot.output.9}）"),
        ],
        "{view.output.8}: Compare shows each scorer's decode, not one of the view",
    ),
    "a SentencePiece piece typed in prose, in both languages": (
        L4,
        [
            ("The next piece is {view.token:piece}, and the model", "The next piece is ▁chat, and the model"),
            ("下一个子词是 {view.token:piece}，模型看着", "下一个子词是 ▁chat，模型看着"),
        ],
        "question's explain: ▁chat is a SentencePiece piece typed in prose",
    ),
    "a token placeholder past the end of the view's decode": (
        L1,
        [("after {view.output.9}", "after {view.output.99}"), ("之后顺序就乱了", "之后顺序就乱了")],
        "{view.output.99}: the step's view has no such token",
    ),
    "a token placeholder on a page that shows no decode": (
        L6,
        [
            (
                "2. Choose the probe sentence {view.sentence}.",
                "2. Choose the probe sentence {view.sentence} ({view.token}).",
            ),
            ("2. 选择探针句 {view.sentence}。", "2. 选择探针句 {view.sentence}（{view.token}）。"),
        ],
        "{view.token}: the step's view shows no decode of its view",
    ),
    "a token placeholder given a number's format": (
        L1,
        [
            ("from the start of the output: {view.attended}.", "from the start of the output: {view.attended:.2f}."),
            ("离输出开头的距离：{view.attended}。", "离输出开头的距离：{view.attended:.2f}。"),
        ],
        "{view.attended:.2f}: a token is written as it is, or as the page's piece with :piece",
    ),
    # an answer that depends on the model, typed: its key must be computed (explorer.lessons.anchors)
    "a key typed where an option names the view's output": (
        L3,
        [('key = "holds"  # the option whose claim the model honours\nprompt = "What will', 'prompt = "What will')],
        "an option names {view.output}, a token of the view's decode",
    ),
    "a Decode view moved past the end of its decode": (
        L4,
        [
            (
                'scorer = "general", sentence = "I have a black cat.", step = "8" }',
                'scorer = "general", sentence = "I have a black cat.", step = "9" }',
            )
        ],
        "the view's step 9 is past the end of its decode (8 tokens, the end mark counted)",
    ),
    "a Decode view moved under an option that quotes the whole output": (
        L3,
        [('sentence = "Saturday, May 9, 2018", step = "0" }', 'sentence = "Saturday, May 9, 2018", step = "1" }')],
        "an option quotes the whole output {view.output}, but the view shows 1 of its 10 tokens",
    ),
    # a Decode view moved later: the question's row is no longer the one its claims speak of
    "a Decode view moved later under a choice question": (
        L2,
        [
            (
                'scorer = "dot", sentence = "hello world", step = "3" }\nteacher = "Put',
                'scorer = "dot", sentence = "hello world", step = "5" }\nteacher = "Put',
            )
        ],
        "the question on row 5 of 'hello world' is not tied to the view",
    ),
    "a Decode view moved later under an attention question": (
        L1,
        [
            (
                'step = "5" }\n\n[steps.question]\nkind = "attention"',
                'step = "6" }\n\n[steps.question]\nkind = "attention"',
            )
        ],
        "the attention question asks about row 6 of 'abcdefghijklmnopqrstuvwxyz'; no peaks claim on that row",
    ),
    # outputs of the Timelapse's record: placeholders of the step's history claims (explorer.lessons.history)
    "a history output typed in italics in English only": (
        L6,
        [("`general` writes\n{general1.output}, one l short", "`general` writes\n*dlrow oleh*, one l short")],
        "step 2: text: *dlrow oleh* is a history output typed as text: write it as {general1.output}",
    ),
    "a history output typed in italics in both languages": (
        L6,
        [
            (
                "writes it backwards perfectly: {dot_end.output}.",
                "writes it backwards perfectly: *ti sesrever rerolpxe noitnetta*.",
            ),
            ("把它完美地倒写出来：{dot_end.output}。", "把它完美地倒写出来：*ti sesrever rerolpxe noitnetta*。"),
        ],
        "step 3: text_zh: *ti sesrever rerolpxe noitnetta* is a history output typed as text: write it as "
        "{dot_end.output}",
    ),
    "an option typed with a history output, in both languages": (
        L6,
        [
            ('{ text = "Every model writes {e1_general.expect}."', '{ text = "Every model writes dlrow olleh."'),
            ('text_zh = "每个模型都写出了 {e1_general.expect}。"', 'text_zh = "每个模型都写出了 dlrow olleh。"'),
        ],
        "step 2: option 2's text: dlrow olleh is a history output typed as text: write it as {e1.output} or "
        "{e1_general.expect}",
    ),
    "an option's explanation typed with a history output in prose": (
        L6,
        [
            ("general is one l short ({general1.output})", "general is one l short (dlrow oleh)"),
            ("general 少了一个 l（{general1.output}）", "general 少了一个 l（dlrow oleh）"),
        ],
        "step 2: option 2's explain_zh: dlrow oleh is a history output typed as text",
    ),
    "an output placeholder on a claim that is no history claim": (
        L6,
        [
            ("writes it backwards perfectly: {dot_end.output}.", "writes it backwards perfectly: {dot_exact.output}."),
            ("把它完美地倒写出来：{dot_end.output}。", "把它完美地倒写出来：{dot_exact.output}。"),
        ],
        "{dot_exact.output}: a metric claim records no output",
    ),
    "a holding claim's expect shown instead of its output": (
        L6,
        [
            ("`uniform` writes {uniform1.output};", "`uniform` writes {uniform1.expect};"),
            ("`uniform` 写出 {uniform1.output}；", "`uniform` 写出 {uniform1.expect}；"),
        ],
        "step 2: text: {uniform1.expect}: a claim's expect is shown only for a wrong option's claim",
    ),
    # an output claim's output is its {name.expect}, never typed in (explorer.lessons.history)
    "an output claim's output typed back in, in English only": (
        L4,
        [("`general` writes {red_car.expect}, and", "`general` writes *Elle a une voiture rouge.*, and")],
        "text: *Elle a une voiture rouge.* is an output claim's output typed as text: write it as {red_car.expect}",
    ),
    "an output claim's output typed in both languages, in code": (
        L3,
        [
            ("becomes {out_1916.expect}, and", "becomes `1916-09-26`, and"),
            ("变成 {out_1916.expect}，", "变成 `1916-09-26`，"),
        ],
        "text_zh: `1916-09-26` is an output claim's output typed as text: write it as {out_1916.expect}",
    ),
    "{name.output} on an output claim": (
        L4,
        [("{red_car.expect}", "{red_car.output}")],
        "{red_car.output}: an output claim's output is the `expect` the checker holds the model to",
    ),
    # shares said without a fraction (most, nearly all, 大多数, 几乎全): read in every text a class reads
    "a Chinese-only 大多数 over a share under half": (
        L7,
        [("在典型样例上，不到一半（{loc_changed:.0%}）的打乱", "在典型样例上，大多数（{loc_changed:.0%}）的打乱")],
        "'大多数' says more than {loc_changed}'s bound holds",
    ),
    "nearly every, its number taken away, in a wrong option's explanation": (
        L3,
        [
            ("it gets nearly every test date right ({loc_exact:.1%}).", "it gets nearly every test date right."),
            ("它几乎答对了每一个测试日期（{loc_exact:.1%}）。", "它几乎答对了每一个测试日期。"),
        ],
        "option 2 explain: 'nearly every' says a share, but no claim of its sentence or step holds it",
    ),
    "nearly all in a teacher's note, over a bound of 0.6": (
        L8,
        [("at {further:.0%} of the steps, more than half,", "at nearly all of the steps ({further:.0%}),")],
        "teacher: 'nearly all' says more than {further}'s bound holds",
    ),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_each_deliberate_edit_fails_the_check(name, tmp_path, capsys):
    source, replacements, said = EDITS[name]
    text = source.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, (name, old)
        text = text.replace(old, new, 1)
    copy = tmp_path / source.name
    copy.write_text(text, encoding="utf-8")
    code = cli.main(["check", "--no-claims", str(copy)])
    out = capsys.readouterr().out
    assert code == 1 and said in out, out


@pytest.mark.parametrize("source", [L1, L2, L2B, L3, L4, L6, L7, L8], ids=["1", "2", "2b", "3", "4", "6", "7", "8"])
def test_the_shipped_lessons_pass_without_running_a_model(source, capsys):
    assert cli.main(["check", "--no-claims", str(source)]) == 0, capsys.readouterr().out


def test_quantity_words_in_both_languages():
    from explorer.lessons.anchors import quantities

    assert [(d, round(v, 2)) for _a, _w, d, v in quantities("it scores {x}, fewer than half", "en")] == [
        ("at_most", 0.5)
    ]
    assert [(d, v) for _a, _w, d, v in quantities("写对 {x}，不到一半", "zh")] == [("at_most", 0.5)]
    assert [(d, v) for _a, _w, d, v in quantities("九成以上的步", "zh")] == [("at_least", 0.9)]
    assert quantities("the first half of the string", "en") == []
    # an amount, not a share: read only when the two languages are compared
    assert quantities("moves the output by more than half", "en") == []
    assert [(d, v) for _a, _w, d, v in quantities("moves the output by more than half", "en", amounts=True)] == [
        ("at_least", 0.5)
    ]
    assert [(d, v) for _a, _w, d, v in quantities("高于 `ln 2` 的一半", "zh", amounts=True)] == [("at_least", 0.5)]


@pytest.mark.parametrize(
    ("text", "lang", "said"),
    [
        ("most of its steps", "en", [("at_least", 0.5)]),
        ("for most language pairs", "en", [("at_least", 0.5)]),
        ("nearly every test date", "en", [("at_least", 0.9)]),
        ("gets almost none right", "en", [("at_most", 0.1)]),
        ("the most attention", "en", []),
        ("at most 0.5", "en", []),
        ("looks most at its neighbours", "en", []),
        ("它的大多数步", "zh", [("at_least", 0.5)]),
        ("`dot` 几乎全对", "zh", [("at_least", 0.9)]),
        ("几乎把每一个日期都写对", "zh", [("at_least", 0.9)]),
        ("几乎一个都写不对", "zh", [("at_most", 0.1)]),
        ("输出分布几乎完全移开了", "zh", []),
        ("服务器同时只运行少数几个", "zh", []),
    ],
)
def test_shares_said_without_a_fraction(text, lang, said):
    """Issue 64: 'most', 'nearly all', 'almost none', 大多数, 几乎全 are shares a claim must hold, like 'fewer than
    half'; 'the most', 'at most', 几乎完全 (an amount) and 少数几个 (a few) are not."""
    from explorer.lessons.anchors import quantities

    assert [(d, round(v, 2)) for _a, _w, d, v in quantities(text, lang)] == said


def _decode_questions():
    """(lesson file, step number, its view's step) of every shipped question on a Decode or Hidden states view."""
    from explorer.lessons import lesson_files, read

    found = []
    for path in lesson_files([ROOT / "lessons"]):
        for number, step in enumerate(read(path).steps, start=1):
            if step.question is not None and step.page in ("decode", "states") and "step" in step.view:
                found.append((path, number, int(step.view["step"])))
    return found


def test_every_shipped_decode_question_fails_when_its_view_moves_one_step_later(tmp_path):
    """Issue 64: a Decode view moved later under its question is caught, for every shipped question (a moved
    view's question is tied to no claim of its row, its explanation's answer is on another row, its options
    quote a half-shown output, or the view is past its decode's end)."""
    import re

    from explorer.lessons.__main__ import file_problems

    missed = []
    for path, number, at in _decode_questions():
        text = path.read_text(encoding="utf-8")
        heads = [m.start() for m in re.finditer(r"^\[\[steps\]\]", text, re.M)]
        start, end = heads[number - 1], heads[number] if number < len(heads) else len(text)
        block = re.sub(r'^(view = \{.*)step = "\d+"', rf'\1step = "{at + 1}"', text[start:end], count=1, flags=re.M)
        copy = tmp_path / path.name
        copy.write_text(text[:start] + block + text[end:], encoding="utf-8")
        if not [p for p in file_problems(copy, claims=False) if p.message.startswith(f"step {number}:")]:
            missed.append(f"{path.name} step {number}: view step {at} -> {at + 1}")
    assert len(_decode_questions()) >= 25 and not missed, missed


def _filled_step(path: Path, number: int) -> dict[str, str]:
    """Lesson `path`'s step `number`'s text and its translations as the player fills them (no model run: its
    placeholders are history outputs and settings)."""
    from explorer.lessons import read
    from explorer.lessons.check import step_view
    from explorer.lessons.placeholders import fill, step_values

    def no_model(name):
        raise AssertionError(f"no model is run for a history output ({name})")

    step = read(path).steps[number - 1]
    values = step_values(step.claims, step_view(step), no_model, step)
    return {"text": fill(step.text, values), **{k: fill(t, values) for k, t in step.translated if k == "text_zh"}}


def test_lesson_6_step_2_shows_the_recorded_outputs():
    """The player writes the outputs of lesson 6 step 2 from the models' training records (probes.json), in
    both languages."""
    from explorer.views import timelapse

    def wrote(model: str, epoch: int) -> str:
        record = next(r for r in timelapse.model_history(model) if r["epoch"] == epoch)
        return timelapse.probe_for(record, "hello world")["output"]

    filled = _filled_step(L6, 2)
    outputs = [wrote(f"reverse/{scorer}", 1) for scorer in ("dot", "general", "uniform", "none")]
    assert outputs == ["dlrow olleh", "dlrow oleh", "dlorwl eloh", "dlorl wohlel"]
    for text in filled.values():
        assert "{" not in text and all(f"`{output}`" in text for output in outputs), text
    assert "`general` writes\n`dlrow oleh`, one l short" in filled["text"]
    assert "`general` 写出 `dlrow oleh`，少了一个 l" in filled["text_zh"]


def test_a_history_claims_epoch_changed_under_unchanged_words_fails(tmp_path):
    """A history claim moved to another epoch under unchanged words: its placeholder shows that epoch's output
    (general's dlrow olleh after epoch 2), and the claim, whose expect is still epoch 1's, fails."""
    from explorer.lessons.__main__ import file_problems

    text = L6.read_text(encoding="utf-8")
    old = 'model = "reverse/general"\nepoch = 1\nname = "general1"'
    assert text.count(old) == 1
    copy = tmp_path / L6.name
    copy.write_text(text.replace(old, old.replace("epoch = 1", "epoch = 2")), encoding="utf-8")
    filled = _filled_step(copy, 2)
    assert "`general` writes\n`dlrow olleh`, one l short" in filled["text"]
    said = [p.message for p in file_problems(copy, claims=True) if p.message.startswith("step 2:")]
    assert (
        "step 2: claim: after epoch 2 reverse/general wrote 'dlrow olleh' for 'hello world', not 'dlrow oleh'" in said
    )


def test_a_share_far_from_every_placeholder_of_its_sentence_needs_a_claim_that_holds_it():
    """Issue 64: a share said in words beyond reach of the sentence's placeholders was let through ("speaks of
    something else"); now a claim of the step without a name must hold it, as for a sentence with none."""
    from explorer.lessons.anchors import _shares
    from explorer.lessons.schema import Claim, Step

    text = "It scores {x}, which on these strings, the ones the other models write right, is fewer than a quarter."
    half = Claim(kind="accuracy", model="reverse/uniform", name="x", at_most=0.5)
    said, _seen = _shares(Step(title="t", text=text, page="decode", view={}, claims=(half,)), text, "en")
    assert said == ["'fewer than a quarter' says a share, but no placeholder near it or claim of its step holds it"]
    quarter = Claim(kind="accuracy", model="reverse/uniform", at_most=0.2)
    said, _seen = _shares(Step(title="t", text=text, page="decode", view={}, claims=(half, quarter)), text, "en")
    assert said == []
