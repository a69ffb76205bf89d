"""`train --dictionary-epochs N`: the dictionary's word pairs are trained on in the first N epochs only.

The trainer keeps the corpus's pairs first and the dictionary's after them (`Trainer.corpus_pairs`), so an
epoch from N on draws its batches from the corpus's indices alone, the same on every resume.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from seq2seq.config import TrainConfig
from seq2seq.trainer import Trainer
from seq2seq.training_parts import load_task_data


def trainer_with(corpus: int, words: int, dictionary_epochs: int) -> SimpleNamespace:
    pairs = [([1, 2], [3])] * corpus + [([4], [5])] * words
    return SimpleNamespace(
        cfg=TrainConfig(batch_size=4, dictionary_epochs=dictionary_epochs),
        dist=SimpleNamespace(world=1),
        pairs=pairs,
        lengths=[len(s) + len(t) for s, t in pairs],
        corpus_pairs=corpus,
    )


def indices(trainer, epoch: int) -> list[int]:
    return sorted(i for batch in Trainer.epoch_batches(trainer, epoch) for i in batch)


def test_the_first_epochs_take_every_pair_and_the_rest_the_corpus_alone():
    trainer = trainer_with(corpus=10, words=6, dictionary_epochs=2)
    assert indices(trainer, 0) == indices(trainer, 1) == list(range(16))
    assert indices(trainer, 2) == indices(trainer, 7) == list(range(10))


def test_without_a_curriculum_every_epoch_takes_every_pair():
    trainer = trainer_with(corpus=10, words=6, dictionary_epochs=0)
    assert indices(trainer, 0) == indices(trainer, 30) == list(range(16))


def test_the_same_epoch_draws_the_same_batches_on_a_resume():
    trainer = trainer_with(corpus=10, words=6, dictionary_epochs=1)
    assert Trainer.epoch_batches(trainer, 3) == Trainer.epoch_batches(trainer, 3)


def test_a_missing_dictionary_file_is_named_with_the_command_that_writes_it(tmp_path):
    corpus = tmp_path / "cmn-eng.txt"
    corpus.write_text("".join(f"Line {i}.\t第{i}句。\n" for i in range(50)), encoding="utf-8")
    cfg = TrainConfig(task="zh-en", data=str(corpus), dictionary=str(tmp_path / "missing.txt"), train_size=0)
    with pytest.raises(FileNotFoundError, match=r"--dictionary file not found: .*missing\.txt.*prepare_zh_dictionary"):
        load_task_data(cfg)
