"""Text pipeline, phrase discovery, emerging-term statistics and trend forecasts (pure)."""

from __future__ import annotations

import random

import pytest

from checks.risk.phrases import discover_phrases
from checks.risk.terms import emerging_terms, log_likelihood
from checks.risk.text import Analyzer, analysis_clauses, in_dictionary, normalise, segmenter
from checks.risk.trends import holt_forecast, trend_series

PRODUCTS = ["手机", "平板电脑", "耳机", "充电宝", "羽绒服", "面霜", "空调", "冰箱", "年卡", "私教课"]
PROBLEMS = ["存在明显质量问题", "申请退货被拒绝", "退款迟迟未到账", "多次联系商家处理均被推诿", "与宣传描述不符"]
# A new scam's name in varied contexts (at the start, after 遭遇/存在/被, before 问题 or a comma).
NEW_PHRASE = "闪退扣费"
CONTEXTS = [
    "购买的{p}后遭遇闪退扣费",
    "{p}存在闪退扣费问题",
    "商家对闪退扣费拒不处理",
    "{p}被闪退扣费多次",
    "闪退扣费：{p}无法退款",
]


def texts(n: int = 2000, share_new: float = 0.1, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        p = rng.choice(PRODUCTS)
        if rng.random() < share_new:
            out.append("消费者于3月5日在该店" + rng.choice(CONTEXTS).format(p=p) + "，要求退款。")
        else:
            out.append(f"消费者于3月5日在该店购买的{p}{rng.choice(PROBLEMS)}，要求退货退款。")
    return out


def clauses(items: list[str]) -> list[str]:
    return [c for t in items for c in analysis_clauses(t)]


def test_a_phrase_absent_from_the_dictionary_is_still_discovered():
    assert not in_dictionary(NEW_PHRASE)
    assert segmenter().lcut(NEW_PHRASE, HMM=False) != [NEW_PHRASE]
    found = [p.text for p in discover_phrases(clauses(texts()))]
    assert NEW_PHRASE in found


def test_fragments_of_a_discovered_phrase_are_not_reported():
    found = {p.text for p in discover_phrases(clauses(texts()))}
    assert not {"闪退扣", "退扣费", "退扣", "扣费"} & found


def test_a_phrase_always_in_the_same_context_is_a_fragment_not_a_phrase():
    fixed = [f"消费者购买的{p}后遭遇闪退扣费，要求退款。" for p in PRODUCTS] * 20
    assert NEW_PHRASE not in {p.text for p in discover_phrases(clauses(fixed))}


def test_a_phrase_below_the_minimum_count_is_not_discovered():
    few = texts(2000, share_new=0.0) + ["消费者称平板电脑被闪退扣费，要求退款。"] * 4
    assert NEW_PHRASE not in {p.text for p in discover_phrases(clauses(few), min_count=5)}


def test_normalisation_folds_width_digits_and_personal_data():
    assert normalise("ＡＰＰ于３月５日扣费99.5元，电话13912345678") == "app于0月0日扣费0元,电话,"


def test_the_analyzer_drops_stop_words_and_adds_discovered_phrases():
    a = Analyzer(frozenset({NEW_PHRASE}))
    terms = a.terms("消费者于3月5日在该店购买的手机遭遇闪退扣费，要求退货退款。")
    assert NEW_PHRASE in terms and "手机" in terms and "退货退款" in terms
    assert not {"消费者", "于", "的", "0"} & terms
    a.terms("消费者于4月6日在该店购买的手机遭遇闪退扣费，要求退货退款。")
    assert a.segmented == 2 and a.clauses == 4  # the second text's clauses came from the cache


def test_jieba_keeps_its_cache_file_where_it_is_told(tmp_path):
    cache = tmp_path / "jieba"
    segmenter(cache)
    assert any(p.name.startswith("jieba") and p.suffix == ".cache" for p in cache.iterdir())


def test_the_domain_dictionary_keeps_consumer_terms_whole():
    assert "七日无理由退货" in segmenter().lcut("适用七日无理由退货规定", HMM=False)
    assert in_dictionary("先行赔付")


# ---- emerging terms -------------------------------------------------------------------------------


def test_log_likelihood_is_zero_for_equal_rates_and_grows_with_the_difference():
    assert log_likelihood(10, 1000, 120, 12000) == pytest.approx(0.0, abs=1e-9)
    assert log_likelihood(30, 1000, 120, 12000) > log_likelihood(20, 1000, 120, 12000) > 0


def test_a_term_seen_at_the_baseline_rate_is_not_emerging():
    assert emerging_terms({"退款": 100}, 1000, {"退款": 1200}, 12000) == []


def test_a_new_term_in_five_complaints_is_emerging_and_marked_new():
    (s,) = emerging_terms({"闪退扣费": 5}, 1000, {}, 12000)
    assert s.term == "闪退扣费" and s.new and s.baseline_count == 0 and s.g2 >= 15.1


def test_a_new_term_in_four_complaints_is_below_the_minimum_count():
    assert emerging_terms({"闪退扣费": 4}, 1000, {}, 12000) == []


def test_a_term_that_fell_is_not_emerging_however_significant():
    assert emerging_terms({"预付卡": 10}, 1000, {"预付卡": 1200}, 12000) == []


def test_a_small_rise_in_a_large_corpus_is_not_emerging():
    # significant (G² far above the line) but under the threefold rate ratio
    assert emerging_terms({"退款": 2000}, 100_000, {"退款": 12_000}, 1_200_000) == []


def test_overlapping_terms_are_folded_into_the_stronger_one():
    window = {"闪退扣费": 30, "闪退": 30, "扣费": 31, "商家跑路": 20}
    baseline = {"扣费": 40}
    kept = [s.term for s in emerging_terms(window, 1000, baseline, 12000)]
    assert kept == ["闪退扣费", "商家跑路"]


# ---- trends --------------------------------------------------------------------------------------


def test_a_steady_series_is_not_an_anomaly():
    (s,) = trend_series({("industry", "F5274"): [40, 42, 39, 41, 40, 43, 38, 40, 42, 41, 40, 41, 44]})
    assert not s.anomaly and s.forecast.lower < 44 < s.forecast.upper


def test_a_latest_period_far_above_the_band_is_an_anomaly():
    (s,) = trend_series({("industry", "F5274"): [40, 42, 39, 41, 40, 43, 38, 40, 42, 41, 40, 41, 90]})
    assert s.anomaly and s.forecast.upper < 90


def test_a_jump_in_a_tiny_series_is_not_an_anomaly_below_the_minimum_count():
    (s,) = trend_series({("region", "420100"): [0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 8]}, min_count=10)
    assert not s.anomaly


def test_a_steady_rise_is_forecast_by_its_trend():
    fc = holt_forecast([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120])
    assert fc.value == pytest.approx(130, abs=1)
