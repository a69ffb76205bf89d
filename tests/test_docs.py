"""The README, docs/ and bench/README.md stay true to the tree: every relative link (and its #anchor) resolves, every
command in their shell blocks is accepted (`python -m seq2seq …` parsed by the CLI's own argparse
parser without running it; `make X` a Makefile target; a module or script that exists), the README
keeps its bound, and every page of the app has its guide and its screenshot."""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MAX_README_LINES = 250
SHELL_LANGS = {"", "bash", "sh", "shell", "console"}

FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", flags=re.S | re.M)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", flags=re.M)


def markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md")), ROOT / "bench" / "README.md"]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _prose(text: str) -> str:
    """The text without fenced blocks and inline code (no links or headings live there)."""
    text = FENCE.sub("", text)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", text, flags=re.S)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text
    text = text.replace("`", "").replace("*", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, title in HEADING.findall(FENCE.sub("", path.read_text())):
        base = slug(title)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(path: Path) -> list[str]:
    return LINK.findall(_prose(path.read_text()))


@pytest.mark.parametrize("path", markdown_files(), ids=_name)
def test_every_relative_link_resolves(path: Path) -> None:
    broken = []
    for target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: …: not ours to check
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.exists():
            broken.append(f"{target} (no {file_part})")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target} (no heading #{anchor} in {_name(resolved)})")
        elif ROOT not in resolved.parents and resolved != ROOT:
            broken.append(f"{target} (outside the repository)")
    assert broken == [], f"{_name(path)}: broken links"


# --------------------------------------------------------------------------- commands


def shell_lines(path: Path) -> list[str]:
    """Each command line of the file's shell blocks, backslash continuations joined."""
    lines = []
    for lang, body in FENCE.findall(path.read_text()):
        if lang.strip() not in SHELL_LANGS:
            continue
        for line in re.sub(r"\\\n\s*", " ", body).splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append(line.strip())
    return lines


def commands(line: str) -> list[list[str]]:
    """The simple commands of a line: split at pipes and ;/&&/||, redirections and env assignments dropped."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    out, current, skip_next = [], [], False
    for token in lexer:
        if skip_next:
            skip_next = False
        elif token in {"|", "||", "&&", ";", "&"}:
            out.append(current)
            current = []
        elif token in {"<", ">", ">>", "2>", "&>"} or re.fullmatch(r"\d?[<>]+", token):
            skip_next = True  # the file it redirects to or from
        elif not current and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", token):
            continue  # OMP_NUM_THREADS=1 python …
        else:
            current.append(token)
    out.append(current)
    return [c for c in out if c]


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", (ROOT / "Makefile").read_text(), flags=re.M))


def check_command(argv: list[str], targets: set[str]) -> str | None:
    """None when the command is accepted, else why not. Commands of other programs pass unchecked."""
    program = Path(argv[0]).name
    if program == "make":
        unknown = [a for a in argv[1:] if "=" not in a and not a.startswith("-") and a not in targets]
        return f"no Makefile target {unknown}" if unknown else None
    if program.startswith("python") or program == "torchrun":
        if "-m" in argv:
            module = argv[argv.index("-m") + 1]
            args = argv[argv.index("-m") + 2 :]
            if module == "seq2seq":
                from seq2seq.cli import UsageError, build_parser

                try:
                    build_parser().parse_args(args)
                except (UsageError, SystemExit) as error:
                    return f"the CLI refuses it: {error}"
                return None
            if importlib.util.find_spec(module.split(".")[0]) is None:
                return f"no module {module}"
            local = ROOT.joinpath(*module.split("."))
            if module.split(".")[0] in {"bench", "explorer", "scripts"} and not (
                local.with_suffix(".py").exists() or (local / "__main__.py").exists()
            ):
                return f"no module {module}"
            return None
        if len(argv) > 1 and argv[1].endswith(".py") and not (ROOT / argv[1]).exists():
            return f"no script {argv[1]}"
    return None


def shell_files() -> list[Path]:
    return [p for p in markdown_files() if shell_lines(p)]


@pytest.mark.parametrize("path", shell_files(), ids=_name)
def test_every_command_in_a_shell_block_is_accepted(path: Path) -> None:
    targets = makefile_targets()
    refused = []
    for line in shell_lines(path):
        for argv in commands(line):
            why = check_command(argv, targets)
            if why:
                refused.append(f"{line}: {why}")
    assert refused == [], f"{_name(path)}: commands that would fail"


def test_the_readme_shows_seq2seq_and_make_commands_that_are_checked() -> None:
    """The README's own commands are the ones users copy: at least the two make targets and five CLI examples."""
    argvs = [argv for line in shell_lines(README) for argv in commands(line)]
    assert {"run", "test"} <= {a[1] for a in argvs if Path(a[0]).name == "make" and len(a) > 1}
    assert sum(1 for a in argvs if "-m" in a and a[a.index("-m") + 1] == "seq2seq") >= 5


def test_the_checker_refuses_what_the_cli_refuses() -> None:
    targets = makefile_targets()
    assert check_command(["python", "-m", "seq2seq", "decode", "--beam", "0", "--model", "x", "y"], targets)
    assert check_command(["python", "-m", "seq2seq", "decode", "hello"], targets)  # --model is required
    assert check_command(["python", "-m", "seq2seq", "fly"], targets)
    assert check_command(["make", "no-such-target"], targets)
    assert check_command(["python", "-m", "bench.no_such_bench"], targets)
    assert check_command(["python", "-m", "seq2seq", "models"], targets) is None
    assert commands("printf 'a\\n' | python -m seq2seq translate --model m < in.txt > out.txt  # x") == [
        ["printf", "a\\n"],
        ["python", "-m", "seq2seq", "translate", "--model", "m"],
    ]


# --------------------------------------------------------------------------- README and page guides


def test_the_readme_fits_its_bound_and_shows_the_decode_page() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= MAX_README_LINES
    assert "docs/images/decode.png" in links(README)


def page_names() -> list[str]:
    """The app's pages as the guides name them: app_pages/0_Home.py → home, 3_Hidden_states.py → hidden-states."""
    pages = sorted((ROOT / "app_pages").glob("*.py"))
    return [re.sub(r"^\d+_", "", p.stem).lower().replace("_", "-") for p in pages]


def test_every_page_has_a_guide_with_its_screenshot() -> None:
    missing = []
    for name in page_names():
        guide = DOCS / "pages" / f"{name}.md"
        if not guide.exists():
            missing.append(f"docs/pages/{name}.md")
        elif f"../images/{name}.png" not in links(guide):
            missing.append(f"docs/pages/{name}.md shows no ../images/{name}.png")
    assert missing == []


def test_the_screenshot_script_takes_every_page() -> None:
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)  # no browser or server at import time
    finally:
        del sys.modules[spec.name]
    # every page, and pages shown again in another language ("decode-zh": the Chinese interface)
    assert {name.split("-zh")[0] for name in module.SHOTS} == set(page_names())
    for name in module.SHOTS:
        assert (ROOT / "docs" / "images" / f"{name}.png").is_file(), name


