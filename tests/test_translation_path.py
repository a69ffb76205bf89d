"""The en-fr path end to end on a tiny corpus written here: train, load, decode, evaluate.

`python -m seq2seq train --task en-fr` runs once per session (the `en_fr_run` fixture,
tests/train_fixtures.py): load_task_data reads the Tatoeba file and groups the validation
references, build_tokenizers trains one SentencePiece model for both sides, and the checkpoint
must load and decode. `python -m seq2seq evaluate` must report multi-reference BLEU/chrF that equal
sacrebleu's own on the same outputs, greedy and beam.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sacrebleu
import torch

from seq2seq.checkpoint import load_model, read_config
from seq2seq.config import TrainConfig
from seq2seq.decoding import Translator
from seq2seq.tasks import split_of, translation
from seq2seq.tokenizers import EOS, SentencePieceTokenizer
from seq2seq.training_parts import load_task_data
from tests.train_fixtures import EN_FR_BEAM_LIMIT, EN_FR_MAX_LEN, en_fr_lines, en_fr_train_argv, write_en_fr_corpus

ROOT = Path(__file__).resolve().parent.parent
BEAM = 3

torch.set_num_threads(1)


def grouped_references(split: str) -> dict[str, list[str]]:
    """English -> its French lines, in file order, read here from the corpus lines themselves."""
    refs: dict[str, list[str]] = {}
    for line in en_fr_lines():
        english, french = line.split("\t")[:2]
        if split_of(english) == split:
            refs.setdefault(english, []).append(french)
    return refs


def sacre(metric, outputs: list[str], references: list[list[str]]) -> float:
    """sacrebleu's corpus score with one stream per reference slot (None where a sentence has fewer)."""
    width = max(map(len, references))
    streams = [[refs[k] if k < len(refs) else None for refs in references] for k in range(width)]
    return metric(outputs, streams).score


@pytest.fixture(scope="module")
def translator(en_fr_run) -> Translator:
    return load_model(str(en_fr_run.folder), allow_path=True)


# -- train -------------------------------------------------------------------------------------------
def test_the_corpus_has_multi_reference_sets_in_every_split():
    for split in ("train", "valid", "test"):
        refs = grouped_references(split)
        assert len(refs) >= 8, split
        assert sum(len(r) >= 2 for r in refs.values()) >= 8, split
        assert any(len(r) == 3 for r in refs.values()) and any(len(r) == 2 for r in refs.values()), split


def test_train_en_fr_writes_a_sentencepiece_checkpoint(en_fr_run):
    assert en_fr_run.exit_code == 0
    assert en_fr_run.stdout.rstrip().endswith(f"saved to {en_fr_run.folder}")
    assert "bleu" in en_fr_run.stdout and "chrf" in en_fr_run.stdout  # the per-epoch line of a BLEU task
    folder = en_fr_run.folder
    for name in ("config.json", "model.safetensors", "source.model", "target.model", "probes.json"):
        assert (folder / name).is_file(), name
    config = read_config(folder)
    assert config["task"] == "en-fr" and config["train"]["data"] == str(en_fr_run.corpus)
    assert config["source_tokenizer"] == {"kind": "sentencepiece", "file": "source.model"}
    assert config["target_tokenizer"] == {"kind": "sentencepiece", "file": "target.model"}
    # One shared SentencePiece model serves both sides.
    assert (folder / "source.model").read_bytes() == (folder / "target.model").read_bytes()
    sp = SentencePieceTokenizer.load(folder / "source.model")
    model = config["model"]
    assert model["src_vocab_size"] == model["tgt_vocab_size"] == sp.vocab_size
    assert model["max_source_len"] == model["max_target_len"] == EN_FR_MAX_LEN + 1
    assert set(config["metrics"]["valid"]) == {"bleu", "chrf"}


