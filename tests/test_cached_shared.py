"""explorer.ui.common.cached's shared reads and figures (issue 62: a lesson's start on Timelapse runs the page for the
teacher and every phone; parsing the task's seven probes.json and building six plotly heatmaps took most of each run).
Each reads the same as the uncached function, is shared while its inputs are the same and is built anew when they
change: a rewritten file, another language, colour scale or piece form."""

from __future__ import annotations

import json
import os

from explorer import i18n
from explorer.figures import common, heatmaps
from explorer.ui.common import cached
from explorer.views import timelapse as timelapse_view

PROBE = {
    "source": "ab",
    "source_tokens": ["a", "b", "</s>"],
    "target_tokens": ["b", "a", "</s>"],
    "attention": [[0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.2, 0.2, 0.6]],
    "output": "ba",
}


def write_history(path, epochs: list[int]) -> None:
    path.write_text(json.dumps({"epochs": [{"epoch": e, "probes": [PROBE]} for e in epochs]}), encoding="utf-8")


def test_a_probes_file_is_read_once_per_version_and_again_once_rewritten(tmp_path):
    path = tmp_path / "probes.json"
    write_history(path, [0, 1])
    first = cached.probe_history(path)
    assert list(first) == timelapse_view.read_history(path) and [r["epoch"] for r in first] == [0, 1]
    assert cached.probe_history(path) is first  # shared: not parsed again
    write_history(path, [0, 1, 2])
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a retrained model's file, later
    assert [r["epoch"] for r in cached.probe_history(path)] == [0, 1, 2]
    assert cached.probe_history(tmp_path / "missing.json") == ()


def figure(probe: dict, height: int = 320):
    """Timelapse's heatmap of `probe`, as the page asks for it (explorer.ui.train.timelapse)."""
    return cached.shared_figure(heatmaps.probe_heatmap, probe, height=height, width=313)


def test_a_probe_heatmap_is_built_once_per_record_size_and_settings():
    built = figure(PROBE)
    assert built.to_dict() == heatmaps.probe_heatmap(PROBE, height=320, width=313).to_dict()
    assert figure(dict(PROBE)) is built  # the same record's content: shared
    assert figure(PROBE, 360) is not built
    with i18n.using("zh"):
        chinese = figure(PROBE)
        assert chinese.to_dict() == heatmaps.probe_heatmap(PROBE, height=320, width=313).to_dict() != built.to_dict()
    with common.using_scale("cividis"):
        assert figure(PROBE).data[0].colorscale != built.data[0].colorscale
    other = {**PROBE, "attention": [[0.3, 0.4, 0.3], [0.7, 0.2, 0.1], [0.2, 0.2, 0.6]]}
    assert list(figure(other).data[0].z[0]) == [0.3, 0.4, 0.3]
    assert figure({**PROBE, "attention": []}) is None  # no attention: nothing to draw


def tall(probe: dict):
    return heatmaps.probe_heatmap(probe, height=400)


def short(probe: dict):
    return heatmaps.probe_heatmap(probe, height=200)


def test_two_builders_given_the_same_inputs_each_build_their_own():
    assert cached.shared_figure(tall, PROBE).layout.height == 400
    assert cached.shared_figure(short, PROBE).layout.height == 200
    assert cached.shared_figure(tall, PROBE) is cached.shared_figure(tall, PROBE)
