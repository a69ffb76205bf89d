"""Checkpoint folders round-trip exactly, refuse every kind of broken file clearly, never unpickle;
the registry only resolves names listed in its manifest, and only inside its root."""

from __future__ import annotations

import json
import os
import pickle
import random

import pytest
import torch

from seq2seq import registry as reg
from seq2seq.checkpoint import CONFIG_FILE, WEIGHTS_FILE, CheckpointError, load_checkpoint, load_model, save_checkpoint
from seq2seq.decoding import Translator
from seq2seq.model import Seq2Seq
from seq2seq.registry import MANIFEST_FILE, registry, write_manifest
from seq2seq.tokenizers import SentencePieceTokenizer
from tests.helpers import tiny_config, tiny_translator

TEXTS = ("abc", "hgfedcba", "a b c d", "e")
NAME = "reverse/tiny"


def _save(translator: Translator, folder, **kwargs):
    return save_checkpoint(
        folder,
        translator.model,
        translator.source_tokenizer,
        translator.target_tokenizer,
        metadata={"task": "reverse", "metrics": {"valid": {"exact_match": 0.5}}},
        **kwargs,
    )


@pytest.fixture
def original() -> Translator:
    return tiny_translator(seed=7, scorer="concat", cell="lstm", num_layers=2)


@pytest.fixture
def folder(tmp_path, original):
    return _save(original, tmp_path / "reverse" / "tiny")


def _assert_same_decodes(a: Translator, b: Translator, tol: float):
    for text in TEXTS:
        ga, gb = a.greedy(text), b.greedy(text)
        assert [s.token_id for s in ga.steps] == [s.token_id for s in gb.steps]
        for sa, sb in zip(ga.steps, gb.steps, strict=True):
            assert sa.prob == pytest.approx(sb.prob, abs=tol)
            assert sa.attention == pytest.approx(sb.attention, abs=tol)


# -- round trips ---------------------------------------------------------------------------------
def test_float32_round_trip_is_exact(folder, original):
    loaded = load_checkpoint(folder)
    assert loaded.config == original.config
    assert loaded.name == "tiny"
    assert loaded.metadata["task"] == "reverse"
    assert loaded.metadata["weights_dtype"] == "float32"
    state, saved_state = loaded.model.state_dict(), original.model.state_dict()
    assert set(state) == set(saved_state)
    assert all(torch.equal(state[k], saved_state[k]) for k in state)
    _assert_same_decodes(original, loaded, tol=1e-6)
    assert loaded.source_tokenizer.chars == original.source_tokenizer.chars


def test_half_round_trip(tmp_path, original):
    from safetensors import safe_open

    folder = _save(original, tmp_path / "half", half=True)
    with safe_open(str(folder / WEIGHTS_FILE), framework="pt") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.float16}
    assert json.loads((folder / CONFIG_FILE).read_text())["weights_dtype"] == "float16"
    loaded = load_checkpoint(folder)
    assert all(p.dtype == torch.float32 for p in loaded.model.parameters())
    # exactly the float16-rounded weights, read back as float32
    rounded = Seq2Seq(original.config).eval()
    rounded.load_state_dict({k: v.half().float() for k, v in original.model.state_dict().items()})
    assert all(torch.equal(loaded.model.state_dict()[k], v) for k, v in rounded.state_dict().items())
    reference = Translator(rounded, original.source_tokenizer, original.target_tokenizer)
    _assert_same_decodes(reference, loaded, tol=1e-6)
    # and, on these inputs, the same outputs as the float32 model, probabilities close
    _assert_same_decodes(original, loaded, tol=5e-3)


def _sentencepiece() -> SentencePieceTokenizer:
    words = "the cat dog sat on a mat and ran to my big red house".split()
    rng = random.Random(0)
    corpus = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 7))) for _ in range(200)]
    return SentencePieceTokenizer.train(corpus, vocab_size=60)


