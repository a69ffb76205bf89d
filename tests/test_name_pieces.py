"""train --name-pieces N: a fine-tuning run gives each name its dictionary uses N+ times one target piece,
appended after the old ones (every old id keeps its meaning), and the model's target rows grow to match,
each new row the mean of the rows of the pieces that spelled the name (seq2seq/name_pieces.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from sentencepiece import sentencepiece_model_pb2 as model_pb2

from seq2seq.checkpoint import load_checkpoint, read_config
from seq2seq.config import TrainConfig
from seq2seq.name_pieces import TARGET_ROWS, grow_rows, names_to_add
from seq2seq.tokenizers import SentencePieceTokenizer
from tests.train_fixtures import tiny_zh_fine_tuning

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_TARGET = ROOT / "pretrained" / "zh-en" / "general" / "target.model"


def _first_stage(path: Path, size: int) -> SentencePieceTokenizer:
    """A fine-tuned model's target vocabulary as its first stage trained it: `with_words` only appends, so
    the first `size` pieces (the trained vocabulary size) are that vocabulary, piece for piece."""
    proto = model_pb2.ModelProto()
    proto.ParseFromString(path.read_bytes())  # a protobuf message, never a pickle
    del proto.pieces[size:]
    return SentencePieceTokenizer(proto.SerializeToString())


@pytest.fixture(scope="module")
def target() -> SentencePieceTokenizer:
    """The shipped zh-en target vocabulary before its fine-tuning gave the names their pieces."""
    return _first_stage(SHIPPED_TARGET, read_config(SHIPPED_TARGET.parent)["train"]["vocab_size"])


def test_the_shipped_vocabulary_is_its_first_stage_s_with_the_names_appended(target):
    shipped = SentencePieceTokenizer.load(SHIPPED_TARGET)
    assert shipped.vocab_size > target.vocab_size == 4000
    assert [shipped.piece(i) for i in range(target.vocab_size)] == [target.piece(i) for i in range(target.vocab_size)]
    assert [shipped.piece(i) for i in shipped.encode("Welcome to Beijing.")] == ["▁Welcome", "▁to", "▁Beijing", "."]


def test_a_new_word_is_one_piece_after_every_old_one(target):
    assert [target.piece(i) for i in target.encode("Welcome to Beijing.")] == [
        "▁Welcome",
        "▁to",
        "▁Be",
        "i",
        "j",
        "ing",
        ".",
    ]
    grown = target.with_words(["Beijing", "Shanghai", "Beijing", "Welcome"])  # a repeat and a known piece skipped
    assert grown.vocab_size == target.vocab_size + 2
    assert [grown.piece(i) for i in range(target.vocab_size)] == [target.piece(i) for i in range(target.vocab_size)]
    assert [grown.piece(i) for i in grown.encode("Welcome to Beijing.")] == ["▁Welcome", "▁to", "▁Beijing", "."]
    assert grown.encode("I live in Shanghai.")[-2] == target.vocab_size + 1
    assert grown.decode(grown.encode("From Beijing to Shanghai!")) == "From Beijing to Shanghai!"
    assert grown.encode("I love you.") == target.encode("I love you.")  # a sentence without the names: unchanged


def test_names_are_capitalised_words_inside_sentences_or_whole_name_pairs(target):
    english = [
        "Beijing",  # a place pair: its whole English is a name
        "Great Wall",
        "Welcome to Beijing.",
        "Tianjin is big.",  # a sentence's first word is no name: any word can be capitalised there
        "I went to Tianjin.",
        "She came from France.",  # France is one piece: nothing to add
        "He lives in France.",
    ]
    assert names_to_add(target, english, at_least=2) == ["Beijing"]
    assert names_to_add(target, english, at_least=1) == ["Beijing", "Great", "Tianjin"]  # Wall: two pieces


def test_a_new_row_is_the_mean_of_the_rows_of_its_old_spelling(target):
    grown = target.with_words(["Beijing"])
    spelling = target.encode("Beijing")
    assert len(spelling) == 4
    generator = torch.Generator().manual_seed(0)
    weights = {
        "decoder.embedding.weight": torch.randn(target.vocab_size, 8, generator=generator),
        "decoder.W_o.weight": torch.randn(target.vocab_size, 6, generator=generator),
        "decoder.W_o.bias": torch.randn(target.vocab_size, generator=generator),
        "encoder.other": torch.randn(3, 3, generator=generator),
    }
    out = grow_rows(weights, target, grown)
    assert out["encoder.other"] is weights["encoder.other"]
    for key in TARGET_ROWS:
        assert out[key].shape[0] == target.vocab_size + 1
        assert torch.equal(out[key][: target.vocab_size], weights[key])
        assert torch.allclose(out[key][-1], weights[key][spelling].mean(dim=0))


def test_name_pieces_need_a_first_stage_and_a_dictionary():
    with pytest.raises(ValueError, match="--name-pieces needs --init"):
        TrainConfig(task="zh-en", data="x.txt", name_pieces=5).validate()


def test_a_fine_tuning_run_grows_the_model_and_saves_the_grown_vocabulary(tmp_path):
    """A tiny zh-en first stage, then a run of no epoch with --name-pieces: the saved model is the first
    stage's with one more target row per new name, that row the mean of its spelling's rows."""
    corpus = "".join(f"Bring {i} big jingle bells.\t带{i}个大铃铛。\n" for i in range(60))
    words = "Beijing\t北京\nI went to Beijing.\t我去了北京。\n" * 2
    first, out = tiny_zh_fine_tuning(tmp_path, corpus, words, name_pieces=2)
    old, new = load_checkpoint(first).target_tokenizer, load_checkpoint(out).target_tokenizer
    assert new.vocab_size == old.vocab_size + 1 and new.piece(old.vocab_size) == "▁Beijing"
    assert read_config(out)["model"]["tgt_vocab_size"] == new.vocab_size
    before, after = load_file(str(first / "model.safetensors")), load_file(str(out / "model.safetensors"))
    spelling = old.encode("Beijing")
    for key in TARGET_ROWS:
        assert torch.equal(after[key][: old.vocab_size], before[key])
        expected = before[key][spelling].float().mean(dim=0).to(before[key].dtype)
        assert torch.allclose(after[key][-1].float(), expected.float(), atol=1e-3)
