"""train --source-characters: a fine-tuning run gives each character of its dictionary's Chinese side that
the --init model reads as <unk> a source id of its own, appended after the old ones (every old id keeps
its meaning), and the encoder's embedding grows to match, each new row the <unk> row
(seq2seq/source_characters.py)."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from seq2seq.checkpoint import load_checkpoint, read_config
from seq2seq.config import TrainConfig
from seq2seq.source_characters import SOURCE_ROWS, characters_to_add, grow_rows
from seq2seq.specials import UNK
from seq2seq.zh_tokenizer import ZhCharTokenizer
from tests.train_fixtures import tiny_zh_fine_tuning


def test_new_characters_come_after_every_old_id_and_survive_a_save():
    old = ZhCharTokenizer(["我", "王", "是", "。"])
    grown = old.with_characters(["芳", "王", "刘", "芳"])  # a known character and a repeat skipped
    assert grown.vocab_size == old.vocab_size + 2
    assert [grown.piece(i) for i in range(old.vocab_size)] == [old.piece(i) for i in range(old.vocab_size)]
    assert grown.encode("我是王芳。")[:3] == old.encode("我是王芳。")[:3]
    assert grown.encode("芳刘") == [old.vocab_size, old.vocab_size + 1]
    assert old.encode("芳") == [UNK]
    assert "added" not in old.save(None, "source")  # a vocabulary without added characters: its entry as before
    entry = grown.save(None, "source")
    assert entry["added"] == ["芳", "刘"]
    again = ZhCharTokenizer.from_config(entry).with_characters(["杨"])  # a second growth appends again
    assert [again.piece(i) for i in range(grown.vocab_size)] == [grown.piece(i) for i in range(grown.vocab_size)]
    assert again.encode("杨") == [grown.vocab_size]


def test_an_added_character_must_be_new_and_given_once():
    with pytest.raises(ValueError, match="added tokens are new"):
        ZhCharTokenizer(["王"], ["王"])
    with pytest.raises(ValueError, match="added tokens are new"):
        ZhCharTokenizer(["王"], ["芳", "芳"])


def test_the_characters_to_add_are_the_unknown_ones_normalised_in_order_of_first_use():
    source = ZhCharTokenizer(["我", "叫", "王", "。", "T", "o", "m"])
    texts = ["我叫王芳。", "我叫劉洋。", "Tom叫芳芳。"]  # 劉 is traditional: read as 刘, as every source is
    assert characters_to_add(source, texts) == ["芳", "刘", "洋"]


def test_a_new_row_is_the_unk_row_and_every_old_row_is_unchanged():
    old = ZhCharTokenizer(["我", "王"])
    grown = old.with_characters(["芳", "刘"])
    generator = torch.Generator().manual_seed(0)
    weights = {
        "encoder.embedding.weight": torch.randn(old.vocab_size, 8, generator=generator),
        "decoder.embedding.weight": torch.randn(5, 8, generator=generator),
    }
    out = grow_rows(weights, old, grown)
    assert out["decoder.embedding.weight"] is weights["decoder.embedding.weight"]
    for key in SOURCE_ROWS:
        assert out[key].shape == (grown.vocab_size, 8)
        assert torch.equal(out[key][: old.vocab_size], weights[key])
        assert torch.equal(out[key][old.vocab_size :], weights[key][UNK].expand(2, -1))


def test_source_characters_need_a_first_stage_and_a_dictionary():
    with pytest.raises(ValueError, match="--source-characters needs --init"):
        TrainConfig(task="zh-en", data="x.txt", source_characters=True).validate()
    with pytest.raises(ValueError, match="--source-characters needs --init"):
        TrainConfig(task="zh-en", data="x.txt", init="first", source_characters=True).validate()


def test_a_fine_tuning_run_grows_the_encoder_and_saves_the_grown_vocabulary(tmp_path):
    """A tiny zh-en first stage whose corpus lacks 周 and 芳, then a run of no epoch with
    --source-characters: the saved model reads 芳 as an id of its own, whose row is the first stage's <unk> row."""
    corpus = "".join(f"Bring {i} big bells.\t带{i}个大铃。\n" for i in range(60))
    words = "Zhou Fang\t周芳\nBring Zhou Fang.\t带周芳。\n" * 2
    first, out = tiny_zh_fine_tuning(tmp_path, corpus, words, source_characters=True)
    old, new = load_checkpoint(first).source_tokenizer, load_checkpoint(out).source_tokenizer
    assert old.encode("周芳") == [UNK, UNK]
    assert new.vocab_size == old.vocab_size + 2 and new.encode("周芳") == [old.vocab_size, old.vocab_size + 1]
    assert new.encode("带3个大铃。") == old.encode("带3个大铃。")
    assert read_config(out)["model"]["src_vocab_size"] == new.vocab_size
    before, after = load_file(str(first / "model.safetensors")), load_file(str(out / "model.safetensors"))
    for key in SOURCE_ROWS:
        assert torch.equal(after[key][: old.vocab_size], before[key])
        assert torch.equal(after[key][old.vocab_size :], before[key][UNK].expand(2, -1))
