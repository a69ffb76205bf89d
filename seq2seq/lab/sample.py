"""Which sources the per-example experiments take: `n` drawn across the split's source lengths.

A corpus file runs from short sentences to long ones (manythings.org's Tatoeba files do), so its first
40 test sentences have 3 to 9 tokens: a tau over so few positions is almost never significant, and
nothing is learnt about long sentences. The agreement, permutation, adversarial and override
experiments therefore take a sample stratified by length:

1. the pool: a corpus task's distinct sources of the split, in file order; a generated task's first
   POOL sources of the split (`Task.examples(split, POOL, 0)`, seed 0 as everywhere in the lab);
2. the sources the model cannot take (`location` beyond its trained length) are left out of it (their
   number is returned as "skipped");
3. the pool is ordered by length (in the task's unit, `seq2seq.lab.length.source_length`; file order
   among equal lengths) and cut into `n` strata of equal size (stratum k holds ranks k m / n up to
   (k + 1) m / n of the m sources), and one source is drawn from each, uniformly, by a generator
   seeded `seed`.

So each source stands for an n-th of the split's length distribution (its quantiles are kept), and the
same arguments give the same sample. A pool of at most `n` sources is taken whole. The sample is returned
in order of length.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .length import source_length

POOL = 1000  # a generated task's pool: enough for strata of 25 at the stored n of 40


def pool(task_name: str, split: str, n: int, data: str | None = None) -> list[str]:
    """The distinct sources a sample is drawn from (module docstring, step 1)."""
    from seq2seq.tasks import get_task

    task = get_task(task_name)
    if task.needs_data:
        return list(dict.fromkeys(e.source for e in task.load(data, split)))
    return list(dict.fromkeys(e.source for e in task.examples(split, max(POOL, n), 0)))


def stratified(task_name: str, sources: list[str], n: int, seed: int = 0) -> list[str]:
    """`n` of `sources` drawn one from each of `n` equal strata of length (module docstring, step 3)."""
    if n <= 0:
        return []
    order = sorted(range(len(sources)), key=lambda i: (source_length(task_name, sources[i]), i))
    m = len(order)
    if m <= n:
        return [sources[i] for i in order]
    rng = random.Random(seed)
    return [sources[order[rng.randrange(k * m // n, (k + 1) * m // n)]] for k in range(n)]


def length_sample(
    task_name: str,
    split: str,
    n: int,
    data: str | None = None,
    takes: Callable[[str], bool] | None = None,
    seed: int = 0,
) -> tuple[list[str], int]:
    """(`n` sources stratified by length, how many of the pool `takes` refused) (module docstring)."""
    candidates = pool(task_name, split, n, data)
    kept = [s for s in candidates if takes is None or takes(s)]
    return stratified(task_name, kept, n, seed), len(candidates) - len(kept)
