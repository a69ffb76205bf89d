"""Keeping the catalogs in step with the code: extract with Babel, update, check, add translations.

The messages are extracted from the files `babel.cfg` names (Babel's own mapping format, the one
``pybabel extract -F babel.cfg`` reads), with Babel's default keywords (``_``, ``gettext``,
``ngettext``, ``N_``, …). `problems` is what the catalog test asserts empty: every message of the code
translated, none fuzzy, none left over from removed code, and the same placeholders in every form.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from explorer.i18n import LANGUAGES, SOURCE, catalog_path, placeholders

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "babel.cfg"
PROJECT = "Attention Explorer"


def extract(root: Path = ROOT) -> Catalog:
    """Every message marked in the files `babel.cfg` names, with its file:line locations."""
    with MAPPING.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    template = Catalog(project=PROJECT, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        root, method_map, options_map, comment_tags=("Translators:",), strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read(lang: str) -> Catalog:
    """The catalog of `lang` as it is on disk (an empty one when there is none yet)."""
    path = catalog_path(lang)
    if not path.is_file():
        return Catalog(locale=lang, project=PROJECT, fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def write(catalog: Catalog, lang: str) -> None:
    """Write `catalog` as the catalog of `lang` (sorted by message, no line numbers: small diffs)."""
    path = catalog_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=120, sort_output=True, include_lineno=False, ignore_obsolete=True)


def update(lang: str, template: Catalog | None = None) -> Catalog:
    """`lang`'s catalog brought in step with the code: new messages added untranslated, removed ones
    dropped, translations kept (never guessed: no fuzzy matching)."""
    catalog = read(lang)
    catalog.update(template or extract(), no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    return catalog


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(strings)


def problems(lang: str, template: Catalog | None = None) -> list[str]:
    """What keeps `lang`'s catalog from matching the code, one line each (empty: it matches)."""
    template = template or extract()
    catalog = read(lang)
    found = []
    for message in template:
        if not message.id:
            continue
        where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        entry = catalog.get(message.id, message.context)
        if entry is None:
            found.append(f"missing: {message.id!r} ({where})")
        elif entry.fuzzy:
            found.append(f"fuzzy: {message.id!r} ({where})")
        elif not _translated(entry):
            found.append(f"untranslated: {message.id!r} ({where})")
        else:
            ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
            strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
            expected = set().union(*(placeholders(i) for i in ids))
            for string in strings:
                if placeholders(string) != expected:
                    found.append(f"placeholders differ: {message.id!r} -> {string!r}")
    for entry in catalog:
        if entry.id and template.get(entry.id, entry.context) is None:
            found.append(f"unused: {entry.id!r}")
    return found


def untranslated(files: Iterable[str], lang: str = "zh") -> list[str | list[str]]:
    """The messages of `files` (paths relative to the repository) that `lang`'s catalog lacks."""
    wanted = {str(Path(f)) for f in files}
    catalog = read(lang)
    todo = []
    for message in extract():
        if message.id and any(f in wanted for f, _ in message.locations):
            entry = catalog.get(message.id, message.context)
            if entry is None or entry.fuzzy or not _translated(entry):
                if isinstance(message.id, tuple | list):
                    todo.append(list(message.id))
                else:  # a message with a context as `add` takes it back
                    todo.append(f"{message.context}{CONTEXT_SEP}{message.id}" if message.context else message.id)
    return todo


# A key of `add` for a message with a context (pgettext): the context, this character, the message (as in
# a compiled catalog); in JSON "button\u0004Step".
CONTEXT_SEP = "\x04"


def add(translations: Mapping[str, str | list[str]], lang: str = "zh") -> tuple[int, list[str]]:
    """Write `translations` (message -> translation; a plural message's singular -> its forms) into
    `lang`'s catalog, brought in step with the code first. Holds a lock on the catalog meanwhile, so
    several people may add at once. Returns (how many were written, messages the code does not have)."""
    path = catalog_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        catalog = update(lang)
        written, unknown = 0, []
        for key, string in translations.items():
            context, _sep, message = key.rpartition(CONTEXT_SEP)  # "button\x04Step": a pgettext message
            entry = catalog.get(message, context or None)
            if entry is None:
                unknown.append(key)
                continue
            entry.string = tuple(string) if isinstance(entry.id, tuple | list) else string
            entry.flags.discard("fuzzy")
            written += 1
        write(catalog, lang)
    return written, unknown


def _shown(path: Path) -> str:
    """`path` as a user reads it: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _init(code: str) -> int:
    """Write the first catalog of language `code` (a Babel locale such as fr, de, zh_Hant)."""
    import sys

    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        print(f"error: {code!r} is not a locale Babel knows (e.g. fr, de, ja)", file=sys.stderr)
        return 2
    if catalog_path(code).exists():
        print(f"error: {_shown(catalog_path(code))} exists already", file=sys.stderr)
        return 2
    template = extract()
    catalog = Catalog(locale=code, project=PROJECT, fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True)
    write(catalog, code)
    print(f"{_shown(catalog_path(code))}: {len(template)} messages to translate")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m explorer.i18n update|check|todo FILE…|add FILE.json`` (see docs/development.md)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m explorer.i18n", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="start the catalog of a new language (a code such as fr), all untranslated")
    init.add_argument("code")
    sub.add_parser("update", help="bring every catalog in step with the code (new messages untranslated)")
    sub.add_parser("check", help="list missing, fuzzy, untranslated and unused messages; exit 1 on any")
    todo = sub.add_parser("todo", help="print, as JSON, the messages of FILES that the catalog lacks")
    todo.add_argument("files", nargs="+")
    adder = sub.add_parser("add", help="write the translations of a JSON file {message: translation} into the catalog")
    adder.add_argument("json")
    for name, each in sub.choices.items():
        if name != "init":
            each.add_argument("--lang", choices=[code for code in LANGUAGES if code != SOURCE], default=None)
    args = parser.parse_args(argv)
    if args.command == "init":
        return _init(args.code)
    langs = [args.lang] if args.lang else [code for code in LANGUAGES if code != SOURCE]
    if args.command == "update":
        template = extract()
        for lang in langs:
            write(update(lang, template), lang)
            print(f"{_shown(catalog_path(lang))}: {len(template)} messages")
        return 0
    if args.command == "check":
        template = extract()
        bad = 0
        for lang in langs:
            found = problems(lang, template)
            bad += len(found)
            print("\n".join(found) or f"{lang}: all {len(template)} messages translated")
        return 1 if bad else 0
    if args.command == "todo":
        print(json.dumps(untranslated(args.files, langs[0]), ensure_ascii=False, indent=1))
        return 0
    try:
        data = json.loads(Path(args.json).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"error: cannot read {args.json}: {error}", file=sys.stderr)
        return 2
    if not isinstance(data, dict):
        print("error: the JSON file must hold one object {message: translation}", file=sys.stderr)
        return 2
    written, unknown = add(data, langs[0])
    print(f"{written} translations written")
    for message in unknown:
        print(f"not in the code (mark it first): {message!r}", file=sys.stderr)
    return 0
