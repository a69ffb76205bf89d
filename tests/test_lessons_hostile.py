"""Lesson files a teacher (or anyone with write access to a lessons folder) gets wrong on purpose.

Each hostile file sits beside a good lesson: the good one still loads, the hostile one is its own
`file:line` problem (in `catalog`, in `python -m explorer.lessons check`, on the Lessons page), never
an exception. Every number in a claim or a view is bounded as the command line and a share link bound
it, and refused before any model runs. Images from other servers are not shown unless allowed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explorer import lessons
from explorer.lessons import LessonError, catalog, read, reader
from explorer.lessons.schema import CLAIM_NUMBERS
from explorer.state import view as link_view
from explorer.ui.common.markdown import REMOTE_IMAGES_ENV, authored_markdown, escape_markdown
from seq2seq import cli, decoding
from seq2seq.config import MAX_SEED

ROOT = Path(__file__).resolve().parent.parent

GOOD = """title = "A lesson"
audience = "Anyone"
minutes = 10

[[steps]]
title = "Reverse hello"
text = "Watch **dot** reverse hello."
page = "decode"
view = { task = "reverse", scorer = "dot", sentence = "hello", step = "2" }

[[steps.claims]]
kind = "output"
model = "reverse/dot"
sentence = "hello"
expect = "olleh"
"""
CLAIM_LINE = 11  # the [[steps.claims]] header of GOOD
VIEW_LINE = 9


def with_claim(**values) -> str:
    """GOOD with `values` added to its claim (TOML literals, written as given)."""
    extra = "".join(f"{key} = {value}\n" for key, value in values.items())
    return GOOD + extra


def deep_nesting(folder: Path) -> Path:
    path = folder / "deep.toml"
    path.write_text("steps = " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    return path


# -- one hostile file of each kind beside a good one ------------------------------------------------
def _write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _symlink(folder: Path) -> Path:
    target = _write(folder.parent, "elsewhere.toml", GOOD)
    os.symlink(target, folder / "linked.toml")
    return folder / "linked.toml"


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "pipe.toml")  # opening it to read would wait for a writer forever
    return folder / "pipe.toml"


def _folder(folder: Path) -> Path:
    (folder / "folder.toml").mkdir()
    return folder / "folder.toml"


# id -> (make the file in a folder, its line, what its problem says)
HOSTILE = {
    "nested 500 deep": (deep_nesting, 1, "nested too deeply to read"),
    "nested tables by dotted keys": (
        lambda d: _write(d, "dotted.toml", GOOD + "[steps.question]\nkind" + ".a" * 3000 + " = 1\n"),
        16,
        "question kind dict is not one of",
    ),
    "larger than the limit": (
        lambda d: _write(d, "big.toml", GOOD + "#" * lessons.MAX_FILE_BYTES),
        1,
        "larger than 256 KB",
    ),
    "not UTF-8": (lambda d: _write(d, "latin.toml", b'title = "x"\naudience = "caf\xe9"\n'), 2, "not UTF-8 text"),
    "an integer too long to read": (
        lambda d: _write(d, "digits.toml", GOOD.replace("minutes = 10", "minutes = " + "9" * 5000)),
        1,
        "not valid TOML: Exceeds the limit",
    ),
    "a NUL byte": (lambda d: _write(d, "nul.toml", 'title = "x"\n\x00\n'), 2, "not valid TOML"),
    "a folder named *.toml": (_folder, 1, "not a regular file"),
    "a symbolic link": (_symlink, 1, "a symbolic link"),
    "a pipe": (_fifo, 1, "not a regular file"),
    "steps of the wrong type": (
        lambda d: _write(d, "types.toml", 'title = "x"\naudience = "y"\nminutes = 5\nsteps = [1]\n'),
        1,
        "step 1 must be a table",
    ),
    "a view of lists": (
        lambda d: _write(d, "view.toml", GOOD.replace('step = "2"', "step = [[[1]]]")),
        VIEW_LINE,
        "view must be a table of share-link values",
    ),
    "a claim of the wrong types": (
        lambda d: _write(d, "claim.toml", with_claim(beam="[1]", strategy='"beam"')),
        CLAIM_LINE,
        "beam must be a whole number",
    ),
    "a name that is no id": (lambda d: _write(d, "Bad Name.toml", GOOD), 1, "lowercase letters"),
    "a huge beam": (
        lambda d: _write(d, "beam.toml", with_claim(strategy='"beam"', beam=1_000_000_000)),
        CLAIM_LINE,
        "beam is from 1 to 100, not 1000000000",
    ),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_file_is_its_own_problem_and_the_good_lesson_still_loads(tmp_path, kind):
    folder = tmp_path / "lessons"
    folder.mkdir()
    _write(folder, "good.toml", GOOD)
    make, line, said = HOSTILE[kind]
    path = make(folder)
    found, problems = catalog([folder])
    assert list(found) == ["good"]
    assert problems and {p.path for p in problems} == {path}, problems
    assert any(p.line == line and said in p.message for p in problems), problems


def test_any_error_while_reading_is_the_files_problem(tmp_path, monkeypatch):
    """Errors no check foresaw (out of memory, a bug) are still one file's problem on line 1."""
    path = _write(tmp_path, "good.toml", GOOD)

    def no_memory(text):
        raise MemoryError

    monkeypatch.setattr(reader.tomllib, "loads", no_memory)
    with pytest.raises(LessonError) as error:
        read(path)
    assert [(p.line, p.message) for p in error.value.problems] == [(1, "too large to read: not a lesson")]

    def broken(self, data):
        raise KeyError("surprise")

    monkeypatch.undo()
    monkeypatch.setattr(reader._Reader, "lesson", broken)
    with pytest.raises(LessonError) as error:
        read(path)
    (problem,) = error.value.problems
    assert problem.line == 1 and problem.message == "cannot be read (KeyError: 'surprise')"


