"""A pytest plugin for tests/test_extensibility.py's quick variant: fewer examples of the registries' old entries.

Loaded with ``-p tests.registry_sample`` in the copy, with REGISTRY_SAMPLE_NEW (the names the run made up)
and REGISTRY_SAMPLE_OLD (the scorers and tasks already there), both comma-separated. Of a test whose
parameters name registry entries (its id: ``[5-dot]``, ``[zh-en/concat]``), every example that names a new
entry runs, and the first collected of those that name only old ones (that example of the test's code runs
with the new entries in the registries); a test with no parameters, or none naming an entry, runs whole.
The full variant (`make test-slow`) runs every example.
"""

from __future__ import annotations

import os
import re

import pytest


def named(test_id: str, names: set[str]) -> set[str]:
    """The `names` that are whole parts of a parametrized test's id (split at - / [ ])."""
    return {n for n in names if re.search(rf"(?:^|[-/\[\]]){re.escape(n)}(?:$|[-/\[\]])", test_id)}


def sample(items: list, new: set[str], old: set[str]) -> tuple[list, list]:
    """(kept, left out) of collected `items`, as the module's docstring says."""
    kept, left_out, sampled = [], [], set()
    for item in items:
        spec = getattr(item, "callspec", None)
        if spec is None or named(spec.id, new) or not named(spec.id, old):
            kept.append(item)
        elif item.nodeid.split("[")[0] in sampled:
            left_out.append(item)
        else:
            sampled.add(item.nodeid.split("[")[0])
            kept.append(item)
    return kept, left_out


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    new = set(filter(None, os.environ.get("REGISTRY_SAMPLE_NEW", "").split(",")))
    old = set(filter(None, os.environ.get("REGISTRY_SAMPLE_OLD", "").split(",")))
    assert new and old, "tests.registry_sample needs REGISTRY_SAMPLE_NEW and REGISTRY_SAMPLE_OLD"
    kept, left_out = sample(items, new, old)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
