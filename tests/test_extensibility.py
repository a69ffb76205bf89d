"""A new scorer and a new task take the files docs/architecture.md names, and nothing else.

The repository's files are copied into a temporary folder; there a `cosine` scorer (Graves et al.'s
content-based addressing) and a `sort` task (letters -> the same letters sorted) are written into exactly
the files that "Where to change what" lists for "A new scorer" and "A new task", translations included
(the catalog is read as it is: no compiled .mo to make). In the copy the command line then trains a tiny
`sort` model with `cosine` attention and decodes with it, and the default suite's tests that read the
registries (SCORERS, SCORER_CLASSES, TASKS, all_tasks, the catalog, the architecture doc, the manifest) must
pass: a table of scorers or tasks written by hand in a test, or a module that decides by a scorer's or a
task's name, fails here.

The tests of the shipped models iterate the manifest (pretrained/manifest.json), not SCORERS or TASKS, so a
scorer or task without shipped models leaves them be.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
CATALOG = "explorer/locale/zh/LC_MESSAGES/messages.po"

# -- what a contributor writes -----------------------------------------------------------------------
COSINE_CLASS = r'''

class CosineScorer(Scorer, name="cosine"):
    """Content-based addressing: score(h_t, h_s) = beta cos(h_t, h_s), beta (a scalar) learned.

    The cosine compares directions only, so a state's size does not decide its weight; beta sharpens
    (or flattens) the softmax that follows, as the key strength of a Neural Turing Machine does.
    """

    formula = N_("score(h_t, h_s) = beta · (h_t · h_s) / (|h_t| |h_s|)   (the cosine of the angle, times beta)")
    latex = r"\mathrm{score}(h_t, \bar h_s) = \beta \frac{h_t^\top \bar h_s}{\lVert h_t \rVert \lVert \bar h_s \rVert}"
    reference = "Graves, Wayne and Danihelka (2014), Neural Turing Machines"
    description = N_("the cosine of the angle between the decoder state and each encoder state, times a learned beta")
    symbols: ClassVar[dict[str, str]] = {"beta": "beta"}

    def __init__(self, hidden_size: int):
        super().__init__()
        self.beta = nn.Parameter(torch.tensor(math.sqrt(hidden_size)))  # cosines in [-1, 1]: start sharper

    @classmethod
    def build(cls, hidden_size: int, max_source_len: int) -> Scorer:
        return cls(hidden_size)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """h_s / |h_s| for every source position, (B, S, H): the same at every decoding step."""
        return F.normalize(keys, dim=-1)

    def score(self, query: torch.Tensor, keys: torch.Tensor, projected: torch.Tensor | None = None) -> torch.Tensor:
        unit_keys = self.project_keys(keys) if projected is None else projected  # (B, S, H)
        return self.beta * dot_each(unit_keys, F.normalize(query, dim=-1))  # (B, S)

    def explain(self, query: torch.Tensor, keys: torch.Tensor) -> dict[str, torch.Tensor]:
        return {
            r"\cos(h_t, \bar h_s)": self.project_keys(keys) @ F.normalize(query, dim=-1),
            r"\beta": self.beta.expand(keys.size(0)),
            "score": self._score_one(query, keys),
        }
'''

SORT_MODULE = '''"""Sort the letters of a short string: ``"cab"`` -> ``"abc"``.

