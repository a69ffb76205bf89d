"""The special token ids every tokenizer reserves (seq2seq.tokenizers, seq2seq.zh_tokenizer).

0 = <pad>, 1 = <unk>, 2 = <s> (start), 3 = </s> (end): the model never needs to know which tokenizer it got.
"""

PAD, UNK, BOS, EOS = 0, 1, 2, 3
SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")