# -- the checker ------------------------------------------------------------------------------------
def test_the_checker_lists_every_hostile_files_problem_without_a_traceback(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    _write(folder, "good.toml", GOOD)
    made = {kind: make(folder) for kind, (make, _line, _said) in HOSTILE.items()}
    command = [sys.executable, "-m", "explorer.lessons", "check", "--no-claims", str(folder)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert f"{folder / 'good.toml'}: ok" in result.stdout
    for kind, path in made.items():
        _make, line, said = HOSTILE[kind]
        assert re.search(rf"^{re.escape(str(path))}:{line}: .*{re.escape(said)}", result.stdout, re.M), (kind, output)


def test_the_checker_reports_an_error_of_its_own_as_the_files_problem(tmp_path, monkeypatch, capsys):
    from explorer.lessons import __main__ as command
    from explorer.lessons import check

    def broken(lesson, translator_for=None, claims=True):
        raise RuntimeError("the model exploded")

    monkeypatch.setattr(check, "problems", broken)
    good, other = _write(tmp_path, "good.toml", GOOD), _write(tmp_path, "other.toml", GOOD)
    assert command.main(["check", str(good), str(other)]) == 1
    out = capsys.readouterr().out
    assert f"{good}:1: cannot be checked (RuntimeError: the model exploded)" in out
    assert f"{other}:1: cannot be checked" in out  # the next file is still checked


# -- bounds: as the command line and the share link --------------------------------------------------
def test_claim_bounds_are_the_command_lines():
    assert CLAIM_NUMBERS["beam"] == (1, cli.MAX_BEAM)
    assert CLAIM_NUMBERS["seed"] == (0, MAX_SEED)
    assert CLAIM_NUMBERS["temperature"] == (decoding.MIN_TEMPERATURE, decoding.MAX_TEMPERATURE)


def claim_problem(tmp_path, **values) -> list[str]:
    path = _write(tmp_path, "c.toml", with_claim(**values))
    try:
        read(path)
    except LessonError as error:
        return [f"{p.line}: {p.message}" for p in error.problems]
    return []


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({"strategy": '"beam"', "beam": 0}, "beam is from 1 to 100, not 0"),
        ({"strategy": '"beam"', "beam": 101}, "beam is from 1 to 100, not 101"),
        ({"strategy": '"sample"', "seed": -1}, "seed is from 0 to"),
        ({"strategy": '"sample"', "seed": 2**64}, "seed is from 0 to"),
        ({"strategy": '"sample"', "temperature": 0}, "temperature is from 0.001 to 1000, not 0"),
        ({"strategy": '"sample"', "temperature": "1e9"}, "temperature is from 0.001 to 1000"),
        ({"strategy": '"sample"', "temperature": "nan"}, "temperature must be a finite number"),
        ({"step": -1}, "step is from 0 to 999, not -1"),
        ({"step": 10**18}, "step is from 0 to 999"),
        ({"position": -2}, "position is from 0 to 500, not -2"),
        ({"min_len": -1}, "min_len is from 0 to 500"),
        ({"max_len": 10**9}, "max_len is from 0 to 500"),
        ({"epoch": -1}, "epoch is at least 0, not -1"),
        ({"at_least": "-inf"}, "at_least must be a finite number"),
        ({"prefix": "[" + ", ".join(['"a"'] * 1000) + "]"}, "prefix is longer than 999 pieces"),
    ],
    ids=lambda v: str(v)[:40],
)
def test_an_out_of_range_number_in_a_claim_is_refused_on_its_line(tmp_path, values, said):
    (found,) = claim_problem(tmp_path, **values)
    assert found.startswith(f"{CLAIM_LINE}: step 1: claim 1: ") and said in found, found


