"""The zh-en task on a tiny corpus written here: normalisation, character tokens, splits, train, evaluate.

The corpus mixes traditional and simplified forms of the same sentences (as Tatoeba's Chinese does):
each Chinese sentence appears once in traditional characters with one English translation and once in
simplified characters with another, so normalisation must make them one source with two references.
"""

from __future__ import annotations

import contextlib
import io
import json
import unicodedata
from pathlib import Path

import pytest
import sacrebleu
import torch

from seq2seq.checkpoint import load_model, read_config
from seq2seq.config import ModelConfig, TrainConfig
from seq2seq.decoding import Translator
from seq2seq.model import Seq2Seq
from seq2seq.tasks import get_task, split_of, zh_en
from seq2seq.tokenizers import UNK, CharTokenizer, tokenizer_from_config
from seq2seq.training_parts import build_tokenizers, load_task_data
from seq2seq.zh_tokenizer import ZhCharTokenizer, conversions, normalize, split

torch.set_num_threads(1)

# (traditional, simplified, English): the people and things of the corpus.
PEOPLE = [("我", "我", "I", "like"), ("你", "你", "You", "like"), ("他", "他", "He", "likes"),
          ("她", "她", "She", "likes"), ("我們", "我们", "We", "like"), ("湯姆", "汤姆", "Tom", "likes")]  # fmt: skip
THINGS = [("書", "书", "books"), ("電影", "电影", "movies"), ("貓", "猫", "cats"), ("茶", "茶", "tea"),
          ("咖啡", "咖啡", "coffee"), ("音樂", "音乐", "music")]  # fmt: skip
TRADITIONAL = set("們湯書電貓樂歡")


def corpus_lines() -> list[str]:
    """Tatoeba lines, English<TAB>Chinese: every sentence twice (traditional, then simplified), plus a few odd ones."""
    lines = []
    for trad_p, simp_p, en_p, verb in PEOPLE:
        for trad_t, simp_t, en_t in THINGS:
            lines.append(f"{en_p} {verb} {en_t}.\t{trad_p}喜歡{trad_t}。\tCC-BY 2.0 (France) Attribution: tatoeba.org")
            lines.append(f"{en_p} really {verb} {en_t}.\t{simp_p}喜欢{simp_t}。")
    lines += ["Tom has 2 cats.\tTom有2隻貓。", "Tom has 3 books.\tTom有３本書！", "", "no tab here"]
    return lines


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("zh-en") / "cmn-eng.txt"
    path.write_text("\n".join(corpus_lines()) + "\n", encoding="utf-8")
    return path


# -- normalisation and tokens ---------------------------------------------------------------------------
def test_normalize_makes_simplified_nfkc_text():
    assert normalize("我愛你。") == "我爱你。"
    assert normalize("他們說國語") == "他们说国语"
    # NFKC: full-width punctuation, digits and letters become ASCII; 。 and 、 have no ASCII form.
    assert normalize("你好，Ｔｏｍ！１２３？") == "你好,Tom!123?"
    assert normalize("一、二。") == "一、二。"
    assert normalize("我\u200b愛\ufeff你") == "我爱你"  # zero-width characters go
    assert normalize("我\ud800") == "我\ufffd"  # a lone surrogate cannot reach OpenCC
    assert normalize("") == ""
    text = "我們喜歡看電影，你呢？"
    assert normalize(normalize(text)) == normalize(text) == "我们喜欢看电影,你呢?"


def test_conversions_list_what_opencc_changed_not_unicode_forms():
    """What the CLI's note lists: each (traditional, simplified) pair once, in order; NFKC is no conversion."""
    assert conversions("我們愛你們，Ｔｏｍ！") == [("們", "们"), ("愛", "爱")]
    assert conversions("我爱你！１２３") == [] and conversions("") == []
    assert conversions("乾燥的乾隆") == [("乾", "干")]  # by phrase: 乾隆 keeps its 乾
    assert ZhCharTokenizer(["我"]).conversions("我愛\u200b你") == [("愛", "爱")]


def test_split_gives_characters_latin_runs_and_single_digits():
    assert split(normalize("Tom有2013隻 貓！😀")) == ["Tom", "有", "2", "0", "1", "3", "只", "猫", "!", "😀"]
    assert split("Wi-Fi 在 café") == ["Wi", "-", "Fi", "在", "café"]
    assert split("3×4") == ["3", "×", "4"]  # × is a symbol, not a Latin letter
    assert split("  \t ") == []