The gold alignment follows a stable sort: target character ``i`` comes from the source position of the
``i``-th smallest letter (equal letters keep their order), so a working heatmap is a permutation matrix.
"""

from __future__ import annotations

import random
import string

from seq2seq.messages import N_
from seq2seq.metrics import EXACT_MATCH
from seq2seq.tasks.base import Example, Shipped, Task, sample_split

NAME = "sort"
MAX_LEN = 12

PROBES: tuple[str, ...] = ("a", "ba", "cab", "hello", "banana", "zyxwvu", "attention", "explorerzzzz")


def example(source: str) -> Example:
    """The sorted letters of ``source``, each aligned to the position it comes from."""
    order = sorted(range(len(source)), key=lambda i: source[i])  # stable: equal letters keep their order
    return Example(source=source, target="".join(source[i] for i in order), alignment=tuple((i, i + 1) for i in order))


def _draw(rng: random.Random) -> Example:
    """One random string of 1 to MAX_LEN lowercase letters."""
    return example("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(1, MAX_LEN))))


def examples(split: str, n: int, seed: int) -> list[Example]:
    """``n`` distinct examples of ``split``, the same for the same arguments; the splits share no source."""
    return sample_split(_draw, NAME, split, n, seed)


TASK = Task(
    name=NAME,
    label=N_("Sort the letters"),
    metric=EXACT_MATCH,
    probes=PROBES,
    example_sentences=("banana", "hello"),
    default_sentence="banana",
    generate=examples,
    has_alignments=True,
    gold=example,  # every string has its gold: the stable sort
    train_page={"train_size": 3200, "valid_size": 500, "max_len": 14},
    shipped=Shipped(
        options=tuple(
            "--embedding-size 32 --hidden-size 64 --train-size 20000 --valid-size 1000 --epochs 10 "
            "--patience 3 --max-len 14".split()
        ),
    ),
)
'''

# The catalog's new entries, appended as a translator (or `python -m explorer.i18n add`) would write them.
TRANSLATIONS = {
    "score(h_t, h_s) = beta · (h_t · h_s) / (|h_t| |h_s|)   (the cosine of the angle, times beta)": (
        "score(h_t, h_s) = beta · (h_t · h_s) / (|h_t| |h_s|)   （夹角的余弦，乘以 beta）"
    ),
    "the cosine of the angle between the decoder state and each encoder state, times a learned beta": (
        "解码器状态与每个编码器状态夹角的余弦，乘以学到的 beta"
    ),
    "Sort the letters": "字母排序",
}

# One epoch of a tiny model: enough to save a checkpoint of the new scorer and task and load it back.
TINY = ("--hidden-size", "16", "--embedding-size", "8", "--train-size", "256", "--valid-size", "16", "--epochs", "1",
        "--threads", "1", "--no-progress")  # fmt: skip

# The default suite's tests that read the registries and need no trained model of every scorer and task.
# Left out: tests/test_i18n_cards.py's regenerated cards, because scripts/release.py's comparison table names
# every generated task the library registers (sort too), not the shipped ones; tests that train or run pages
# at length (test_cli, test_race, test_pages_*), for time.
REGISTRY_TESTS = (
    "tests/test_attention.py",
    "tests/test_tasks.py",
    "tests/test_architecture_doc.py",
    "tests/test_model_step.py",
    "tests/test_decode_fast_path.py",
    "tests/test_batch_beam.py",
    "tests/test_beam.py",
    "tests/test_decode_view.py",
    "tests/test_formula_truth.py::test_the_formula_names_every_parameter_of_the_scorer",
    "tests/test_i18n.py::test_the_chinese_catalog_has_every_message_of_the_code_and_nothing_else",
    "tests/test_i18n_library.py::test_every_scorer_description_and_task_label_is_translated",
    "tests/test_train_resume.py::test_train_config_validate_names_the_bad_setting",
    "tests/test_training_jobs.py::test_en_fr_is_offered_only_with_a_data_file",
    "tests/test_pretrained.py::test_one_gru_model_per_task_and_scorer_and_the_lstm_variants",
    "tests/test_lab_results.py::test_the_stored_files_are_small_and_the_readme_is_written_from_them",
)


# -- writing them ------------------------------------------------------------------------------------
def _insert(text: str, anchor: str, addition: str, *, before: bool) -> str:
    """`text` with `addition` before (or after) the one occurrence of `anchor`."""
    assert text.count(anchor) == 1, f"expected {anchor!r} once"
    return text.replace(anchor, addition + anchor if before else anchor + addition)


def _add_scorer(copy: Path) -> dict[str, str]:
    """The cosine scorer: its class, its name in SCORERS, its translations. Returns path -> new text."""
    attention = (copy / "seq2seq/attention.py").read_text(encoding="utf-8")
    scorers = (copy / "seq2seq/scorers.py").read_text(encoding="utf-8")
    names = re.search(r"^SCORERS = \((.*)\)$", scorers, flags=re.M)
    assert names, "seq2seq/scorers.py: no SCORERS = (...) line"
    return {
        "seq2seq/attention.py": _insert(attention, "\n\ndef _check_registry(", COSINE_CLASS.rstrip("\n"), before=True),
        "seq2seq/scorers.py": scorers.replace(names[0], f'SCORERS = ({names[1]}, "cosine")'),
    }


def _add_task(copy: Path) -> dict[str, str]:
    """The sort task: its module and its registration line. Returns path -> new text."""
    registry = (copy / "seq2seq/tasks/__init__.py").read_text(encoding="utf-8")
    last = re.findall(r'^_register\("[a-z_]+"\).*\n', registry, flags=re.M)[-1]
    return {
        "seq2seq/tasks/sort.py": SORT_MODULE,
        "seq2seq/tasks/__init__.py": _insert(registry, last, '_register("sort")\n', before=False),
    }


def _add_translations(copy: Path) -> str:
    """The Chinese catalog with the new scorer's and task's messages translated."""
    entries = "".join(f'\nmsgid "{english}"\nmsgstr "{chinese}"\n' for english, chinese in TRANSLATIONS.items())
    return (copy / CATALOG).read_text(encoding="utf-8").rstrip("\n") + "\n" + entries


def _recipe(title: str) -> list[str]:
    """The files docs/architecture.md's "Where to change what" lists for `title`, <name> as `sort`."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n### {title}\n")
    end = text.find("\n#", start + 1)
    files = re.findall(r"^\d+\. `([^`]+)`", text[start:end], flags=re.M)
    return [f.replace("<name>", "sort") for f in files]