def test_the_tokenizer_is_trained_on_both_sides_of_the_train_split(en_fr_run):
    """build_tokenizers' en-fr branch: SentencePiece over English and French of the train split only."""
    train = [line.split("\t")[:2] for line in en_fr_lines() if split_of(line.split("\t")[0]) == "train"]
    expected = SentencePieceTokenizer.train((text for pair in train for text in pair), vocab_size=150)
    saved = SentencePieceTokenizer.load(en_fr_run.folder / "source.model")
    assert [saved.piece(i) for i in range(saved.vocab_size)] == [expected.piece(i) for i in range(expected.vocab_size)]
    assert any(c in saved.piece(i) for i in range(saved.vocab_size) for c in "éàÇ")  # French characters are in


def test_load_task_data_groups_the_validation_references(en_fr_run):
    data = load_task_data(TrainConfig(task="en-fr", data=str(en_fr_run.corpus), valid_size=8))
    valid = grouped_references("valid")
    sources = list(valid)[:8]
    assert [s for s, _ in data.valid] == sources
    assert data.valid_refs == [valid[s] for s in sources]
    assert [t for _, t in data.valid] == [valid[s][0] for s in sources]
    assert any(len(r) >= 2 for r in data.valid_refs)
    assert data.metric == "bleu" and data.probes == translation.PROBES
    train_sources = {s for s, _ in data.train}
    assert train_sources == set(grouped_references("train")) and not train_sources & set(valid)
    assert len(data.train) == sum(len(r) for r in grouped_references("train").values())
    with pytest.raises(ValueError, match="needs --data"):
        load_task_data(TrainConfig(task="en-fr"))


def test_the_checkpoint_loads_and_decodes(en_fr_run, translator):
    sp = SentencePieceTokenizer.load(en_fr_run.folder / "source.model")
    assert translator.source_tokenizer.kind == translator.target_tokenizer.kind == "sentencepiece"
    sentence = "The red cat is here."
    trace = translator.greedy(sentence)
    assert trace.source_tokens == [sp.piece(i) for i in sp.encode(sentence)] + ["</s>"]
    assert trace.output and trace.output == sp.decode([s.token_id for s in trace.steps])
    assert not trace.hit_max_len and trace.steps[-1].token_id == EOS
    assert len(trace.attention) == len(trace.target_tokens) == len(trace.steps)
    for row in trace.attention:
        assert len(row) == len(trace.source_tokens) and sum(row) == pytest.approx(1.0, abs=1e-5)
    sentences = ["The red cat is here.", "The old book is near the café.", "The green tree is there."]
    assert translator.translate_batch(sentences) == [translator.greedy(s).output for s in sentences]
    beam = translator.beam(sentence, width=BEAM)
    assert beam.output == beam.hypotheses[0].text and len(beam.hypotheses) <= BEAM


def test_the_recorded_validation_bleu_is_the_saved_models_multi_reference_bleu(en_fr_run, translator):
    """The folder holds the best epoch's weights; its recorded BLEU is over all references of each source."""
    config = read_config(en_fr_run.folder)
    valid = grouped_references("valid")
    sources = list(valid)[:8]
    outputs = translator.translate_batch(sources)
    recorded = config["metrics"]["valid"]
    assert recorded["bleu"] == pytest.approx(sacre(sacrebleu.corpus_bleu, outputs, [valid[s] for s in sources]))
    assert recorded["chrf"] == pytest.approx(sacre(sacrebleu.corpus_chrf, outputs, [valid[s] for s in sources]))
    assert recorded["bleu"] > 0  # the tiny model learned something: the check is not 0 == 0
    probes = json.loads((en_fr_run.folder / "probes.json").read_text())
    assert probes["task"] == "en-fr" and [e["epoch"] for e in probes["epochs"]][0] == 0
    for epoch in probes["epochs"]:
        assert [p["source"] for p in epoch["probes"]] == list(translation.PROBES)
    best = next(e for e in probes["epochs"] if e["epoch"] == config["best_epoch"])
    assert best["valid"] == recorded


