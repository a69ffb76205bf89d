"""zh-en in a real browser: type 我爱你。 on the Decode page, step to the end, read the heatmap's labels.

With the shipped `zh-en/concat` when pretrained/ has it; until then with a tiny zh-en model trained
by tests/test_zh_en_app.py in a registry of its own (ATTENTION_EXPLORER_PRETRAINED).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.test_zh_en_app import zh_en_registry

ROOT = Path(__file__).resolve().parents[2]
SOURCE_LABELS = ["01 我", "02 爱", "03 你", "04 。", "05 </s>"]
MAX_STEPS = 40  # a tiny model may run to its length limit

# The column labels of the Decode page's heatmap, each with its box on the screen.
COLUMN_LABELS = """() => [...document.querySelectorAll('svg#decode-heatmap text.col')].map(t => {
  const r = t.getBoundingClientRect();
  const parts = [...t.childNodes].filter(n => n.nodeName !== 'title').map(n => n.textContent);  // number, token
  return {text: parts.join(' '), title: t.querySelector('title').textContent,
          left: r.left, right: r.right, top: r.top, bottom: r.bottom};
})"""
# Each drawn row: its label and the weights of its cells (read from the cells' tooltips).
ROW_LABELS = """() => [...document.querySelectorAll('svg#decode-heatmap g[data-row]')].map(g => ({
  text: g.querySelector('text').firstChild.textContent,
  weights: [...g.querySelectorAll('rect title')].map(t => parseFloat(t.textContent.match(/weight ([0-9.]+)/)[1])),
}))"""
SVG_BOX = "() => { const r = document.querySelector('svg#decode-heatmap').getBoundingClientRect(); return r.top; }"


def _shipped_concat() -> bool:
    manifest = ROOT / "pretrained" / "manifest.json"
    try:
        models = json.loads(manifest.read_text(encoding="utf-8")).get("models", [])
    except (OSError, ValueError):
        return False
    return any(isinstance(m, dict) and m.get("name") == "zh-en/concat" for m in models)


def test_type_i_love_you_step_to_the_end_and_read_the_labels(page: Page, start_streamlit) -> None:
    if _shipped_concat():
        url, scorer = start_streamlit(), "concat"
    else:
        url, scorer = start_streamlit(env={"ATTENTION_EXPLORER_PRETRAINED": str(zh_en_registry())}), "general"
    page.goto(f"{url}/Decode?task=zh-en&scorer={scorer}")
    source = page.get_by_label("Source sentence")
    source.fill("我爱你。")
    source.press("Enter")
    expect(page).to_have_url(re.compile(r"sentence=%E6%88%91%E7%88%B1%E4%BD%A0"), timeout=30_000)
    page.get_by_text("Task, model, strategy and play speed").click()  # folded once a sentence is chosen
    expect(page.get_by_text(f"Model zh-en/{scorer}", exact=False)).to_be_visible(timeout=30_000)
    page.get_by_text("Task, model, strategy and play speed").click()
    step = page.get_by_role("button", name="Step", exact=True)
    for n in range(1, MAX_STEPS + 1):
        if step.is_disabled():
            break
        step.click()
        expect(page.get_by_text(f"Step {n} of", exact=False)).to_be_visible(timeout=30_000)
        page.locator("[data-test-script-state='notRunning']").wait_for(timeout=30_000)
    assert step.is_disabled(), "the decode reached its end (Step disabled)"

    labels = page.evaluate(COLUMN_LABELS)
    assert [label["text"] for label in labels] == SOURCE_LABELS  # in order, none cut
    assert [label["title"] for label in labels] == SOURCE_LABELS
    for left, right in zip(labels, labels[1:], strict=False):  # neighbours do not overlap
        assert left["right"] <= right["left"] + 0.5, (left, right)
    top = page.evaluate(SVG_BOX)
    assert all(label["top"] >= top - 0.5 for label in labels), "a label runs off the top of the heatmap"
    if scorer == "concat":  # the shipped model: the seeds' sentence, word by word, "love" on 爱
        rows = page.evaluate(ROW_LABELS)
        assert [r["text"] for r in rows] == ["01 ·I", "02 ·love", "03 ·you", "04 .", "05 </s>"]  # ▁ as a dot
        love = rows[1]["weights"]
        assert max(range(len(love)), key=love.__getitem__) == 1  # column 01 爱
    expect(page.locator(".stException")).to_have_count(0)
