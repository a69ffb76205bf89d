"""A live class seen from the pages: what the teacher publishes, what a follower does with it, and the
questions a teacher asks. Plain Python (no streamlit), tested without a browser.

The teacher's view is the page's share link (explorer.state.link.publish writes it into the URL; the
same parameters go to the room store), plus the open tab where a page has tabs (Decode's, as ``tab``).
A follower opens that link as if it had been clicked, so it goes through the same validation as any
URL (explorer.state.view.parse_query): the store is never trusted to hold a well-formed view.

A teacher's step moves often; anything else rarely. So a follower tells the two apart (`change`): a
step on the Decode page is drawn by the follower's small polling fragment into the heatmap it already
has (no page run), anything else opens the teacher's link with a full run.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from explorer.classrooms.store import KINDS, MAX_OPTION_CHARS, Question, TeacherView
from explorer.state.keys import AT_PARAM, LESSON_PARAM
from explorer.state.pages import scripts
from seq2seq.decoded import DecodedSentence

# The pages a class can show: the store's page name -> the page's script (st.switch_page).
PAGE_FILES = scripts("class")
TAB_PARAM = "tab"  # the open tab, beside a page's link parameters (names of explorer.ui.decode.sections.TABS)
STEP_PARAM = "step"
POLL_SECONDS = 0.5  # how often a follower's page asks the store for the teacher's view (bench/class_follow.py)
EXPLORING_POLL_SECONDS = 5.0  # while exploring: only to stay counted in the room
HEARTBEAT_SECONDS = 5.0  # a member tells the store it is there at most this often


ROOM_PARAM = "room"  # the join link's query parameter: /?room=CODE
EVERY_INTERFACE = ("", "0.0.0.0", "::")  # server.address values that listen on every network interface


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def join_url(page_url: str, code: str, listening: str, lan_address: str | None) -> tuple[str, bool]:
    """(the join link of class `code`, whether other devices can open it), from the address of the teacher's
    page. A teacher who opened the app on this computer (localhost) gets this computer's network address
    (`lan_address`) instead when the server listens on every interface (`listening`: server.address);
    otherwise the link works only on this computer (False), which the page says with the way out."""
    parts = urllib.parse.urlsplit(page_url or "http://localhost:8501/")
    netloc, reachable = parts.netloc or "localhost:8501", True
    host = parts.hostname or "localhost"
    if _loopback(host):
        if listening in EVERY_INTERFACE and lan_address:
            netloc = f"{lan_address}:{parts.port}" if parts.port else lan_address
        else:
            reachable = False
    home = urllib.parse.urlunsplit((parts.scheme or "http", netloc, "/", "", ""))
    return f"{home}?{urllib.parse.urlencode({ROOM_PARAM: code})}", reachable


def lan_address() -> str | None:
    """This computer's address on its network (the interface a route to a private address leaves by), or None.
    A UDP socket's connect sends nothing: it only picks the route."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.254.254.254", 9))
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if _loopback(address) else address


LESSON_PARAMS = (LESSON_PARAM, AT_PARAM)  # a running lesson's id and step (1-based), beside the view


def published(
    link: Mapping[str, str], tab: str | None = None, lesson: Mapping[str, str] | None = None
) -> dict[str, str]:
    """What the teacher publishes for a page: its link parameters, the open tab when it has tabs, and the
    lesson it runs with its step (`lesson`: explorer.lessons.player.link_params), so the class follows it."""
    params = {str(k): str(v) for k, v in link.items()}
    if tab:
        params[TAB_PARAM] = tab
    params.update({name: str(value) for name, value in (lesson or {}).items() if name in LESSON_PARAMS})
    return params


def link_of(view: TeacherView) -> dict[str, str]:
    """The teacher's link without the tab and the lesson: what a follower's URL gets as the page's view."""
    return {k: v for k, v in view.params.items() if k != TAB_PARAM and k not in LESSON_PARAMS}


def lesson_of(view: TeacherView | None) -> dict[str, str]:
    """The lesson the teacher runs and its step, as a lesson link's parameters ({} when none): a follower's
    lesson is the teacher's (explorer.lessons.player.locate checks them like any link's)."""
    if view is None or LESSON_PARAM not in view.params:
        return {}
    return {name: view.params[name] for name in LESSON_PARAMS if name in view.params}


def tab_of(view: TeacherView, names: Sequence[str]) -> str | None:
    """The teacher's open tab when it is one of `names`, else None."""
    tab = view.params.get(TAB_PARAM)
    return tab if tab in names else None


def change(seen: TeacherView | None, now: TeacherView | None) -> str:
    """How the teacher's view moved since the follower drew `seen`:

    "same"  nothing (or no view yet);
    "step"  only the Decode page's step (a follower draws it without a page run);
    "view"  anything else: another page, sentence, scorer, strategy, tab… (a full run opens it).
    """
    if now is None or (seen is not None and (seen.page, seen.params) == (now.page, now.params)):
        return "same"
    if seen is None or seen.page != now.page or now.page != "decode":
        return "view"
    without = {k: v for k, v in seen.params.items() if k != STEP_PARAM}
    return "step" if without == {k: v for k, v in now.params.items() if k != STEP_PARAM} else "view"


