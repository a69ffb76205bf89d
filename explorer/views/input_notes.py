"""The notes beside a typed sentence on every page that decodes one: normalised, unknown, too long.

What the model reads differs from what was typed, characters it does not know, a sentence longer
than its training sources.

Plain text over translators (escape before Markdown: explorer.ui.common.markdown).
"""

from __future__ import annotations

from explorer.i18n import _


def input_notes(sentence: str, *translators) -> list[str]:
    """The notes every page that decodes `sentence` shows beside it (plain text: escape before Markdown).

    In order: the text was Unicode-normalised (what the models read differs from what was typed),
    characters some model does not know (unknown_note), and a sentence longer than any source a
    model was trained on but within what it takes (quality drops there). Empty when none applies.
    """
    notes = []
    normalised = normalization_note(sentence, *translators)
    if normalised:
        notes.append(normalised)
    unknown = unknown_note(sentence, *translators)
    if unknown:
        notes.append(unknown)
    beyond = beyond_training_note(sentence, *translators)
    if beyond:
        notes.append(beyond)
    return notes


def beyond_training_note(sentence: str, *translators) -> str | None:
    """A note when `sentence` is longer than some model's training sources, yet within its limit, or None."""
    longer = [t for t in translators if t.beyond_training(sentence)]
    taken = [t for t in longer if _source_tokens(t, sentence) <= t.source_limit]  # longer ones are refused
    if not taken:
        return None
    trained = min(t.trained_source_len for t in taken)
    length = max(_source_tokens(t, sentence) for t in taken)
    if len(translators) == 1:
        note = _(
            "This sentence is {length} tokens long and this model was trained on sources of at most {trained} "
            "tokens: expect lower quality beyond that length."
        )
    else:
        note = _(
            "This sentence is {length} tokens long and some of these models were trained on sources of at most "
            "{trained} tokens: expect lower quality beyond that length."
        )
    return note.format(length=length, trained=trained)


def _source_tokens(translator, sentence: str) -> int:
    """Number of source tokens the model reads for `sentence` (</s> not counted)."""
    return len(translator.source_tokenizer.encode(translator.normalize(sentence)))


def unknown_note(sentence: str, *translators) -> str | None:
    """A note listing the characters of `sentence` some of `translators` do not know (they become
    <unk>), or None. Every page that decodes a typed sentence shows it."""
    unknown: list[str] = []
    for translator in translators:
        unknown += [c for c in translator.unknown_characters(sentence) if c not in unknown]
    if not unknown:
        return None
    listed = ", ".join(repr(c) for c in unknown)
    if len(translators) == 1:
        return _("Not in this model's vocabulary, decoded as the unknown token <unk>: {listed}").format(listed=listed)
    return _("Not in these models' vocabulary, decoded as the unknown token <unk>: {listed}").format(listed=listed)


def normalization_note(sentence: str, *translators) -> str | None:
    """A note when the models read `sentence` otherwise than typed (Translator.normalize), or None.

    Where a model's normalisation converts characters (zh-en: traditional to simplified), the note says
    so and lists them ("愛 → 爱"); otherwise it gives the normalised text.
    """
    for translator in translators:
        normalized = translator.normalize(sentence)
        if normalized == sentence:
            continue
        tokenizer = translator.source_tokenizer  # a converting one (zh-en) lists what it converted
        pairs = tokenizer.conversions(sentence)
        if pairs:
            listed = ", ".join(f"{a} → {b}" for a, b in pairs)
            conversion = _(tokenizer.conversion)
            said = conversion[:1].upper() + conversion[1:]
            return _("{conversion}, as in training: {listed}. Your text was normalised to “{normalized}”.").format(
                conversion=said, listed=listed, normalized=normalized
            )
        return _(
            "Your text was normalised to “{normalized}”: the same text in the Unicode form the model reads."
        ).format(normalized=normalized)
    return None
