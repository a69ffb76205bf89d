"""axe-core in a Playwright page: the accessibility problems a page has, by WCAG 2.1 A and AA rules.

axe-core is fetched at a pinned version into .cache/axe/ by scripts/install_axe.sh (`make test`
runs it); without it the tests that use it are skipped with a reason, as without Chromium.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).resolve().parents[2] / ".cache" / "axe" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING = ("serious", "critical")  # the impacts a page must not have

# axe.run's promise, reduced in the page to what a failure message needs (the full result is large).
_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary || "",
                                 html: n.html.slice(0, 160)})),
  }));
}"""


def axe_path() -> Path:
    """The pinned axe.min.js; skips the test when scripts/install_axe.sh has not fetched it."""
    if not AXE_JS.is_file():
        pytest.skip(f"axe-core {AXE_VERSION} not found at {AXE_JS} (run scripts/install_axe.sh)")
    return AXE_JS


def violations(page: Page) -> list[dict]:
    """Every WCAG 2.1 A/AA violation axe finds in the page as it is now: id, impact, help, nodes."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_path()))
    return page.evaluate(_RUN, list(WCAG_TAGS))


def blocking(found: list[dict]) -> list[dict]:
    """The serious and critical ones."""
    return [v for v in found if v["impact"] in BLOCKING]


def node_count(found: list[dict]) -> int:
    """How many elements the violations name in all."""
    return sum(len(v["nodes"]) for v in found)


def report(found: list[dict], limit: int = 6) -> str:
    """The violations as lines a failing test prints: rule, impact, help, then a few of its elements."""
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}")
        for node in v["nodes"][:limit]:
            summary = " ".join(node["summary"].split())[:300]
            lines.append(f"    {node['target']}  {node['html']!r}  {summary}")
    return "\n".join(lines)