# -- evaluate ----------------------------------------------------------------------------------------
def expected_scores(translator: Translator, limit: int = 0) -> dict:
    """What evaluate must report on the test split, computed here with sacrebleu directly."""
    refs = grouped_references("test")
    sources = list(refs)[:limit] if limit else list(refs)
    references = [refs[s] for s in sources]
    fits = [len(translator.source_tokenizer.encode(s)) <= translator.source_limit for s in sources]
    greedy = [translator.greedy(s).output if ok else "" for s, ok in zip(sources, fits, strict=True)]
    n = min(EN_FR_BEAM_LIMIT, len(sources))
    beamed = [translator.beam(s, width=BEAM).output if ok else "" for s, ok in zip(sources[:n], fits, strict=False)]
    return {
        "sentences": len(sources),
        "too_long": fits.count(False),
        "bleu": sacre(sacrebleu.corpus_bleu, greedy, references),
        "chrf": sacre(sacrebleu.corpus_chrf, greedy, references),
        "beam_sentences": n,
        "bleu_greedy_subset": sacre(sacrebleu.corpus_bleu, greedy[:n], references[:n]),
        f"bleu_beam{BEAM}": sacre(sacrebleu.corpus_bleu, beamed, references[:n]),
        f"chrf_beam{BEAM}": sacre(sacrebleu.corpus_chrf, beamed, references[:n]),
    }


EVALUATE_KEYS = {"model", "scorer", "task", "split", "greedy_seconds", "beam_seconds"}


