"""What a decode accepts: the limits on its inputs and settings, `InputError`, and the checks that raise it.

Plain Python (no torch), so that code that only checks a setting (the command line's parser) need
not load torch. The source length a model takes depends on its scorer (`Translator.source_limit`,
seq2seq/decoding.py); MAX_SOURCE_TOKENS is the bound for scorers without position-specific weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .config import MAX_SEED
from .messages import N_, Translatable

# Longest source, in tokens (</s> not counted), that a scorer without position-specific weights takes.
MAX_SOURCE_TOKENS = 200
# Longest output a decode may be asked for (max_len): a bound on the work one request can cause.
MAX_OUTPUT_TOKENS = 1000
# Sampling temperatures allowed. Below the floor, logits / T overflows float32 and the softmax is
# NaN; at such temperatures sampling *is* greedy decoding, so ask for greedy instead.
MIN_TEMPERATURE, MAX_TEMPERATURE = 1e-3, 1e3
# An attention override must sum to 1 within this (checked in float64).
OVERRIDE_TOLERANCE = 1e-6


class InputError(Translatable, ValueError):
    """A source or target text, or a setting, the model cannot take (empty, too long); the message says why.

    Raised with a marked template and its values (seq2seq.messages), so the app can say it in its language.
    """


def check_temperature(temperature: float) -> float:
    """`temperature` as a float within MIN_TEMPERATURE..MAX_TEMPERATURE; InputError otherwise (NaN too)."""
    value = float(temperature)
    if not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:  # NaN fails both comparisons
        bounds = {"low": MIN_TEMPERATURE, "high": MAX_TEMPERATURE, "value": temperature}
        if value < 1:
            raise InputError(
                N_(
                    "temperature must be between {low:g} and {high:g}, got {value!r} "
                    "(below {low:g} sampling is greedy decoding: decode greedily instead)"
                ),
                **bounds,
            )
        raise InputError(N_("temperature must be between {low:g} and {high:g}, got {value!r}"), **bounds)
    return value


def check_seed(seed: int) -> int:
    """`seed` as an int within 0..MAX_SEED (what torch.Generator.manual_seed takes); InputError otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InputError(N_("seed must be a whole number from 0 to {high}, got {value!r}"), high=MAX_SEED, value=seed)
    return seed


def check_override(weights: Sequence[float], length: int) -> list[float]:
    """An attention override as floats: `length` finite, non-negative weights summing to 1.

    Raises InputError naming the rule that failed. The sum is taken in float64 (math.fsum), within
    OVERRIDE_TOLERANCE: weights that are a distribution over the source, as attend() makes.
    """
    try:
        values = [float(w) for w in weights]
    except (TypeError, ValueError):
        raise InputError(N_("attention override weights must be numbers")) from None
    if len(values) != length:
        raise InputError(
            N_("attention override has {count} weights; the source has {length}"), count=len(values), length=length
        )
    if not all(math.isfinite(w) for w in values):
        raise InputError(N_("attention override weights must be finite (no NaN or infinity)"))
    if any(w < 0 for w in values):
        raise InputError(N_("attention override weights must be non-negative"))
    total = math.fsum(values)
    if abs(total - 1.0) > OVERRIDE_TOLERANCE:
        raise InputError(
            N_("attention override weights must sum to 1 (within {tolerance:g}); they sum to {total:.9g}"),
            tolerance=OVERRIDE_TOLERANCE,
            total=total,
        )
    return values
