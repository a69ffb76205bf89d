"""Start the app warm: ``python -m explorer.ui.serve [--no-warm-up] [streamlit run options]`` (what ``make run`` runs),
or ``attention-explorer [--address A] [--port P] [--no-warm-up]`` once the package is installed (`command`).

A plain ``streamlit run app.py`` answers at once but leaves the expensive part to its first
visitor: that visitor's page run imports torch, pandas and plotly and loads the model
(bench/app_speed.py, "cold open"; docs/performance.md). This launcher does
that work first, in the same process, and only then starts Streamlit's server: the modules stay
imported, the shipped models sit in the cache every session shares (explorer.ui.common.loaders, loaded
once per process as before), and the first visitor is served like every later one. The server
answers its health check a couple of seconds later instead; nobody is waiting for it then.

Any other argument goes to ``streamlit run app.py`` unchanged (``--server.port 8502`` …). app.py,
app_pages/ and .streamlit/config.toml are found in the checkout or in the installed package alike
(seq2seq.paths); Streamlit reads the config.toml beside app.py whatever the working folder.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from seq2seq.paths import project_root

APP = project_root() / "app.py"
DEFAULT_ADDRESS, DEFAULT_PORT = "127.0.0.1", 8501  # as `make run`'s ADDRESS and PORT


def local_command(port: int, script: str = "app.py", warm_up: bool = True) -> list[str]:
    """The command that serves `script` on the loopback `port` the way the browser tests and the
    benchmarks start it: app.py as `make run` does (this launcher; with warm_up False it skips the
    warm-up only), another script with a plain `streamlit run`; headless, no usage statistics."""
    if script == "app.py":
        launcher = ["-m", "explorer.ui.serve", *(() if warm_up else ("--no-warm-up",))]
    else:
        launcher = ["-m", "streamlit", "run", script]
    return [
        sys.executable, *launcher,
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def warm_up() -> tuple[int, float]:
    """Import what every page imports and load every registered model; (models loaded, seconds)."""
    started = time.perf_counter()
    import pandas  # noqa: F401  (imported for its side effect: the import itself is the cost)
    import plotly.graph_objects  # noqa: F401

    from explorer.state import catalog
    from explorer.ui.common.loaders import get_translator
    from explorer.ui.decode import sections  # noqa: F401
    from explorer.views import decode as decode_view
    from seq2seq.checkpoint import CheckpointError

    # Outside a script run, st.cache_resource says it has no runtime yet; the cache is the same.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    loaded = 0
    try:
        models = catalog.available()
    except CheckpointError as error:  # the pages say so to every visitor; the server starts anyway
        print(f"Warm-up skipped the models: {error}", file=sys.stderr)
        models = {}
    for task, scorers in models.items():
        for scorer in scorers:
            name = decode_view.model_name(task, scorer)
            try:
                get_translator(name)
                loaded += 1
            except CheckpointError as error:  # a broken checkpoint: its page shows the error
                print(f"Warm-up could not load {name}: {error}", file=sys.stderr)
    warm_lessons()
    return loaded, time.perf_counter() - started


def warm_lessons() -> int:
    """Read the lessons in every language, check the controls their texts name (explorer.lessons.controls, which the
    Lessons list shows) and fill each lesson's first step with its numbers (the caches every session shares); how
    many first steps were filled. A first step on Decode is decoded too (`decode_first`).

    The first visitor of the Lessons list waited about 3 s for the controls' check (its regexes, cached per text).

    The first class to start a lesson after the server opened waited for them: in bench.lesson_start that first
    trial was the only one over 2 s (issue 62 asks 20 of 20). Only the first steps: every step costs about 10 s
    at start-up (lesson 8's Lab figures), a first step a few hundredths of one; the later steps fill while the
    class reads the first. A first step's page reads what FIRST_PAGES fills for it (each in the language the page
    is read in), from the caches the teacher's run and every phone's share."""
    from explorer import i18n
    from explorer.lessons import catalog, controls
    from explorer.ui.lessons import player, text

    filled = 0
    for language in i18n.LANGUAGES:
        with i18n.using(language):
            lessons, _problems = catalog()
            for lesson in lessons.values():
                controls.problems(lesson)
                step = lesson.steps[0]
                view = player.check_view(step)
                text.filled(step, view)
                if view is not None and step.page in FIRST_PAGES:
                    FIRST_PAGES[step.page](view)
                filled += 1
    return filled


def decode_first(view) -> None:
    """A lesson's first Decode step decoded into the decode every session shares (explorer.ui.common.cached.trace):
    the teacher's first run of it, and each phone's, then find it there."""
    from explorer.ui.common import cached
    from explorer.views import decode as decode_view
    from seq2seq.checkpoint import CheckpointError
    from seq2seq.decoding import InputError

    name = decode_view.model_name(view.task, view.scorer, view.model)
    try:
        cached.shared_trace(None, name, view, view.reference.strip())
    except (CheckpointError, InputError):
        return  # its page says why, to whoever opens it


def compare_first(view) -> None:
    """A lesson's first Compare step: every scorer's run of its sentence, as the page asks for them
    (explorer.ui.compare.sections.scorer_results, with the sentence's gold reference where the task has one), and
    the heatmaps the page opens on (sections.first_figures), in the language in force."""
    from explorer.state import catalog
    from explorer.ui.common import cached
    from explorer.ui.compare import sections
    from explorer.views import compare as compare_view
    from seq2seq.checkpoint import CheckpointError

    reference = compare_view.reference_for(view.task, view.sentence, cached.gold_examples(view.task))
    try:
        results, _refused = sections.scorer_results(view.task, catalog.scorers_for(view.task), view.sentence, reference)
    except CheckpointError:
        return  # the page says why, to whoever opens it
    sections.first_figures(results, reference)


def timelapse_first(view) -> None:
    """A lesson's first Timelapse step: its task's training histories, parsed into the cache every run reads
    (explorer.ui.common.cached.probe_history), and the figures the page opens on (explorer.ui.train.timelapse
    .first_figures), in the language in force."""
    from explorer.ui.common import cached
    from explorer.ui.train import timelapse
    from explorer.views import timelapse as timelapse_view

    timelapse.first_figures(timelapse_view.shipped_histories(view.task, cached.probe_history), view.task)


def lab_first(view) -> None:
    """A lesson's first Lab step: its task's stored results (explorer.ui.common.cached.lab_results) and, on the split
    view, the model's τ histograms for a laptop and a projector (explorer.ui.lab.sections.agreement_histograms), in
    the language in force."""
    from explorer.state import catalog
    from explorer.ui.common import cached
    from explorer.ui.lab import sections
    from explorer.views import lab_stored
    from seq2seq.checkpoint import CheckpointError

    data, _note = cached.lab_results(view.task)
    try:
        entry = catalog.model_for(view.task, view.scorer, view.model)
    except CheckpointError:
        return  # a broken registry: the page says so
    agreement = entry and lab_stored.experiment(data, entry.name, "agreement")
    if agreement:
        for projecting in (False, True):
            sections.agreement_histograms(agreement, projecting)


# A lesson's first step's page -> what fills the caches that page reads (warm_lessons).
FIRST_PAGES = {"decode": decode_first, "compare": compare_first, "timelapse": timelapse_first, "lab": lab_first}


def configure_torch() -> None:
    """Process-wide torch settings, made once before the server starts.

    Sessions decode one sentence at a time: intra-op threads gain nothing at batch 1 and stall when
    other sessions hold the cores (bench/decode_speed.py); parallel sessions use the cores instead.
    Trainings run in processes of their own (explorer.training.manager), with their own setting.
    """
    import torch

    torch.set_num_threads(1)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    configure_torch()
    if "--no-warm-up" in args:
        args.remove("--no-warm-up")
    else:
        count, seconds = warm_up()
        print(f"Warmed up: {count} models loaded and the libraries imported in {seconds:.1f} s.", flush=True)
    from streamlit.web import cli

    from explorer.ui.server import backend_base, headers

    backend_base.install()  # one health check per page, not a 404 first (explorer.ui.server.backend_base)
    headers.quiet_server()  # no `Server: uvicorn` (app.py's middleware sends the security headers)
    freeze_startup_objects()
    sys.argv = ["streamlit", "run", str(APP), *args]
    return cli.main()


def freeze_startup_objects() -> int:
    """Move every object alive now (the libraries, the loaded models) out of the garbage collector's reach.

    A full collection walks every object the process tracks, torch, pandas, plotly and the models
    included. Streamlit ran one after every script run (`runner.postScriptGC`, now off in
    .streamlit/config.toml): most of the server's CPU per Step (docs/performance.md); Python's own
    collector still makes full collections
    from time to time as objects accumulate. `gc.freeze()` leaves the objects alive at start-up out
    of every later collection (they live as long as the server anyway), so a collection only walks
    what sessions created since. Returns how many objects were frozen.
    """
    import gc

    gc.collect()  # garbage from the warm-up goes first: frozen objects are never collected
    gc.freeze()
    return gc.get_freeze_count()


def command(argv: list[str] | None = None) -> int:
    """``attention-explorer``, the installed package's command: serve the app as ``make run`` does."""
    parser = argparse.ArgumentParser(
        prog="attention-explorer",
        description="Serve Attention Explorer as `make run` does: load the shipped models, then start the app.",
        epilog="Any other option goes to `streamlit run` unchanged (e.g. --server.baseUrlPath explorer). "
        "Environment variables (ATTENTION_EXPLORER_…): docs/configuration.md.",
        allow_abbrev=False,
    )
    where = "where to listen (default: %(default)s; 0.0.0.0 serves other machines)"
    parser.add_argument("--address", default=DEFAULT_ADDRESS, help=where)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the port (default: %(default)s)")
    parser.add_argument(
        "--no-warm-up", action="store_true", help="answer at once and leave loading the models to the first visitor"
    )
    options, rest = parser.parse_known_args(argv)
    return main([
        *(["--no-warm-up"] if options.no_warm_up else []),
        "--server.headless", "true",
        "--server.address", options.address,
        "--server.port", str(options.port),
        "--browser.gatherUsageStats", "false",
        *rest,
    ])  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
