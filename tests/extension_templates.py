"""What a contributor writes for a new scorer and a new task, as templates filled with generated names.

tests/test_extensibility.py adds both to a copy of the repository under names made up for the run
(`new_names`), so the test never collides with a scorer or task someone adds for real, and a table
written by hand anywhere (a test's, a module's) cannot know them. The scorer is Graves et al.'s
content-based addressing (a cosine times a learned beta); the task sorts the letters of a string.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable

PREFIX = "ext"  # a generated name: PREFIX and six random lowercase letters (a valid module and CLI name)

SCORER_CLASS = r'''

class {cls}(Scorer, name="{name}"):
    """Content-based addressing: score(h_t, h_s) = beta cos(h_t, h_s), beta (a scalar) learned.

    The cosine compares directions only, so a state's size does not decide its weight; beta sharpens
    (or flattens) the softmax that follows, as the key strength of a Neural Turing Machine does.
    """

    formula = N_("score(h_t, h_s) = beta · (h_t · h_s) / (|h_t| |h_s|)   (a cosine times beta; {name})")
    latex = (
        r"\mathrm{{score}}(h_t, \bar h_s) = "
        r"\beta \frac{{h_t^\top \bar h_s}}{{\lVert h_t \rVert \lVert \bar h_s \rVert}}"
    )
    reference = "Graves, Wayne and Danihelka (2014), Neural Turing Machines"
    description = N_("the cosine of the decoder state and each encoder state, times a learned beta ({name})")
    symbols: ClassVar[dict[str, str]] = {{"beta": "beta"}}

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
        return {{
            r"\cos(h_t, \bar h_s)": self.project_keys(keys) @ F.normalize(query, dim=-1),
            r"\beta": self.beta.expand(keys.size(0)),
            "score": self._score_one(query, keys),
        }}
'''

TASK_MODULE = '''"""Sort the letters of a short string: ``"cab"`` -> ``"abc"``.

The gold alignment follows a stable sort: target character ``i`` comes from the source position of the
``i``-th smallest letter (equal letters keep their order), so a working heatmap is a permutation matrix.
"""

from __future__ import annotations

import random
import string

from seq2seq.messages import N_
from seq2seq.metrics import EXACT_MATCH
from seq2seq.tasks.base import Example, Shipped, Task, sample_split

NAME = "{name}"
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
    label=N_("Sort the letters ({name})"),
    metric=EXACT_MATCH,
    probes=PROBES,
    example_sentences=("banana", "hello"),
    default_sentence="banana",
    generate=examples,
    has_alignments=True,
    gold=example,  # every string has its gold: the stable sort
    train_page={{"train_size": 3200, "valid_size": 500, "max_len": 14}},
    shipped=Shipped(
        options=tuple(
            "--embedding-size 32 --hidden-size 64 --train-size 20000 --valid-size 1000 --epochs 10 "
            "--patience 3 --max-len 14".split()
        ),
    ),
)
'''


def new_names(taken: Iterable[str], count: int = 2, rng: random.Random | None = None) -> list[str]:
    """`count` names made up for this run: PREFIX + six lowercase letters, none in `taken` nor repeated."""
    rng = rng or random.Random()
    taken, names = set(taken), []
    while len(names) < count:
        name = PREFIX + "".join(rng.choice(string.ascii_lowercase) for _ in range(6))
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def scorer_class(name: str) -> str:
    """The scorer's class for seq2seq/attention.py, registered as `name`, its class name from it."""
    return SCORER_CLASS.format(cls=f"{name.capitalize()}Scorer", name=name)


def task_module(name: str) -> str:
    """seq2seq/tasks/<name>.py for the task called `name`."""
    return TASK_MODULE.format(name=name)


def scorer_translations(name: str) -> dict[str, str]:
    """The scorer's messages (formula, description) and their Chinese, as a translator writes them."""
    return {
        f"score(h_t, h_s) = beta · (h_t · h_s) / (|h_t| |h_s|)   (a cosine times beta; {name})": (
            f"score(h_t, h_s) = beta · (h_t · h_s) / (|h_t| |h_s|)   （余弦乘以 beta；{name}）"
        ),
        f"the cosine of the decoder state and each encoder state, times a learned beta ({name})": (
            f"解码器状态与每个编码器状态的余弦，乘以学到的 beta（{name}）"
        ),
    }


def task_translations(name: str) -> dict[str, str]:
    """The task's label and its Chinese."""
    return {f"Sort the letters ({name})": f"字母排序（{name}）"}