@pytest.fixture(scope="module")
def evaluate_json(en_fr_run) -> dict:
    args = ["evaluate", "--model", str(en_fr_run.folder), "--data", str(en_fr_run.corpus), "--json"]
    args += ["--beam", str(BEAM), "--beam-limit", str(EN_FR_BEAM_LIMIT)]
    result = subprocess.run(
        [sys.executable, "-m", "seq2seq", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1  # one JSON object, nothing else
    return json.loads(result.stdout)


def test_evaluate_json_equals_sacrebleu_on_the_same_outputs(evaluate_json, en_fr_run, translator):
    expected = expected_scores(translator)
    assert set(evaluate_json) == EVALUATE_KEYS | set(expected)
    assert evaluate_json["model"] == str(en_fr_run.folder) and evaluate_json["scorer"] == "general"
    assert (evaluate_json["task"], evaluate_json["split"]) == ("en-fr", "test")
    # The test split: every source, the long first one refused and scored as an empty output.
    # the long test sentence is over the training length but within the model's limit: decoded, not refused
    assert evaluate_json["sentences"] == len(grouped_references("test")) and evaluate_json["too_long"] == 0
    for key, value in expected.items():
        assert evaluate_json[key] == pytest.approx(value, abs=1e-6), key
    assert evaluate_json["bleu"] > 0 and evaluate_json[f"chrf_beam{BEAM}"] > 0


def _table(text: str) -> dict[str, str]:
    lines = text.rstrip("\n").splitlines()
    assert lines[0].split() == ["metric", "value"] and set(lines[1].replace(" ", "")) == {"-"}
    return dict(line.split(None, 1) for line in lines[2:])


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    from seq2seq.cli import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


class BeamSpy:
    """Every source beam search ran on, as (source, width): one at a time (Translator.beam) or in a
    batch (Translator.beam_batch, where the library has it). The first test source is far over the
    training length (--max-len), within the model's limit: it is decoded like any other."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.long = next(iter(grouped_references("test")))
        assert len(self.long.split()) > EN_FR_MAX_LEN // 2

    def beamed(self) -> list[tuple[str, int]]:
        return list(self.calls)


@pytest.fixture
def beam_spy(monkeypatch) -> BeamSpy:
    spy = BeamSpy()
    original_beam = Translator.beam

    def beam(self, text, width=5, **kwargs):
        spy.calls.append((text, width))
        return original_beam(self, text, width=width, **kwargs)

    monkeypatch.setattr(Translator, "beam", beam)
    if hasattr(Translator, "beam_batch"):
        original_batch = Translator.beam_batch

        def beam_batch(self, texts, width=5, **kwargs):
            spy.calls.extend((text, width) for text in texts)
            return original_batch(self, texts, width=width, **kwargs)

        monkeypatch.setattr(Translator, "beam_batch", beam_batch)
    return spy


def test_evaluate_table_matches_the_json_and_beams_the_requested_sentences(evaluate_json, en_fr_run, beam_spy, capsys):
    argv = ["evaluate", "--model", str(en_fr_run.folder), "--data", str(en_fr_run.corpus)]
    code, out, err = run_cli([*argv, "--beam", str(BEAM), "--beam-limit", str(EN_FR_BEAM_LIMIT)], capsys)
    assert code == 0 and err == ""
    table = _table(out)
    assert list(table) == list(evaluate_json)  # same keys, same order
    for key, value in evaluate_json.items():
        if not key.endswith("_seconds"):
            assert table[key] == (f"{value:.4f}" if isinstance(value, float) else str(value)), key
    # Beam ran once per sentence of the first --beam-limit, the long one (beyond the training length) too.
    sources = list(grouped_references("test"))
    assert beam_spy.beamed() == [(s, BEAM) for s in sources[:EN_FR_BEAM_LIMIT]]


def test_evaluate_options_limit_and_skip_beam(en_fr_run, translator, beam_spy, capsys):
    folder = str(en_fr_run.folder)
    # --beam 1 skips beam; without --data the model's own training file is used.
    code, out, _ = run_cli(["evaluate", "--model", folder, "--beam", "1", "--limit", "6", "--json"], capsys)
    result = json.loads(out)
    assert code == 0 and beam_spy.calls == []
    assert not any(key.startswith(("beam", "bleu_beam", "chrf_beam", "bleu_greedy")) for key in result)
    expected = expected_scores(translator, limit=6)
    assert result["sentences"] == 6 and result["too_long"] == 0
    assert result["bleu"] == pytest.approx(expected["bleu"], abs=1e-6)
    # --beam-limit 0: beam on every sentence.
    beam_spy.calls.clear()
    code, out, _ = run_cli(["evaluate", "--model", folder, "--beam", "2", "--beam-limit", "0", "--json"], capsys)
    result = json.loads(out)
    sources = list(grouped_references("test"))
    assert code == 0 and result["beam_sentences"] == len(sources)
    assert beam_spy.beamed() == [(s, 2) for s in sources]


def test_training_goes_on_when_probes_and_valid_sources_are_over_max_len(tmp_path):
    """A small vocabulary splits a sentence finely: a location model refuses probes and validation
    sources over its trained length, which are left out of probes.json and scored as empty outputs,
    instead of stopping the run."""
    from seq2seq.checkpoint import load_checkpoint
    from seq2seq.cli import main
    from seq2seq.tasks import get_task

    corpus, out = write_en_fr_corpus(tmp_path / "eng-fra.txt"), tmp_path / "run"
    argv = en_fr_train_argv(corpus, out) + ["--max-len", "20", "--max-steps", "5", "--epochs", "1"]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*argv, "--scorer", "location"]) == 0
    translator = load_checkpoint(out)
    limit = translator.source_limit
    assert limit <= 20
    fitting = [p for p in get_task("en-fr").probes if len(translator.source_tokenizer.encode(p)) <= limit]
    assert 0 < len(fitting) < len(get_task("en-fr").probes)  # some probes are over the limit, some not
    epochs = json.loads((out / "probes.json").read_text())["epochs"]
    for epoch in epochs:
        assert [p["source"] for p in epoch["probes"]] == fitting
        assert set(epoch["valid"]) == {"bleu", "chrf"}
