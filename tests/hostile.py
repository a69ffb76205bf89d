"""Hostile input for the CLI and the pages (tests/test_hostile_*.py): the inputs, a registry, the checks.

Plain helpers, no fixtures. `INPUTS` maps a short id to the text (ids name the test cases),
`CATEGORIES` groups the ids and `SAMPLE` takes a few of each; `small_registry()` builds untrained
character models that decode fast, `subword_registry()` holds the tiny trained en-fr (SentencePiece)
model; `problems(at)` lists what is wrong with an AppTest run (exceptions, unescaped markup,
unclear errors).
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

import torch

from explorer.figures import svg_bars, svg_heatmap
from explorer.ui.classes import memory as class_memory
from explorer.ui.classes import push as class_push
from explorer.ui.common import components
from explorer.ui.decode import stepper as decode_stepper
from explorer.ui.lessons import warm as lesson_warm
from explorer.ui.shell import chrome, focus, layout, presentation
from tests.app_fixtures import make_registry, point_app_at, temporary_registry

# Tiny models gain nothing from intra-op threads; on a busy 2-core machine they only wait.
torch.set_num_threads(1)

INPUTS: dict[str, str] = {
    # emptiness and size
    "empty": "",
    "space": " ",
    "spaces": "     ",
    "tabs and newlines": "\t\n\r\n\t",
    "no-break spaces": "\u00a0\u2007\u202f",
    "ideographic space": "\u3000",
    "10k chars": "a" * 10_000,
    "10k spaces": " " * 10_000,
    "one long word": "x" * 499,
    "501 chars": "b" * 501,
    "long word with spaces": "supercalifragilistic" * 30 + " end",
    # control characters
    "NUL": "\x00",
    "NUL inside": "9 may\x00 2018",
    "bell and escape": "\x07\x1b[31mred\x1b[0m",
    "backspace": "abc\x08\x08\x08xyz",
    "C1 controls": "\x85\x9b\x9f",
    "DEL": "\x7f",
    "form feed and vertical tab": "a\x0cb\x0bc",
    # Unicode
    "emoji": "🙂🚀🔥",
    "emoji ZWJ family": "👨\u200d👩\u200d👧\u200d👦",
    "flags": "🇫🇷🇬🇧",
    "skin tone": "👍🏽",
    "combining marks": "e\u0301\u0302\u0303\u0304\u0305",
    "zalgo": "h\u0336\u0353\u0317e\u0334\u0324l\u0335\u0347l\u0338\u0330o\u0337\u032e",
    "decomposed accents": "cafe\u0301",
    "right-to-left Hebrew": "שלום עולם",
    "right-to-left Arabic": "مرحبا بالعالم",
    "RTL override": "\u202eevil.exe\u202c",
    "bidi isolates": "\u2066abc\u2069\u2067def\u2069",
    "zero-width space": "a\u200bb\u200bc",
    "zero-width joiner and non-joiner": "a\u200db\u200cc",
    "BOM": "\ufeff9 may 2018",
    "word joiner": "a\u2060b",
    "mixed scripts": "Hello Привет 你好 こんにちは مرحبا",
    "CJK": "注意力就是你所需要的",
    "fullwidth": "ｈｅｌｌｏ　ｗｏｒｌｄ",
    "math alphanumerics": "𝐡𝐞𝐥𝐥𝐨",
    "private use": "\ue000\uf8ff",
    "noncharacters": "\ufffe\uffff",
    "replacement char": "\ufffd",
    "astral plane": "𐍈𓀀🀄",
    "line and paragraph separators": "a\u2028b\u2029c",
    # markup and injection
    "script tag": "<script>alert(1)</script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "closing script": "</script><script>alert('x')</script>",
    "html comment": "<!-- hidden -->",
    "iframe": '<iframe src="javascript:alert(1)"></iframe>',
    "svg onload": "<svg/onload=alert(1)>",
    "style tag": "<style>body{display:none}</style>",
    "entities": "&lt;b&gt; &amp; &#x3C;script&#x3E;",
    "markdown link": "[click](javascript:alert(1))",
    "markdown image": "![x](http://example.com/x.png)",
    "markdown emphasis": "**bold** _it_ `code` ~~s~~",
    "markdown heading": "# Title\n## sub",
    "latex": "$\\frac{1}{0}$ $$x$$",
    "streamlit colour directive": ":red[alert] :material/home: :smile:",
    "json": '{"task": "dates", "__proto__": {"x": 1}}',
    "sql": "'; DROP TABLE models; --",
    "shell": "$(rm -rf /) `reboot` && echo pwned",
    "path traversal": "../../../../etc/passwd",
    "absolute path": "/etc/passwd",
    "windows path": "C:\\Windows\\system32",
    "url": "http://127.0.0.1:8501/_stcore/health?x=<y>",
    "percent encoding": "%3Cscript%3E %00 %2e%2e%2f",
    # format strings
    "printf": "%s %d %n %x %%",
    "str.format": "{0} {} {name} {0!r:>{1}}",
    "double braces": "{{}} {{{{x}}}}",
    "f-string-like": "{__import__('os').system('id')}",
    "template": "${7*7} #{7*7} {{7*7}}",
    # things a model might half-understand
    "special tokens": "<s> </s> <pad> <unk>",
    "date-like": "9 may 2018",
    "leading dash": "-1",
    "double dash": "--help",
    "quotes": "\"'`´‘’“”",
    "backslashes": "\\\\\\n\\t\\x00",
}

# The comment groups of INPUTS, by id: every input is in exactly one (tests/test_hostile_cli.py checks).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "emptiness and size": (
        "empty", "space", "spaces", "tabs and newlines", "no-break spaces", "ideographic space", "10k chars",
        "10k spaces", "one long word", "501 chars", "long word with spaces",
    ),
    "control characters": (
        "NUL", "NUL inside", "bell and escape", "backspace", "C1 controls", "DEL", "form feed and vertical tab",
    ),
    "Unicode": (
        "emoji", "emoji ZWJ family", "flags", "skin tone", "combining marks", "zalgo", "decomposed accents",
        "right-to-left Hebrew", "right-to-left Arabic", "RTL override", "bidi isolates", "zero-width space",
        "zero-width joiner and non-joiner", "BOM", "word joiner", "mixed scripts", "CJK", "fullwidth",
        "math alphanumerics", "private use", "noncharacters", "replacement char", "astral plane",
        "line and paragraph separators",
    ),
    "markup and injection": (
        "script tag", "img onerror", "closing script", "html comment", "iframe", "svg onload", "style tag",
        "entities", "markdown link", "markdown image", "markdown emphasis", "markdown heading", "latex",
        "streamlit colour directive", "json", "sql", "shell", "path traversal", "absolute path", "windows path",
        "url", "percent encoding",
    ),
    "format strings": ("printf", "str.format", "double braces", "f-string-like", "template"),
    "model-ish": ("special tokens", "date-like", "leading dash", "double dash", "quotes", "backslashes"),
}  # fmt: skip

# A sample with every category, for the slower runs (a page over a subword model): per category the
# inputs most likely to break something there (size limits, controls, unknown scripts, markup).
SAMPLE: tuple[str, ...] = (
    "empty", "spaces", "tabs and newlines", "10k chars", "501 chars", "one long word",
    "NUL inside", "bell and escape", "C1 controls",
    "emoji ZWJ family", "combining marks", "RTL override", "zero-width space", "CJK", "noncharacters",
    "script tag", "img onerror", "markdown link", "latex", "streamlit colour directive", "entities",
    "str.format", "f-string-like",
    "special tokens", "double dash", "backslashes",
)  # fmt: skip

# -- a small, fast registry ------------------------------------------------------------------------
TASKS = ("reverse", "dates")
SCORERS = ("none", "general", "dot")  # Compare needs two with attention; "none" exercises the no-heatmap paths
MAX_SOURCE = 120  # long hostile text still reaches the decoder...
MAX_TARGET = 6  # ...and untrained models, which never emit </s>, stop after a few steps


def make_small_registry(root: Path) -> Path:
    """Tiny untrained models that take long hostile text (the shared recipe, smaller and longer)."""
    return make_registry(root, hidden_size=16, embedding_size=8, max_source_len=MAX_SOURCE, max_target_len=MAX_TARGET)


@functools.cache
def small_registry() -> Path:
    """One small registry per test process, removed when the process exits."""
    return temporary_registry("ae-hostile-registry-", make_small_registry)


def use_small_registry(monkeypatch) -> Path:
    """Point the app at small_registry() and forget translators cached for another registry."""
    return point_app_at(monkeypatch, small_registry())


# -- a subword model: the tiny en-fr model trained by tests/train_fixtures.py -----------------------------
def make_subword_registry(root: Path) -> Path:
    """A registry holding only en-fr/general: a copy of the tiny trained en-fr checkpoint."""
    from seq2seq.checkpoint import load_checkpoint
    from seq2seq.registry import write_manifest
    from tests.train_fixtures import en_fr_run

    shutil.copytree(en_fr_run().folder, root / "en-fr" / "general")
    translator = load_checkpoint(root / "en-fr" / "general")
    entry = {"name": "en-fr/general", "path": "en-fr/general", "task": "en-fr", "scorer": "general", "cell": "gru"}
    entry |= {"parameters": translator.model.num_parameters(), "metric": {"name": "bleu", "value": 0.0}}
    write_manifest([entry], root)
    return root


@functools.cache
def subword_registry() -> Path:
    """One en-fr registry per test process, removed when the process exits."""
    return temporary_registry("ae-hostile-subword-", make_subword_registry)


def use_subword_registry(monkeypatch) -> Path:
    """Point the app at subword_registry() and forget translators cached for another registry."""
    return point_app_at(monkeypatch, subword_registry())


# -- what a page may show ----------------------------------------------------------------------------
# Elements whose body Streamlit renders as Markdown.
MARKDOWN_KINDS = ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader")
# Markup that must never reach a Markdown body unescaped (a backslash before it is an escape).
UNESCAPED = re.compile(r"(?<!\\)<\s*/?\s*(script|img|iframe|svg|style|object|embed)\b|(?<!\\)\]\(\s*javascript:", re.I)
MARKUP = set("<>[]()*_`$:#&~|{}\\")


def markdown_bodies(at) -> list[tuple[str, str]]:
    return [(kind, str(el.value)) for kind in MARKDOWN_KINDS for el in at.get(kind)]


COMPONENT_CODE = {
    svg_heatmap.COMPONENT_NAME: ("", components.source("decode/stepper.css"), decode_stepper.script()),
    svg_bars.COMPONENT_NAME: ("", "", components.bars_js()),
    components.KEYBOARD_NAME: ("", "", components.keyboard_js()),
    class_memory.NAME: ("", "", components.source("classes/tab_memory.js")),
    class_push.NAME: ("", "", class_push.script()),
    chrome.NAME: ("", "", components.source("shell/chrome.js")),  # <html lang>, Streamlit's and plotly's words
    presentation.MEMORY: ("", "", presentation.script()),  # presentation mode kept by the tab, no key scrolling
    "attention_explorer.point": ("", "", components.source("lessons/point.js")),  # a lesson step's pointer at a control
    decode_stepper.REST_NAME: ("", "", decode_stepper.rest_script()),  # Decode's panels follow a rested step
    lesson_warm.NAME: ("", "", components.source("lessons/warm.js")),  # a teacher's list loads the lessons' code
}


def problems(at, text: str | None = None, allowed_html: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with a page run: exceptions, unescaped markup, `text` verbatim in Markdown, bad errors.

    `text` is the hostile input of this run: when it holds Markdown or HTML punctuation it must not
    appear verbatim in any Markdown body (escaped, it does not). `allowed_html` are the only bodies
    st.html may show (static CSS).
    """
    found = [f"exception: {e.message[:200]}" for e in at.exception]
    for kind, body in markdown_bodies(at):
        if UNESCAPED.search(body):
            found.append(f"unescaped markup in {kind}: {body[:160]!r}")
        if text and len(text) > 1 and MARKUP & set(text) and text in body:
            found.append(f"input verbatim in {kind}: {body[:160]!r}")
    for el in at.get("html"):
        if el.proto.body not in (*allowed_html, layout.COMPACT_CSS, focus.CSS):  # the pages' own static CSS is allowed
            found.append(f"st.html with {el.proto.body[:120]!r}")
    for el in at.get("bidi_component"):  # page components: constant code; user text travels as JSON data only
        code = (el.proto.html_content, el.proto.css_content, el.proto.js_content)
        if code != COMPONENT_CODE.get(el.proto.component_name):
            found.append(f"component {el.proto.component_name!r} with code other than its constant")
    for el in at.error:
        if "Traceback" in el.value or len(el.value) > 1500:
            found.append(f"unclear error: {el.value[:160]!r}")
    return found
