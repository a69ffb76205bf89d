"""zh-en's names checks for choosing, apart from the ones that report: a validation set of names sentences.

Why. The held-out checks of `zh_en.HELD_OUT`, `zh_person_names.NAME_CHECKS` and
`zh_landmarks.LANDMARK_CHECKS` report what a release does; a choice made on them (which stage, which
average, which limit) would be fitted to them, and the count would stop saying what a class meets on
sentences nobody has looked at (issue 63: held-out outputs naming places the sentence does not say rose
from 1-2 on the test split to 4-14 on unseen sources). These are other sentences of the same kinds, for
`scripts/choose_zh_average.py` and `scripts/zh_names.py --split valid`:

- `PEOPLE`: people with a two-character given name in pinyin (张子涵 -> "Zhang Zihan"): every character is in
  the composed names of the names stages, none of these names is (the stages compose a surname with one
  character, or with one of `zh_person_names`' two-character given names);
- `LANDMARKS`: schools and landmarks the names stages teach (`zh_landmarks.LANDMARKS`) but the test checks
  do not name;
- `PLACES`: cities and countries the dictionary stage teaches, other than the test checks';
- `COMMON`: common places (海边, 公园, 医院) that must stay common nouns: "the beach", never a city;
- `FIRST`: sentences shaped like the seeds' (欢迎来上海, 我爱游泳), which are test checks themselves.

Each is (sentence, the English words any one of which a right translation holds). None of these sentences
is in the corpus file or the names stages' files, and `zh_en.is_held_out` keeps every form of them out of
training, as it does the test checks (tests/test_zh_held_out.py).
"""

from __future__ import annotations

PEOPLE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("张子涵是我的同学。", ("Zhang Zihan",)),
    ("我叫李浩宇。", ("Li Haoyu",)),
    ("陈子轩是医生。", ("Chen Zixuan",)),
    ("刘浩然喜欢打篮球。", ("Liu Haoran",)),
    ("杨欣怡在看书。", ("Yang Xinyi",)),
    ("我认识黄俊杰。", ("Huang Junjie",)),
    ("吴佳琪很高兴。", ("Wu Jiaqi",)),
    ("周文博是我们的老师。", ("Zhou Wenbo",)),
)
LANDMARKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("我是复旦大学的学生。", ("Fudan University",)),
    ("黄河很长。", ("Yellow River",)),
    ("我们去颐和园吧。", ("Summer Palace",)),
    ("外滩很漂亮。", ("Bund",)),
)
PLACES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("我住在杭州。", ("Hangzhou",)),
    ("他去成都了。", ("Chengdu",)),
    ("我明年去深圳。", ("Shenzhen",)),
    ("重庆很大。", ("Chongqing",)),
    ("她来自英国。", ("Britain", "England", "UK", "United Kingdom")),
    ("我想去澳大利亚。", ("Australia",)),
)
# Shaped like the seeds' sentences (欢迎来北京。, 我爱学习。), which are test checks: what a choice may look at instead
# (issue 63: a typed fine-tuning wrote "Welcome for a Beijing." for 欢迎来北京, 欢迎来上海 -> "Welcome to the beach.").
FIRST: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("欢迎来上海。", ("Welcome to Shanghai",)),
    ("欢迎来中国。", ("Welcome to China",)),
    ("我爱游泳。", ("I love swimming", "I love to swim")),
    ("我爱看书。", ("I love reading", "I love to read")),
)
COMMON: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("我们明天去海边。", ("beach", "seaside", "sea", "seashore", "coast")),
    ("我在公园散步。", ("park",)),
    ("他在医院工作。", ("hospital",)),
)
KINDS = {"first sentences": FIRST, "people": PEOPLE, "landmarks": LANDMARKS, "places": PLACES, "common places": COMMON}
SENTENCES: tuple[str, ...] = tuple(zh for checks in KINDS.values() for zh, _ in checks)
NAMES: tuple[str, ...] = ("张子涵", "李浩宇", "陈子轩", "刘浩然", "杨欣怡", "黄俊杰", "吴佳琪", "周文博")