def _copy_repository(dest: Path) -> None:
    """The repository's files as a contributor has them (tracked, and new ones git does not ignore)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():  # a file deleted but not yet committed is left out
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest / name)


def _run(copy: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`python *args` in the copy, on the copy's code (PYTHONPATH), with no setting of this session's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENTION_EXPLORER_", "PYTEST_"))}
    env |= {"PYTHONPATH": str(copy), "ATTENTION_EXPLORER_USER_MODELS": str(copy.parent / "user_models")}
    return subprocess.run([sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)


def test_a_new_scorer_and_a_new_task_need_only_the_files_the_architecture_doc_names(tmp_path):
    copy = tmp_path / "repo"
    _copy_repository(copy)
    scorer, task = _add_scorer(copy), _add_task(copy)
    scorer[CATALOG] = task[CATALOG] = _add_translations(copy)  # one file, both recipes' third step
    assert _recipe("A new scorer") == list(scorer), "docs/architecture.md's scorer recipe lists other files"
    assert _recipe("A new task") == list(task), "docs/architecture.md's task recipe lists other files"
    for name, text in (scorer | task).items():
        (copy / name).write_text(text, encoding="utf-8")

    # The command line offers both (its choices are the registries'), trains them and decodes with the checkpoint.
    run = copy.parent / "sort-cosine"
    trained = _run(copy, "-m", "seq2seq", "train", "--task", "sort", "--scorer", "cosine", *TINY, "--out", str(run))
    assert trained.returncode == 0, (trained.stdout + trained.stderr)[-3000:]
    decoded = _run(copy, "-m", "seq2seq", "decode", "--model", str(run), "banana")
    assert decoded.returncode == 0 and decoded.stdout.startswith("output: "), decoded.stderr[-3000:]

    tests = _run(copy, "-m", "pytest", "-q", "-p", "no:cacheprovider", *REGISTRY_TESTS)
    assert tests.returncode == 0, (tests.stdout + tests.stderr)[-6000:]
