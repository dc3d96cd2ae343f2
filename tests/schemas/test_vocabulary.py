"""The vocabulary is one: the measures line up with the form's columns and the 汇总表's indicators, every
activity form has its synonyms, and the office's clock is Beijing time."""

from __future__ import annotations

from datetime import date, datetime, timezone

from kepu.schemas.synonyms import DETAIL_FIELD, SUMMARY_INDICATORS, SYNONYMS
from kepu.schemas.vocabulary import (
    ACTIVITY_TYPES,
    COUNT_METRICS,
    MEASURE,
    MEASURES,
    METRICS,
    MONEY_METRIC,
    OTHER_TYPE,
    Campaign,
    office_time,
    place_name,
)


def test_every_metric_is_a_column_of_the_form_and_every_indicator_a_measure():
    assert all(metric in DETAIL_FIELD for metric in METRICS)
    assert [i.key for i in SUMMARY_INDICATORS] == [m.key for m in MEASURES]
    assert METRICS == (*COUNT_METRICS, MONEY_METRIC) and MEASURE[MONEY_METRIC].money


def test_activity_forms_come_from_the_synonym_tables_and_end_with_other():
    assert ACTIVITY_TYPES == tuple(SYNONYMS.activity_types) and ACTIVITY_TYPES[-1] == OTHER_TYPE


def test_the_office_clock_is_beijing_time():
    stamp = datetime(2023, 9, 28, 16, 0, 30, 500, tzinfo=timezone.utc).timestamp()
    assert office_time(stamp) == datetime(2023, 9, 29, 0, 0, 30)


def test_campaign_window_as_the_office_writes_it():
    campaign = Campaign("c", "2023年全国科普日", date(2023, 9, 17), date(2023, 9, 23), date(2023, 9, 28))
    assert campaign.window_text == "2023年9月17日至9月23日"


def test_a_districts_place_name_drops_the_association_suffix_only():
    assert place_name("双流区科协") == "双流区"
    assert place_name("清溪县科学技术协会") == "清溪县"
    assert place_name("龙泉区") == "龙泉区"
    assert place_name("科协") == "科协"
    assert place_name("白沙县科协办公室") == "白沙县科协办公室"
