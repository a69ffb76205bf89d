"""The Lab's readings follow its numbers: one table of thresholds (explorer.views.lab_scales), and at every
boundary of it the summaries say the words of the tables' reading column, in English and in Chinese.

The bug this prevents: a summary saying "barely agree" where the table beside it says "somewhat alike",
because a threshold was typed twice. Each boundary is tried on it and just below it; the step, split and
scorers views' sentences must then carry the band's words, and no other band's.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from explorer import i18n
from explorer.views import lab_readings, lab_scales, lab_scorers, lab_split, lab_step
from seq2seq.lab.names import IMPORTANCES, pairs

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "zh")
BELOW = 1e-3  # "just below a boundary"
ATTENTION_PAIRS = [p for p in pairs(True) if p.startswith("attention~")]


def around(scale: lab_scales.Scale) -> list[float]:
    """Every boundary of `scale`, and just below each."""
    return [v for bound in scale.boundaries() for v in (bound, bound - BELOW)]


def said(words: str, line: str, every: list[str]) -> None:
    """`line` says `words`, and no other of `every` (the scale's words in the current language)."""
    assert words in line, (words, line)
    others = [w for w in every if w != words and w in line]
    assert not others, (others, line)


def all_words(scale: lab_scales.Scale) -> list[str]:
    return [i18n._(b.words) for b in scale.bands]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_band_says_anothers_words(lang):
    """Each band's words are not part of another's, so "the line says this band" is unambiguous."""
    with i18n.using(lang):
        for scale in (lab_scales.TAU, lab_scales.ADVERSARIAL, lab_scales.UNIFORM_LOSS, lab_scales.TRAINED_UNIFORM):
            words = all_words(scale)
            assert len(set(words)) == len(words)
            assert not [(a, b) for a in words for b in words if a != b and a in b], scale.measure
        for view in lab_scales.PERMUTATION_WORDS.values():
            words = [i18n._(w) for w in view.values()]
            assert not [(a, b) for a in words for b in words if a != b and a in b]


def test_the_bands_are_ordered_and_cover_every_value():
    for scale in (lab_scales.TAU, lab_scales.ADVERSARIAL, lab_scales.UNIFORM_LOSS, lab_scales.TRAINED_UNIFORM):
        bounds = [b.at_least for b in scale.bands]
        assert bounds == sorted(bounds, reverse=True) and bounds[-1] == float("-inf"), scale.measure
        assert scale.band(-1e9) is scale.bands[-1]
        for band in scale.bands[:-1]:
            assert scale.band(band.at_least) is band  # a bound belongs to the band above it


# -- Kendall's τ: the tables' reading column and the summaries ----------------------------------------------
def agreement(median_of) -> dict:
    summary = {
        p: {"n": 5, "median": median_of(p), "low": median_of(p) - 0.1, "high": median_of(p) + 0.1} for p in pairs(True)
    }
    return {"summary": summary, "per_example": []}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("tau", around(lab_scales.TAU))
def test_the_split_summary_says_what_its_table_says(lang, tau):
    with i18n.using(lang):
        every = all_words(lab_scales.TAU)
        stored = agreement(lambda pair: tau)
        rows = {row[i18n._("pair")]: row[i18n._("reading")] for row in lab_split.agreement_rows(stored)}
        words = lab_scales.TAU.words(tau)
        assert set(rows.values()) == {words}
        first, importances = lab_split.split_reading({"agreement": stored})
        said(words, first, every)
        said(rows[lab_readings.pair_label("grad_x_input~leave_one_out")], importances, every)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("tau", around(lab_scales.TAU))
def test_a_split_whose_pairs_straddle_a_boundary_names_each_pairs_words(lang, tau):
    """Medians on both sides of a boundary: the summary says the words of the rows it names, never a band
    that no row of the table says."""
    medians = dict(zip(ATTENTION_PAIRS, (tau, tau - BELOW, tau + 0.05), strict=True))
    with i18n.using(lang):
        stored = agreement(lambda pair: medians.get(pair, 0.0))
        readings = {row[i18n._("reading")] for row in lab_split.agreement_rows(stored)[: len(ATTENTION_PAIRS)]}
        first = lab_split.split_reading({"agreement": stored})[0]
        shown = {w for w in all_words(lab_scales.TAU) if w in first}
        assert shown and shown <= readings, (shown, readings, first)
        assert lab_scales.TAU.words(max(medians.values())) in first
        assert lab_scales.TAU.words(min(medians.values())) in first


def step(taus: dict) -> lab_step.StepLab:
    """A step's numbers without a model: three source tokens, attention on the first."""
    values = [0.5, 0.3, 0.2]
    importance = SimpleNamespace(
        token="x",
        logprob=-0.1,
        source_tokens=("a", "b", "c"),
        attention=values,
        below_floor=(),  # every importance large enough to read (seq2seq.lab.names.READABLE)
        **dict.fromkeys(IMPORTANCES, values),
    )
    return lab_step.StepLab(step=1, importance=importance, taus=taus)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("tau", around(lab_scales.TAU))
def test_the_step_summary_says_what_its_table_says(lang, tau):
    with i18n.using(lang):
        taus = dict.fromkeys(pairs(True), tau)
        readings = {row[i18n._("reading")] for row in lab_step.tau_rows(taus)}
        assert readings == {lab_scales.TAU.words(tau)}
        said(lab_scales.TAU.words(tau), lab_step.step_reading(step(taus)), all_words(lab_scales.TAU))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("tau", around(lab_scales.TAU))
def test_the_scorers_summary_says_taus_words(lang, tau):
    row = {"model": "t/dot", "scorer": "dot", "perplexity": 1.0, "exact_match": 1.0, "aer": 0.0, "tau": tau}
    with i18n.using(lang):
        lines = lab_scorers.table_reading({"metric": "exact_match", "rows": [row]}, gold=True)
        said(lab_scales.TAU.words(tau), lines[-1], all_words(lab_scales.TAU))
        aligned = lines[2]
        if tau < lab_scales.TAU.bound("somewhat"):  # aligned, yet τ low: the line says how low, in τ's words
            said(lab_scales.TAU.words(tau), aligned, all_words(lab_scales.TAU))
        else:
            assert not any(w in aligned for w in all_words(lab_scales.TAU))


# -- permutation, adversarial, uniform --------------------------------------------------------------------
PERMUTATIONS = [
    (tvd, changed)
    for tvd in (0.0, lab_scales.TVD_MATTERS - BELOW, lab_scales.TVD_MATTERS)
    for changed in (
        0.0,
        lab_scales.CHANGED_MATTERS - BELOW,
        lab_scales.CHANGED_MATTERS,
        lab_scales.SHUFFLES_DECIDE - BELOW,
        lab_scales.SHUFFLES_DECIDE,
    )
]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("tvd", "changed"), PERMUTATIONS)
def test_shuffles_are_read_alike_in_a_step_and_over_a_split(lang, tvd, changed):
    band = lab_scales.permutation_band(tvd, changed)
    with i18n.using(lang):
        result = {"median_tvd": tvd, "fraction_changed": changed, "n_seeds": 100}
        words = {view: [i18n._(w) for w in table.values()] for view, table in lab_scales.PERMUTATION_WORDS.items()}
        said(i18n._(lab_scales.PERMUTATION_WORDS["step"][band]), lab_step.permutation_reading(result), words["step"])
        stored = {"summary": {"median_tvd": {"median": tvd}, "fraction_changed": {"median": changed}}}
        (line,) = lab_split.split_reading({"permutation": stored})
        said(i18n._(lab_scales.PERMUTATION_WORDS["split"][band]), line, words["split"])


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("bits", around(lab_scales.ADVERSARIAL))
def test_adversarial_attention_is_read_by_its_band(lang, bits):
    result = {"jsd": bits * 0.6931, "jsd_bits": bits, "tvd": 0.01, "tvd_bound": 0.05}
    with i18n.using(lang):
        words = lab_scales.ADVERSARIAL.words(bits)
        said(words, lab_step.adversarial_reading(result), all_words(lab_scales.ADVERSARIAL))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("metric", "own", "flat"),
    [("bleu", 30.0, 25.0), ("bleu", 30.0, 25.1), ("exact_match", 1.0, 0.95), ("exact_match", 1.0, 0.951)],
)
def test_uniform_attention_is_read_by_its_band(lang, metric, own, flat):
    lost = (own - flat) * (1 if metric == "bleu" else 100)
    stored = {"summary": {"metric": metric, "model": own, "uniform": flat, "n": 10}}
    with i18n.using(lang):
        (line,) = lab_split.split_reading({"uniform": stored})
        said(lab_scales.UNIFORM_LOSS.words(lost), line, all_words(lab_scales.UNIFORM_LOSS))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("metric", ["bleu", "exact_match"])