def test_tokenizer_pieces_and_unknowns_on_mixed_input():
    tok = ZhCharTokenizer.fit(["Tom来了。", "Tom走了。", "Lindbergh飞了2013年!"])
    # Runs seen twice are tokens ("Tom"); every letter of every run is one as well.
    assert "Tom" in tok.tokens and "Lindbergh" not in tok.tokens and {"L", "b", "h"} <= set(tok.tokens)
    text = "湯姆 和Tom在1990年見了 Xavier！😀"
    assert tok.pieces(text) == ["汤", "姆", "和", "Tom", "在", "1", "9", "9", "0", "年", "见", "了",
                                "X", "a", "v", "i", "e", "r", "!", "😀"]  # fmt: skip
    ids = tok.encode(text)
    assert [tok.piece(i) if i != UNK else None for i in ids] == [None, None, None, "Tom", None, "1", None, None,
                                                                "0", "年", None, "了", None, None, None,
                                                                "i", "e", "r", "!", None]  # fmt: skip
    assert tok.decode(tok.encode("Tom来了。")) == "Tom来了。"
    assert tok.decode(tok.encode("Tom 来 了")) == "Tom来了"  # whitespace is dropped
    assert tok.piece(0) == "<pad>" and tok.piece(3) == "</s>" and tok.piece(10**6) == "<unk>"


def test_tokenizer_round_trips_through_its_config_entry(tmp_path):
    tok = ZhCharTokenizer.fit(["Tom喜欢猫。", "Tom喜欢书!"])
    entry = json.loads(json.dumps(tok.save(tmp_path, "source")))
    assert entry["kind"] == "zh-char"
    again = tokenizer_from_config(entry, tmp_path)
    assert again.tokens == tok.tokens and again.vocab_size == tok.vocab_size == 4 + len(tok.tokens)
    assert again.encode("Tom喜歡貓") == tok.encode("Tom喜欢猫") and UNK not in tok.encode("Tom喜歡貓")
    with pytest.raises(ValueError, match="list of tokens"):
        tokenizer_from_config({"kind": "zh-char"}, tmp_path)
    with pytest.raises(ValueError, match="single characters"):
        ZhCharTokenizer(["ab c"])


def test_unknown_characters_lists_exactly_the_unseen_characters():
    """Translator.unknown_characters encodes one character at a time: it must agree with whole-text encoding."""
    source = ZhCharTokenizer.fit(["Tom爱猫。", "Tom爱书。"])
    target = CharTokenizer("abc")
    model = Seq2Seq(ModelConfig(src_vocab_size=source.vocab_size, tgt_vocab_size=target.vocab_size, hidden_size=8,
                                embedding_size=4))  # fmt: skip
    translator = Translator(model, source, target)
    # 愛 is 爱 after normalisation and Ｔ is T: known. Tim is spelled (T, i, m): i is new. 😀 and 狗 are new.
    assert translator.unknown_characters("Ｔom愛狗😀 Tim 狗") == ["狗", "😀", "i"]
    assert translator.unknown_characters("Tom愛貓。") == []
    assert translator.greedy("Tom愛貓。").source_tokens == ["Tom", "爱", "猫", "。", "</s>"]


# -- the task ---------------------------------------------------------------------------------------------
def test_the_task_is_registered_with_what_the_app_asks():
    task = get_task("zh-en")
    assert task is zh_en.TASK and task.name == "zh-en" and task.needs_data and task.metric.name == "bleu"
    assert task.label == "Chinese → English" and task.data_file == "cmn-eng.txt"
    assert (
        "我爱你。" in task.probes
        and "我明天去北京。" in task.probes
        and task.default_sentence in task.example_sentences
    )
    # Probes are written in simplified characters (normalisation only changes ？ into ?).
    assert [normalize(p) for p in task.probes] == [unicodedata.normalize("NFKC", p) for p in task.probes]


def test_reading_normalises_the_chinese_and_skips_bad_lines(corpus):
    pairs = zh_en.read_pairs(corpus)
    assert len(pairs) == 2 * len(PEOPLE) * len(THINGS) + 2
    assert pairs[0] == ("我喜欢书。", "I like books.") and pairs[1] == ("我喜欢书。", "I really like books.")
    assert pairs[-1] == ("Tom有3本书!", "Tom has 3 books.")
    assert not any(c in TRADITIONAL for zh, _ in pairs for c in zh)
    with pytest.raises(FileNotFoundError, match="zh-en corpus not found"):
        zh_en.read_pairs(corpus.parent / "missing.txt")