@pytest.mark.parametrize(
    "values", [{"strategy": '"beam"', "beam": 100}, {"strategy": '"sample"', "seed": 2**63 - 1, "temperature": 5}]
)
def test_a_claim_within_the_bounds_is_read(tmp_path, values):
    assert claim_problem(tmp_path, **values) == []


def test_a_claim_of_a_billion_beams_is_refused_at_once_without_running_a_model(tmp_path, monkeypatch):
    from explorer.lessons import check

    def no_model(name):
        raise AssertionError("a model was loaded for a claim that is out of bounds")

    monkeypatch.setattr(check, "_load", no_model)
    path = _write(tmp_path, "beam.toml", with_claim(strategy='"beam"', beam=1_000_000_000))
    started = time.perf_counter()
    with pytest.raises(LessonError) as error:
        check.problems(read(path), translator_for=no_model)
    assert time.perf_counter() - started < 2
    assert [p.line for p in error.value.problems] == [CLAIM_LINE]


@pytest.mark.parametrize(
    ("name", "raw"),
    [("beam", "11"), ("beam", "0"), ("step", "201"), ("seed", "-1"), ("temperature", "9"), ("temperature", "nan")],
)
def test_a_view_number_outside_the_share_links_bound_is_refused(tmp_path, name, raw):
    bound = link_view.LINK_NUMBERS[name]
    # the share link clamps or replaces the same value: the bound is the link's own
    parsed = link_view.parse_query({name: raw}, {"reverse": ["dot"]}, {"reverse": "hello"})
    assert parsed.notes and getattr(parsed, name) in (bound.low, bound.high, bound.default)
    text = GOOD.replace('step = "2"', f'step = "2", {name} = "{raw}"' if name != "step" else f'step = "{raw}"')
    with pytest.raises(LessonError) as error:
        read(_write(tmp_path, "v.toml", text))
    (problem,) = error.value.problems
    assert problem.line == VIEW_LINE and problem.message.startswith(f"step 1: view: {name} is from "), problem


def test_a_view_within_the_share_links_bounds_is_read(tmp_path):
    text = GOOD.replace('step = "2"', 'step = "200", beam = "10", temperature = "0.05", seed = "2147483647"')
    assert read(_write(tmp_path, "v.toml", text)).steps[0].view["beam"] == "10"


# -- images from other servers ----------------------------------------------------------------------
IMAGE_OPENER = re.compile(r"(?<!\\)(?:\\\\)*!\[")  # an unescaped `![`: what every Markdown image starts with
CODE = re.compile(r"(`+)[\s\S]*?(?<!`)\1(?!`)")
REMOTE = {
    "inline": "See ![the cat](https://images.example/cat.png).",
    "scheme-relative": "![x](//images.example/cat.png)",
    "backslash": "![x](/\\images.example/cat.png)",
    "next line": "![x](\nhttps://images.example/cat.png)",
    "reference": "![the cat][cat]\n\n[cat]: https://images.example/cat.png",
    "collapsed reference": "![cat][]\n\n[cat]: https://images.example/cat.png",
    "shortcut reference": "![cat]\n\n[cat]: https://images.example/cat.png",
    "inside a link": "[![x](https://images.example/cat.png)](https://example.org)",
    "nested brackets": "![a [b] c](https://images.example/cat.png)",
    "after an escaped backslash": "\\\\![x](https://images.example/cat.png)",
}


