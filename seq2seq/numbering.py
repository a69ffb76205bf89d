"""The one numbering a person reads: output tokens and source positions counted from 1.

Output token k is produced at step k: the Decode page's "Step k of n", a link's ``step=k``, a heatmap's
row label, the Lab's "output token k", a lesson's and a class question's step, the CLI's tables. The
code indexes from 0 (``steps[k - 1]``); it turns an index into the number a person reads here and
nowhere else, so every page, export and table says the same.
"""

FIRST = 1  # the number a person reads for index 0


def shown(index: int) -> int:
    """The number a person reads for the 0-based `index` of a token (output token or source position)."""
    return index + FIRST


def clamp_step(step: int, n: int) -> int:
    """A step (output tokens shown, 0..n: 0 is nothing yet, k the k-th token) that fits an output of `n`
    tokens: the one rule every page, link and lesson applies to a step it was given."""
    return max(0, min(int(step), n))


def numbered(tokens) -> list[str]:
    """'03 the': each token after its number (zero-padded to one width, so columns line up and repeated
    tokens stay apart on an axis)."""
    width = max(2, len(str(shown(len(tokens) - 1)))) if tokens else 2
    return [f"{shown(i):0{width}d} {tok}" for i, tok in enumerate(tokens)]