def test_splits_are_disjoint_and_multi_reference(corpus):
    refs = {split_name: zh_en.references(corpus, split_name) for split_name in ("train", "valid", "test")}
    sources = [set(r) for r in refs.values()]
    assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])
    assert sum(map(len, sources)) == len(PEOPLE) * len(THINGS) + 2  # distinct normalised sentences
    for split_name, grouped in refs.items():
        assert all(split_of(zh) == split_name for zh in grouped)
        assert len(zh_en.load(corpus, split_name)) == sum(len(v) for v in grouped.values())
    everything = refs["train"] | refs["valid"] | refs["test"]
    # The traditional and the simplified line of a sentence are one source with both translations.
    assert everything["我们喜欢电影。"] == ["We like movies.", "We really like movies."]
    assert everything["Tom有2只猫。"] == ["Tom has 2 cats."]
    assert len(refs["test"]) >= 2 and all(len(v) == 2 for k, v in refs["test"].items() if "Tom" not in k)


def test_training_data_and_tokenizers_come_from_the_normalised_train_split(corpus):
    cfg = TrainConfig(task="zh-en", data=str(corpus), valid_size=100, train_size=0, vocab_size=40)
    data = load_task_data(cfg)
    valid = zh_en.references(corpus, "valid")
    assert data.metric == "bleu" and data.probes == zh_en.PROBES
    assert [s for s, _ in data.valid] == list(valid) and data.valid_refs == list(valid.values())
    assert {s for s, _ in data.train} == set(zh_en.references(corpus, "train"))
    source, target = build_tokenizers(cfg, data)
    assert source.kind == "zh-char" and target.kind == "sentencepiece"
    pieces_seen = {p for s, _ in data.train for p in split(s)}
    letters_seen = {c for s, _ in data.train for c in s if c.isascii() and c.isalpha()}
    assert set(source.tokens) == pieces_seen | letters_seen
    assert not set(source.tokens) & TRADITIONAL
    # The target SentencePiece model saw only English: no Chinese character among its pieces.
    pieces = [target.piece(i) for i in range(target.vocab_size)]
    assert not any(unicodedata.name(c, "").startswith("CJK") for p in pieces for c in p)
    with pytest.raises(ValueError, match=r"zh-en task needs --data PATH \(a Tatoeba file, English<TAB>Chinese"):
        load_task_data(TrainConfig(task="zh-en"))


# -- train and evaluate through the command line ---------------------------------------------------------
@pytest.fixture(scope="module")
def zh_en_run(corpus) -> Path:
    from seq2seq.cli import main

    out = corpus.parent / "run"
    argv = ["train", "--task", "zh-en", "--data", str(corpus), "--out", str(out), "--scorer", "general",
            "--vocab-size", "40", "--hidden-size", "32", "--embedding-size", "16", "--batch-size", "8",
            "--epochs", "2", "--max-steps", "12", "--lr", "0.01", "--valid-size", "20", "--max-len", "24",
            "--threads", "1", "--no-progress"]  # fmt: skip
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(argv) == 0
    assert stdout.getvalue().rstrip().endswith(f"saved to {out}") and "bleu" in stdout.getvalue()
    return out


def test_train_writes_a_character_source_and_sentencepiece_target(zh_en_run, corpus):
    config = read_config(zh_en_run)
    assert config["task"] == "zh-en" and config["train"]["data"] == str(corpus)
    assert config["source_tokenizer"]["kind"] == "zh-char" and "tokens" in config["source_tokenizer"]
    assert config["target_tokenizer"] == {"kind": "sentencepiece", "file": "target.model"}
    assert set(config["metrics"]["valid"]) == {"bleu", "chrf"}
    probes = json.loads((zh_en_run / "probes.json").read_text())
    assert [r["source"] for r in probes["epochs"][0]["probes"]] == list(zh_en.PROBES)


def test_decoding_normalises_what_the_user_types(zh_en_run):
    translator = load_model(str(zh_en_run), allow_path=True)
    simplified, traditional = translator.greedy("我们喜欢音乐。"), translator.greedy("我們喜歡音樂。")
    assert traditional.source_tokens == simplified.source_tokens == ["我", "们", "喜", "欢", "音", "乐", "。", "</s>"]
    assert traditional.output == simplified.output
    assert translator.unknown_characters("我們喜歡音樂。") == []
    # the step API reads what the strategies read
    state = translator.start("我們喜歡音樂。")
    assert state.source_text == "我们喜欢音乐。" and list(state.source_tokens) == traditional.source_tokens
    typed_step, simplified_step = translator.step(state), translator.step(translator.start("我们喜欢音乐。"))
    assert typed_step.attention == pytest.approx(simplified_step.attention)