def image_openers(markdown: str) -> int:
    """How many images `markdown` can render (code spans show as typed)."""
    return len(IMAGE_OPENER.findall(CODE.sub("", markdown)))


@pytest.mark.parametrize("kind", REMOTE)
def test_images_from_other_servers_are_not_shown_by_default(kind, monkeypatch):
    monkeypatch.delenv(REMOTE_IMAGES_ENV, raising=False)
    text = REMOTE[kind]
    assert image_openers(text) == 1  # the input is an image
    shown = authored_markdown(text)
    assert image_openers(shown) == 0, shown
    assert "images.example/cat.png" in shown  # still there, as a link's address or text


@pytest.mark.parametrize("kind", REMOTE)
def test_the_setting_allows_images_from_other_servers(kind, monkeypatch):
    monkeypatch.setenv(REMOTE_IMAGES_ENV, "1")
    assert image_openers(authored_markdown(REMOTE[kind])) == 1
    assert image_openers(authored_markdown(REMOTE[kind], remote_images=False)) == 0


@pytest.mark.parametrize("value", ["", "0", "no", "https://images.example"])
def test_only_a_yes_allows_remote_images(value, monkeypatch):
    monkeypatch.setenv(REMOTE_IMAGES_ENV, value)
    assert image_openers(authored_markdown(REMOTE["inline"])) == 0


@pytest.mark.parametrize("text", ["![the app](images/decode.png)", "![x](../images/a.png 'title')", "![x](/a.png)"])
def test_images_on_the_apps_own_server_stay(text, monkeypatch):
    monkeypatch.delenv(REMOTE_IMAGES_ENV, raising=False)
    assert authored_markdown(text) == text


def test_code_spans_and_html_images_stay_text():
    assert authored_markdown("`![x](https://images.example/cat.png)`") == "`![x](https://images.example/cat.png)`"
    assert authored_markdown('<img src="https://images.example/cat.png">').startswith("\\<img")


# -- the page ---------------------------------------------------------------------------------------
def test_the_lessons_page_lists_every_good_lesson_beside_hostile_files(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    folder = tmp_path / "lessons"
    folder.mkdir()
    image = GOOD.replace("Watch **dot** reverse hello.", REMOTE["inline"]).replace('"A lesson"', '"Pictures"')
    _write(folder, "pictures.toml", image)
    hostile = [deep_nesting(folder), _folder(folder), _symlink(folder)]
    hostile.append(_write(folder, "latin.toml", b'title = "x"\naudience = "caf\xe9"\n'))
    hostile.append(_write(folder, "beam.toml", with_claim(strategy='"beam"', beam=1_000_000_000)))
    monkeypatch.setenv(lessons.LESSONS_ENV, str(folder))
    monkeypatch.delenv(REMOTE_IMAGES_ENV, raising=False)
    shipped, _problems = catalog([lessons.SHIPPED_DIR])

    at = AppTest.from_file(str(ROOT / "app_pages/8_Lessons.py"), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    titles = [el.value for el in at.subheader]
    assert len(titles) == len(shipped) + 1 and "Pictures" in titles  # the shipped lessons and the good one
    warnings = "\n".join(w.value for w in at.warning)
    assert len(at.warning) == len(hostile)
    for path, line in zip(hostile, (1, 1, 1, 2, CLAIM_LINE), strict=True):
        assert escape_markdown(f"{path}:{line}:") in warnings, (path, warnings)

    at.query_params.update({"lesson": "pictures", "at": "1"})
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    texts = [el.value for el in at.markdown]
    assert any("images.example/cat.png" in text for text in texts)
    assert not any(image_openers(text) for text in texts)