@pytest.mark.parametrize("gap", around(lab_scales.TRAINED_UNIFORM))
def test_the_trained_uniform_model_is_read_by_its_own_band(lang, metric, gap):
    """The trained baseline's verdict comes from its own gap to the model, not from the swap's loss."""
    scale = 1 if metric == "bleu" else 100
    own = 40.0 if metric == "bleu" else 0.9
    stored = {
        "summary": {
            "metric": metric,
            "model": own,
            "uniform": own,  # the swap loses nothing: its verdict must not decide the trained line's
            "trained_uniform": own - gap / scale,
            "trained_uniform_model": "t/uniform",
            "n": 10,
        }
    }
    with i18n.using(lang):
        swap, trained = lab_split.split_reading({"uniform": stored})
        said(lab_scales.TRAINED_UNIFORM.words(gap), trained, all_words(lab_scales.TRAINED_UNIFORM))
        said(lab_scales.UNIFORM_LOSS.words(0.0), swap, all_words(lab_scales.UNIFORM_LOSS))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("tvd", "changed"), PERMUTATIONS)
def test_a_splits_shuffles_are_read_by_their_mean_over_every_step_when_stored(lang, tvd, changed):
    """The mean TVD over every step decides the verdict, not the typical example's median (which can be 0 while
    a quarter of the steps move by more than half); the line says the share above 0.5 and the steps."""
    band = lab_scales.permutation_band(tvd, changed)
    summary = {
        "median_tvd": {"median": 0.0},
        "fraction_changed": {"median": changed},
        "mean_tvd": tvd,
        "share_tvd_above_half": 0.28,
        "steps": 412,
    }
    with i18n.using(lang):
        words = [i18n._(w) for w in lab_scales.PERMUTATION_WORDS["split"].values()]
        (line,) = lab_split.split_reading({"permutation": {"summary": summary}})
        said(i18n._(lab_scales.PERMUTATION_WORDS["split"][band]), line, words)
        assert i18n.percent(0.28, 0) in line and "412" in line


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("share", around(lab_scales.ADVERSARIAL))
def test_a_splits_adversarial_search_is_read_by_the_band_of_its_mean_jsd(lang, share):
    mean = share * lab_split.LN2
    stored = {"summary": {"mean_jsd": mean, "share_above_half": 0.4, "tvd_bound": 0.05, "jsd": {"n": 30}}}
    with i18n.using(lang):
        (line,) = lab_split.split_reading({"adversarial": stored})
        said(lab_scales.ADVERSARIAL.words(share), line, all_words(lab_scales.ADVERSARIAL))
        assert i18n.number(mean, 2) in line and i18n.percent(0.4, 0) in line


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("further", around(lab_scales.SEED_FURTHER))
def test_another_seeds_attention_is_read_by_the_share_of_steps_the_adversarial_row_goes_further(lang, further):
    stored = {"summary": {"median_jsd": {"median": 0.12}, "adversarial": {"further": further}, "n_seeds": 2}}
    with i18n.using(lang):
        (line,) = lab_split.split_reading({"seed_variance": stored})
        said(lab_scales.SEED_FURTHER.words(further), line, all_words(lab_scales.SEED_FURTHER))
        assert i18n.percent(further, 0) in line