def test_sentencepiece_round_trip(tmp_path):
    sp = _sentencepiece()
    torch.manual_seed(8)
    config = tiny_config(vocab_size=sp.vocab_size, scorer="general", max_target_len=6)
    translator = Translator(Seq2Seq(config).eval(), sp, sp)
    folder = save_checkpoint(tmp_path / "en-fr", translator.model, sp, sp)
    saved = json.loads((folder / CONFIG_FILE).read_text())
    assert saved["source_tokenizer"] == {"kind": "sentencepiece", "file": "source.model"}
    assert (folder / "source.model").is_file() and (folder / "target.model").is_file()
    loaded = load_checkpoint(folder)
    assert isinstance(loaded.source_tokenizer, SentencePieceTokenizer)
    for text in ("the cat sat on my mat", "a big red dog"):
        assert loaded.source_tokenizer.encode(text) == sp.encode(text)
        a, b = translator.greedy(text), loaded.greedy(text)
        assert a.target_tokens == b.target_tokens
        assert [s.prob for s in a.steps] == pytest.approx([s.prob for s in b.steps], abs=1e-6)


def test_saving_over_a_checkpoint_replaces_it_whole(tmp_path, original):
    folder = tmp_path / "model"
    _save(original, folder)
    other = tiny_translator(seed=9, scorer="concat", cell="lstm", num_layers=2)
    _save(other, folder)
    # only the link and the generation it names: no staging or old copies left
    assert sorted(p.name for p in tmp_path.iterdir()) == [".model.gen-2", "model"]
    assert os.readlink(folder) == ".model.gen-2"
    loaded = load_checkpoint(folder)
    assert all(torch.equal(v, other.model.state_dict()[k]) for k, v in loaded.model.state_dict().items())