def step_of(view: TeacherView, n: int) -> int:
    """The teacher's Decode step, clamped into 0..n (the link's value is text: anything else is 0)."""
    raw = view.params.get(STEP_PARAM, "0")
    try:
        step = int(raw)
    except ValueError:
        return 0
    return min(max(step, 0), n)


@dataclass(frozen=True)
class Asked:
    """A question as the teacher's page builds it from the decode shown, for the store's `ask`."""

    kind: str
    step: int  # the step shown when asked: the question is about the next row (index `step`)
    options: tuple[str, ...]
    right: tuple[int, ...]
    weights: tuple[float, ...]


def question_for(data: DecodedSentence, step: int, kind: str) -> Asked | None:
    """The question about the row after `step` of a decode, from the model's own computation; None when
    there is no next row (the decode is over) or, for "attend", no attention.

    attend: the options are the source tokens; the weights are the next row a_{t} (it sums to 1); right
            is its argmax (every position that ties with it).
    token:  the options are the top-k candidates p(y_t | y_<t, x); right is the token the decode chose
            (added to the options when it is not among the top k: a sampled or forced token).
    """
    if kind not in KINDS or kind == "choice":  # a choice question is a lesson's (lesson_choice)
        raise ValueError(f"no question of kind {kind!r} comes from a decode")
    if not 0 <= step < data.num_steps:
        return None
    row = data.steps[step]
    if kind == "attend":
        if row.attention is None:
            return None
        weights = tuple(float(w) for w in row.attention)
        top = max(weights)
        right = tuple(i for i, w in enumerate(weights) if w == top)
        return Asked(kind, step, tuple(data.source_tokens), right, weights)
    options = [piece for piece, _id, _prob in row.topk]
    weights = [float(prob) for _piece, _id, prob in row.topk]
    if row.token not in options:
        options.append(row.token)
        weights.append(float(row.prob))
    return Asked(kind, step, tuple(options), (options.index(row.token),), tuple(weights))


def lesson_choice(index: int, options: Sequence[str], right: Sequence[int]) -> Asked:
    """A lesson step's multiple-choice question as the class's (kind "choice"): asked at the lesson's step
    `index`, its options' texts (cut to what a room holds), the ones the lesson file marks right; no model
    weights (all 0: the lesson's author, not a model, knows the answer)."""
    texts = tuple(text if len(text) <= MAX_OPTION_CHARS else text[: MAX_OPTION_CHARS - 1] + "…" for text in options)
    return Asked("choice", index, texts, tuple(right), (0.0,) * len(texts))


def lesson_attention(step: int, tokens: Sequence[str], row: Sequence[float]) -> Asked:
    """A lesson step's attention question as the class's "attend" question at the decode's `step`: the source
    tokens, the model's own row a_{step} over them, its argmax (every position that ties) right."""
    weights = tuple(float(w) for w in row)
    top = max(weights)
    return Asked("attend", step, tuple(tokens), tuple(i for i, w in enumerate(weights) if w == top), weights)


def is_asked(question: Question | None, asked: Asked) -> bool:
    """Whether the room's `question` is `asked` (the same kind, step and options): the lesson step's own."""
    return question is not None and (question.kind, question.step, question.options) == (
        asked.kind,
        asked.step,
        asked.options,
    )


def answer_shares(question: Question) -> list[float]:
    """The class's answers per option as shares of all answers (zeros before any answer)."""
    total = question.answers
    return [count / total if total else 0.0 for count in question.counts]


def reveal_rows(question: Question, before: Question | None = None) -> list[dict]:
    """One row per option for the reveal's table and histogram: the option, the class's answers and
    share, the model's weight, whether it is right; with `before` (the first vote of a question asked
    again), that vote's share too ("before"; None without one)."""
    shares = answer_shares(question)
    earlier = answer_shares(before) if before is not None and len(before.options) == len(question.options) else None
    return [
        {
            "option": option,
            "answers": question.counts[i],
            "share": shares[i],
            "before": None if earlier is None else earlier[i],
            "model": question.weights[i] if i < len(question.weights) else 0.0,
            "right": i in question.right,
        }
        for i, option in enumerate(question.options)
    ]


def rounds(questions: Sequence[Question]) -> dict[int, int]:
    """Each question's vote: 1 for a question asked first, 2 for the same asked again after it, and so on
    (a question asked again of one that is not there counts as a first)."""
    found: dict[int, int] = {}
    for question in sorted(questions, key=lambda q: q.id):
        earlier = found.get(question.again_of) if 0 < question.again_of < question.id else None
        found[question.id] = 1 if earlier is None else earlier + 1
    return found


def asked_before(questions: Sequence[Question], question: Question) -> Question | None:
    """The vote `question` asks again, when it is one of `questions`."""
    return next((q for q in questions if q.id == question.again_of and q.id < question.id), None)