def test_the_alignment_reading_names_the_importance_with_the_lowest_aer():
    aer = {"attention": 0.02, "grad_x_input": 0.31, "integrated_gradients": 0.18, "leave_one_out": 0.25}
    with i18n.using("en"):
        (line,) = lab_split.split_reading({"alignment": {"summary": {"aer": aer}}})
        rows = lab_split.alignment_rows({"summary": {"aer": aer}})
    assert "0.020" in line and "integrated gradients, 0.180" in line
    assert [row["AER"] for row in rows] == ["0.020", "0.310", "0.180", "0.250"]


def test_the_split_tables_of_the_baselines_show_their_stored_numbers():
    adversarial = {
        "summary": {
            "mean_jsd": 0.41,
            "share_above_half": 0.25,
            "jsd": {"n": 120, "p10": 0.05, "p50": 0.4, "p90": 0.66},
        }
    }
    seed = {
        "summary": {
            "n_seeds": 2,
            "median_jsd": {"median": 0.1, "low": 0.08, "high": 0.12, "n": 40},
            "identical_outputs": 1.0,
            "adversarial": {"further": 0.9, "adversarial": {"jsd": {"p10": 0.2, "p50": 0.5, "p90": 0.6}}},
        }
    }
    with i18n.using("en"):
        rows = {r["measure"]: r["value"] for r in lab_split.adversarial_rows(adversarial)}
        seeds = {r["measure"]: r["value"] for r in lab_split.seed_rows(seed)}
    assert rows["steps searched"] == "120" and rows["mean JSD reached (nats, at most ln 2 = 0.69)"] == "0.410"
    assert rows["median JSD [p10, p90]"] == "0.400 [0.050, 0.660]"
    assert rows["share of steps above half of ln 2"] == "25%"
    assert seeds["seed models"] == "2" and seeds["outputs identical to this model's"] == "100%"
    assert seeds["steps where the adversarial attention is further than every seed's"] == "90%"