def test_cli_decode_notes_the_conversion_on_stderr(zh_en_run, capsys):
    from seq2seq.cli import main

    assert main(["decode", "--model", str(zh_en_run), "我們喜歡音樂。"]) == 0
    out, err = capsys.readouterr()
    assert err == (
        "note: traditional characters were converted to simplified, as in training: 們 → 们, 歡 → 欢, 樂 → 乐; "
        "the model reads “我们喜欢音乐。”\n"
    )
    header = out.splitlines()[3].split()[1::2]  # the table's header: "01 我 02 们 …", positions from 1
    assert header == ["我", "们", "喜", "欢", "音", "乐", "。", "</s>"]
    assert main(["decode", "--model", str(zh_en_run), "我们喜欢音乐！"]) == 0  # only NFKC: no claim of conversion
    note = "note: the model reads “我们喜欢音乐!”: your text in the Unicode form it was trained on\n"
    assert capsys.readouterr().err == note
    assert main(["decode", "--model", str(zh_en_run), "我们喜欢音乐。"]) == 0
    assert capsys.readouterr().err == ""
    long = "我们喜欢音乐" * 5  # 30 tokens; the corpus's longest sentence is far shorter
    assert main(["decode", "--model", str(zh_en_run), long]) == 0
    trained = load_model(str(zh_en_run), allow_path=True).trained_source_len
    assert capsys.readouterr().err == (
        f"note: this sentence is 30 tokens long and this model was trained on sources of at most {trained} tokens: "
        "expect lower quality beyond that length\n"
    )


def test_evaluate_prints_multi_reference_bleu_and_chrf(zh_en_run, corpus, capsys):
    from seq2seq.cli import main

    assert main(["evaluate", "--model", str(zh_en_run), "--beam", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    refs = zh_en.references(corpus, "test")
    assert result["task"] == "zh-en" and result["sentences"] == len(refs) and result["beam_sentences"] == len(refs)
    translator = load_model(str(zh_en_run), allow_path=True)
    outputs = translator.translate_batch(list(refs))
    streams = [[r[k] if k < len(r) else None for r in refs.values()] for k in range(2)]
    assert result["bleu"] == pytest.approx(sacrebleu.corpus_bleu(outputs, streams).score)
    assert result["chrf"] == pytest.approx(sacrebleu.corpus_chrf(outputs, streams).score)
    assert {"bleu_beam3", "chrf_beam3"} <= set(result)
    assert main(["evaluate", "--model", str(zh_en_run), "--beam", "1"]) == 0
    table = capsys.readouterr().out
    assert "bleu" in table and "chrf" in table and "zh-en" in table


def test_under_ddp_the_tokenizers_are_built_once_and_shared(corpus, tmp_path, monkeypatch):
    """Two ranks (threads standing in for processes, a barrier for dist.barrier): SentencePiece trains on
    rank 0 only, rank 1 reads rank 0's files, both encode alike, and the hand-over folder is removed."""
    import threading

    from seq2seq import training_parts as train_module

    cfg = TrainConfig(task="zh-en", data=str(corpus), valid_size=100, train_size=0, vocab_size=40)
    data = load_task_data(cfg)
    calls, real_build = [], train_module.build_tokenizers
    monkeypatch.setattr(train_module, "build_tokenizers", lambda *a: calls.append(1) or real_build(*a))
    barrier, results = threading.Barrier(2, timeout=60), {}

    class Rank:
        def __init__(self, rank):
            self.rank, self.world, self.main = rank, 2, rank == 0

        def barrier(self):
            barrier.wait()

    def run(rank):
        results[rank] = train_module.shared_tokenizers(cfg, data, Rank(rank), tmp_path / "out")

    threads = [threading.Thread(target=run, args=(r,)) for r in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert calls == [1]  # one build, on rank 0
    (source0, target0), (source1, target1) = results[0], results[1]
    assert source1.tokens == source0.tokens
    sentence = "Tom really likes cats."
    assert target1.encode(sentence) == target0.encode(sentence) and len(target0.encode(sentence)) > 1
    assert not (tmp_path / ".out.tokenizers").exists()