# --------------------------------------------------------------------------- results against the registry


def table(path: Path, header_start: str) -> list[list[str]]:
    """The body rows of the Markdown table whose header row starts with `header_start`, cells stripped of **."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip().replace("**", "") for c in line.strip().strip("|").split("|")])
    return rows


def shipped_results() -> dict[str, dict[str, float]]:
    import json

    entries = json.loads((ROOT / "pretrained" / "manifest.json").read_text())["models"]
    return {e["name"]: e["test"] for e in entries}


def _percent(cell: str, value: float | None) -> bool:
    return (
        value is None if cell in {"–", ""} else value is not None and abs(float(cell.rstrip("%")) - 100 * value) < 0.006
    )


def _bleu(cell: str, value: float) -> bool:
    return abs(float(cell) - value) <= 0.051


def test_the_readme_models_table_matches_the_registry() -> None:
    results = shipped_results()
    rows = table(README, "| scorer | reverse exact match")
    assert {r[0] for r in rows} >= {"none", "dot", "general", "concat", "scaled_dot", "location"}
    for scorer, rev_em, rev_aa, dates_em, dates_aa, en_fr, zh_en in rows:
        rev, dates = results[f"reverse/{scorer}"], results[f"dates/{scorer}"]
        assert _percent(rev_em, rev["exact_match"]) and _percent(rev_aa, rev.get("alignment_accuracy")), scorer
        assert _percent(dates_em, dates["exact_match"]) and _percent(dates_aa, dates.get("alignment_accuracy")), scorer
        for cell, task in ((en_fr, "en-fr"), (zh_en, "zh-en")):
            greedy, beam = cell.split(" / ")
            test = results[f"{task}/{scorer}"]
            assert _bleu(greedy, test["bleu"]) and _bleu(beam, test["bleu_beam5"]), f"{task}/{scorer}"


def test_the_model_tables_in_docs_match_the_registry() -> None:
    results, doc = shipped_results(), DOCS / "models.md"
    for task, scorer, em, aa, mass, unk in table(doc, "| task | scorer | exact match"):
        test = results[f"{task}/{scorer}"]
        assert _percent(em, test["exact_match"]) and _percent(aa, test.get("alignment_accuracy")), f"{task}/{scorer}"
        assert _percent(mass, test.get("gold_mass")), f"{task}/{scorer}"
        assert unk == "" or _percent(unk, test["unk_exact_match"]), f"{task}/{scorer}"
    for task in ("en-fr", "zh-en"):
        rows = table(doc, f"| {task} | greedy BLEU")
        assert sorted(r[0] for r in rows) == sorted(n.split("/")[1] for n in results if n.startswith(f"{task}/"))
        for scorer, bleu, chrf, bleu_beam, chrf_beam, *_ in rows:
            test = results[f"{task}/{scorer}"]
            assert _bleu(bleu, test["bleu"]) and _bleu(chrf, test["chrf"]), f"{task}/{scorer}"
            assert _bleu(bleu_beam, test["bleu_beam5"]) and _bleu(chrf_beam, test["chrf_beam5"]), f"{task}/{scorer}"