# -- nowhere else ------------------------------------------------------------------------------------------
def test_the_lab_views_compare_no_number_with_a_threshold_of_their_own():
    """No comparison in the Lab's views against a literal other than 0 and 1 (in lab_sections, against no
    fraction): a threshold is lab_scales'."""
    found = []
    files = [*(ROOT / "explorer" / "views").glob("lab*.py"), ROOT / "explorer" / "ui" / "lab" / "sections.py"]
    for path in files:
        if path.name == "lab_scales.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            for side in (node.left, *node.comparators):
                if isinstance(side, ast.UnaryOp):
                    side = side.operand
                value = side.value if isinstance(side, ast.Constant) else None
                if not isinstance(value, int | float) or isinstance(value, bool) or value in (0, 1):
                    continue
                if path.parent.name != "lab" or isinstance(value, float):  # its layout compares code points
                    found.append(f"{path.name}:{node.lineno}: compares with {value}")
    assert not found, found


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("share", around(lab_scales.ADVERSARIAL))
def test_a_splits_saturated_steps_are_counted_apart_and_the_others_read_by_their_band(lang, share):
    mean = share * lab_split.LN2
    stored = {
        "summary": {
            "mean_jsd": 0.65,
            "share_above_half": 0.9,
            "tvd_bound": 0.05,
            "saturated": {"count": 27, "share": 0.9},
            "unsaturated": {"steps": 3, "mean_jsd": mean, "share_above_half": 0.0},
        }
    }
    with i18n.using(lang):
        first, second = lab_split.split_reading({"adversarial": stored})
        said(lab_scales.ADVERSARIAL.words(share), second, all_words(lab_scales.ADVERSARIAL))
        assert i18n.percent(0.9, 0) in second and i18n.number(mean, 2) in second and "3" in second
        assert "0.99" in second  # the threshold, from seq2seq.lab.names.SATURATED
        rows = {r[i18n._("measure")]: r[i18n._("value")] for r in lab_split.adversarial_rows(stored)}
        assert i18n.percent(0.9, 0) in rows.values() and "3" in rows.values()


def test_a_split_searched_only_on_saturated_steps_says_so():
    stored = {"summary": {"mean_jsd": 0.69, "share_above_half": 1.0, "saturated": {"count": 5, "share": 1.0}}}
    with i18n.using("en"):
        lines = lab_split.split_reading(
            {"adversarial": stored | {"summary": stored["summary"] | {"unsaturated": {"steps": 0}}}}
        )
    assert lines[1].startswith("Every searched step was saturated")