def test_loading_never_unpickles(folder, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a checkpoint load must never unpickle")

    monkeypatch.setattr(torch, "load", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    load_checkpoint(folder)


# -- broken checkpoints ----------------------------------------------------------------------------
def _edit_config(folder, edit):
    path = folder / CONFIG_FILE
    config = json.loads(path.read_text())
    edit(config)
    path.write_text(json.dumps(config))


def _truncate(folder):
    data = (folder / WEIGHTS_FILE).read_bytes()
    (folder / WEIGHTS_FILE).write_bytes(data[: len(data) // 2])


def _garbage(folder):
    (folder / WEIGHTS_FILE).write_bytes(random.Random(0).randbytes(4096))


def _pickled_dict(folder):
    (folder / WEIGHTS_FILE).write_bytes(pickle.dumps({"encoder.embedding.weight": [1.0, 2.0]}))


def _torch_saved(folder):
    state = load_checkpoint(folder).model.state_dict()
    torch.save(state, folder / WEIGHTS_FILE)


def _short_header(folder):
    (folder / WEIGHTS_FILE).write_bytes(b"\x05")


BROKEN = {
    "truncated weights": (_truncate, WEIGHTS_FILE, "not a valid safetensors file"),
    "random bytes": (_garbage, WEIGHTS_FILE, "not a valid safetensors file"),
    "one byte": (_short_header, WEIGHTS_FILE, "not a valid safetensors file"),
    "pickled dict": (_pickled_dict, WEIGHTS_FILE, "not a valid safetensors file"),
    "torch.save output": (_torch_saved, WEIGHTS_FILE, "not a valid safetensors file"),
    "weights missing": (lambda f: (f / WEIGHTS_FILE).unlink(), WEIGHTS_FILE, "missing file"),
    "config missing": (lambda f: (f / CONFIG_FILE).unlink(), CONFIG_FILE, "missing file"),
    "config not JSON": (lambda f: (f / CONFIG_FILE).write_text('{"model": {'), CONFIG_FILE, "not valid JSON"),
    "config not UTF-8": (lambda f: (f / CONFIG_FILE).write_bytes(b"\xff\xfe{}"), CONFIG_FILE, "not valid JSON"),
    "config without model": (lambda f: (f / CONFIG_FILE).write_text("[1, 2]"), CONFIG_FILE, "no 'model' section"),
    "wrong shapes": (
        lambda f: _edit_config(f, lambda c: c["model"].update(hidden_size=32)),
        WEIGHTS_FILE,
        r"tensor '[\w.]+' has shape \(\d+(, \d+)*\), config.json expects",
    ),
    "missing tensor": (
        lambda f: _edit_config(f, lambda c: c["model"].update(scorer="dot")),
        WEIGHTS_FILE,
        "unexpected tensors decoder.scorer",
    ),
    "unknown config key": (
        lambda f: _edit_config(f, lambda c: c["model"].update(attention_heads=4)),
        CONFIG_FILE,
        "unknown model settings: attention_heads",
    ),
    "bad config value": (
        lambda f: _edit_config(f, lambda c: c["model"].update(cell="transformer")),
        CONFIG_FILE,
        "unknown cell 'transformer'",
    ),
    "tokenizer vocabulary mismatch": (
        lambda f: _edit_config(f, lambda c: c["source_tokenizer"].update(chars="abc")),
        CONFIG_FILE,
        r"the source tokenizer has 7 tokens, the model expects 13",
    ),
    "unknown tokenizer kind": (
        lambda f: _edit_config(f, lambda c: c["target_tokenizer"].update(kind="bpe")),
        CONFIG_FILE,
        "unknown tokenizer kind 'bpe'",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_checkpoints_raise_a_clear_error(case, folder):
    breaker, filename, problem = BROKEN[case]
    breaker(folder)
    with pytest.raises(CheckpointError, match=problem) as error:
        load_checkpoint(folder)
    assert filename in str(error.value)
    assert str(folder) in str(error.value)


def test_missing_folder(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint folder"):
        load_checkpoint(tmp_path / "nowhere")


class _Exploit:
    """Unpickling this creates the marker file: proof that a loader ran pickle."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_malicious_pickle_is_not_executed(folder, tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"encoder.embedding.weight": _Exploit(marker)})
    # sanity: this payload does run when unpickled
    pickle.loads(payload)
    assert marker.exists()
    marker.unlink()
    (folder / WEIGHTS_FILE).write_bytes(payload)
    with pytest.raises(CheckpointError, match=WEIGHTS_FILE):
        load_checkpoint(folder)
    assert not marker.exists()
    with pytest.raises(CheckpointError):
        load_model(folder)
    assert not marker.exists()


def test_broken_sentencepiece_file(tmp_path):
    sp = _sentencepiece()
    torch.manual_seed(8)
    model = Seq2Seq(tiny_config(vocab_size=sp.vocab_size)).eval()
    folder = save_checkpoint(tmp_path / "sp", model, sp, sp)
    (folder / "target.model").write_bytes(b"not a protobuf")
    with pytest.raises(CheckpointError, match="cannot rebuild the tokenizers") as error:
        load_checkpoint(folder)
    assert CONFIG_FILE in str(error.value)
    (folder / "target.model").unlink()
    with pytest.raises(CheckpointError, match="target.model"):
        load_checkpoint(folder)


def test_tokenizer_file_cannot_point_outside_the_folder(tmp_path):
    """A config naming '../x.model' reads x.model inside the checkpoint, never the parent's file."""
    sp = _sentencepiece()
    torch.manual_seed(8)
    model = Seq2Seq(tiny_config(vocab_size=sp.vocab_size)).eval()
    folder = save_checkpoint(tmp_path / "sp", model, sp, sp)
    (tmp_path / "outside.model").write_bytes((folder / "source.model").read_bytes())
    _edit_config(folder, lambda c: c["source_tokenizer"].update(file="../outside.model"))
    with pytest.raises(CheckpointError, match="outside.model"):
        load_checkpoint(folder)


# -- the registry ------------------------------------------------------------------------------------
def _entry(name=NAME, path=NAME, **extra):
    return {"name": name, "path": path, "task": "reverse", "scorer": "concat", "cell": "lstm", **extra}


def test_registry_loads_by_name(tmp_path, folder, original):
    manifest = write_manifest([_entry()], root=tmp_path)
    assert manifest == tmp_path / MANIFEST_FILE
    assert [e.name for e in registry(tmp_path)] == [NAME]
    loaded = load_model(NAME, root=tmp_path)
    assert loaded.name == NAME
    _assert_same_decodes(original, loaded, tol=1e-6)


def test_registry_root_from_the_environment(tmp_path, folder, monkeypatch):
    write_manifest([_entry()], root=tmp_path)
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(tmp_path))
    assert reg.default_root() == tmp_path
    assert load_model(NAME).name == NAME


def test_unknown_name_lists_known_models(tmp_path, folder):
    write_manifest([_entry(), _entry(name="dates/dot", path="dates/dot")], root=tmp_path)
    with pytest.raises(CheckpointError, match="unknown model 'reverse/nope'") as error:
        load_model("reverse/nope", root=tmp_path)
    assert NAME in str(error.value) and "dates/dot" in str(error.value)


def test_empty_registry(tmp_path):
    assert registry(tmp_path) == []
    with pytest.raises(CheckpointError, match="none are registered"):
        load_model(NAME, root=tmp_path)


def test_broken_manifest(tmp_path):
    (tmp_path / MANIFEST_FILE).write_text("{")
    with pytest.raises(CheckpointError, match=MANIFEST_FILE):
        registry(tmp_path)


@pytest.mark.parametrize("path", ["../../etc", "../outside", "/etc"])
def test_manifest_entry_outside_the_root_is_refused(tmp_path, path):
    root = tmp_path / "pretrained"
    write_manifest([_entry(name="evil", path=path)], root=root)
    with pytest.raises(CheckpointError, match="points outside"):
        load_model("evil", root=root)


def test_manifest_entry_through_a_symlink_outside_is_refused(tmp_path, original):
    root = tmp_path / "pretrained"
    _save(original, tmp_path / "elsewhere")
    root.mkdir()
    os.symlink(tmp_path / "elsewhere", root / "link")
    write_manifest([_entry(name="linked", path="link")], root=root)
    with pytest.raises(CheckpointError, match="points outside"):
        load_model("linked", root=root)


@pytest.mark.parametrize("name", ["../../etc/passwd", "reverse/../reverse/tiny", "./reverse/tiny", "/etc"])
def test_names_are_never_joined_into_paths(tmp_path, folder, name):
    write_manifest([_entry()], root=tmp_path)
    with pytest.raises(CheckpointError, match="unknown model"):
        load_model(name, root=tmp_path)


def test_a_folder_path_as_a_name_loads_only_when_allowed(tmp_path, folder):
    write_manifest([_entry()], root=tmp_path)
    with pytest.raises(CheckpointError, match="unknown model"):
        load_model(str(folder), root=tmp_path)
    assert load_model(str(folder), root=tmp_path, allow_path=True).config.scorer == "concat"
    assert load_model(folder).config.scorer == "concat"  # a Path is an explicit folder


def test_a_run_link_moved_without_its_generation_folder_says_so(tmp_path, original):
    folder = _save(original, tmp_path / "runs" / "dot")
    generation = folder.resolve()  # runs/.dot.gen-N, where the files are
    moved = tmp_path / "moved"
    folder.rename(moved)  # the link only: its generation folder stays behind
    assert moved.is_symlink() and not moved.exists()
    with pytest.raises(CheckpointError, match=r"moved: it links to \.dot\.gen-\d+, which is missing"):
        load_checkpoint(moved)
    assert load_checkpoint(generation).greedy("abc").output == original.greedy("abc").output
