"""The lesson checker sees drift: each kind of edit that leaves a lesson's words wrong fails the check.

One true lesson (two steps on real models) passes; each mutation below, the kinds issue 53 lists, makes
`python -m explorer.lessons check` fail, naming why: typed numbers in English and Chinese, a moved
view, a moved claim (another position, another model), two placeholders swapped, a `not_output` typo,
a characterised number without a bound.
"""

import pytest

from explorer.lessons import __main__ as cli

LESSON = """
title = "Drift"
audience = "The checker"
minutes = 10

[[steps]]
title = "Attention reverses"
text = \"\"\"
The `dot` model reverses {view.sentence}; {view.step} letters are written. Its row of the last one puts
{l_last} of its weight on the {view.source.2} it comes from: very close to all of it.
\"\"\"
text_zh = \"\"\"
`dot` 模型反转 {view.sentence}；已经写出 {view.step} 个字母。
最后一个字母那一行把 {l_last} 的权重放在它来自的 {view.source.2} 上：非常接近全部。
\"\"\"
page = "decode"
view = { task = "reverse", scorer = "dot", sentence = "hello", step = "3" }

[[steps.claims]]
kind = "weight"
name = "l_last"
step = 2
position = 2
at_least = 0.95

[[steps.claims]]
kind = "output"
model = "reverse/dot"
sentence = "hello"
expect = "olleh"

[[steps]]
title = "Without attention"
text = \"\"\"
`none` reads {none_len} source letters and `dot` {dot_len}: the same string. `none` and `dot` both
write {view.dot.output}; `none` does not write `olleeh` greedily.
\"\"\"
text_zh = \"\"\"
`none` 读入 {none_len} 个源字母，`dot` 读入 {dot_len} 个：同一个字符串。`none` 和 `dot` 都写出 {view.dot.output}；
`none` 贪心解码时不写 `olleeh`。
\"\"\"
page = "compare"
view = { task = "reverse", sentence = "hello" }

[[steps.claims]]
kind = "count"
name = "none_len"
model = "reverse/none"
sentence = "hello"
statistic = "source_tokens"
at_least = 5
at_most = 5

[[steps.claims]]
kind = "count"
name = "dot_len"
model = "reverse/dot"
sentence = "hello world"
statistic = "source_tokens"
at_least = 11
at_most = 11

[[steps.claims]]
kind = "output"
model = "reverse/none"
sentence = "hello"
expect = "olleh"

[[steps.claims]]
kind = "output"
model = "reverse/dot"
sentence = "hello"
expect = "olleh"

[[steps.claims]]
kind = "not_output"
model = "reverse/none"
sentence = "hello"
expect = "olleeh"
"""


def _check(tmp_path, text: str, claims: bool = True) -> tuple[int, str]:
    path = tmp_path / "drift.toml"
    path.write_text(text, encoding="utf-8")
    code = cli.main(["check", str(path)] if claims else ["check", "--no-claims", str(path)])
    return code, path


@pytest.fixture(scope="module")
def reachable_wrong_output():
    """An output `reverse/none` does not write greedily for `hello` but some view shows (so the true lesson's
    not_output holds and is reachable): the first finished beam hypothesis that is not the greedy output."""
    from explorer.lessons.check import _load
    from explorer.views.beam import beam_search

    translator = _load("reverse/none")
    greedy = translator.greedy("hello").output
    for width in (2, 3, 5):
        for h in beam_search(translator, "hello", width).hypotheses:
            if h.finished and h.text != greedy:
                return h.text
    pytest.skip("reverse/none's beam writes nothing but its greedy output for hello")


@pytest.fixture
def true_lesson(reachable_wrong_output):
    """The lesson with a not_output that some view shows (`olleeh` above stands for it)."""
    return LESSON.replace("olleeh", reachable_wrong_output)


def test_the_true_lesson_passes(tmp_path, capsys, true_lesson):
    assert _check(tmp_path, true_lesson)[0] == 0, capsys.readouterr().out


@pytest.mark.parametrize(
    "old, new, said",
    [
        # typed numbers, English and Chinese: digits, number words, percentages
        ("{view.step} letters are written", "3 letters are written", "the number '3' is typed in"),
        ("{view.step} letters are written", "three letters are written", "the number 'three' is typed in"),
        ("very close to all of it", "seventy percent of it", "'seventy' is typed in"),
        ("已经写出 {view.step} 个字母", "已经写出三个字母", "the number '三' is typed in"),
        ("非常接近全部", "百分七十", "the number '百分' is typed in"),
        ("`none` 读入 {none_len} 个源字母", "`none` 读入 {none_len} 个源字母，写了两次", "the number '两' is typed in"),
        # a moved view: the weight claim's row is no longer drawn
        (
            'sentence = "hello", step = "3"',
            'sentence = "hello", step = "1"',
            "row 2 of the view's decode is not on the page",
        ),
        # a view moved under another model's words
        (
            'scorer = "dot", sentence = "hello"',
            'scorer = "general", sentence = "hello"',
            "the view shows reverse/general, its texts name only `dot`",
        ),
        # an output claim moved onto another model's that happened to agree, both named by the step
        (
            'model = "reverse/dot"\nsentence = "hello"\nexpect = "olleh"\n\n[[steps.claims]]\nkind = "not_output"',
            'model = "reverse/none"\nsentence = "hello"\nexpect = "olleh"\n\n[[steps.claims]]\nkind = "not_output"',
            "the same claim twice (a moved claim?)",
        ),
        # an output claim moved to another model that happens to agree, which the step never names
        (
            'model = "reverse/dot"\nsentence = "hello"\nexpect',
            'model = "reverse/general"\nsentence = "hello"\nexpect',
            "reverse/general is not the view's model",
        ),
        # two placeholders of different models swapped
        (
            "`none` reads {none_len} source letters and `dot` {dot_len}",
            "`none` reads {dot_len} source letters and `dot` {none_len}",
            "{dot_len} measures reverse/dot, but its sentence names `none`",
        ),
        # an unbounded number the words characterise, and a display-only one that is characterised
        ("at_least = 0.95\n", "", "a weight claim needs at_least, at_most or both"),
        ("at_least = 0.95\n", "display_only = true\n", "{l_last} is display_only, but its sentence says 'very'"),
    ],
)
def test_each_drift_fails_the_check_without_running_a_model(tmp_path, capsys, true_lesson, old, new, said):
    assert old in true_lesson
    code, _path = _check(tmp_path, true_lesson.replace(old, new, 1), claims=False)
    out = capsys.readouterr().out
    assert code == 1 and said in out, out


def test_a_claim_moved_to_another_position_fails_its_bound(tmp_path, capsys, true_lesson):
    """The weight on the `l` the row writes is its peak; pointed at the other `l` it is far below 0.95."""
    code, _path = _check(tmp_path, true_lesson.replace("position = 2", "position = 3"))
    out = capsys.readouterr().out
    assert code == 1 and "reverse/dot's weight is" in out and "not within 0.95–inf" in out, out


def test_a_not_output_typo_fails_as_unreachable(tmp_path, capsys, true_lesson, reachable_wrong_output):
    typo = reachable_wrong_output + "q"
    code, _path = _check(tmp_path, true_lesson.replace(reachable_wrong_output, typo))
    out = capsys.readouterr().out
    assert code == 1 and f"no model of the task writes {typo!r} for 'hello'" in out and "a typo?" in out, out
