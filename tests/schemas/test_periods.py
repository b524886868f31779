"""Dates and periods in every form researchers write them, with the file's day-month order."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.parsing import decide_conventions
from schemas.periods import parse_period


def one(text: str, day_first: bool | None = True) -> tuple[str, str, str] | None:
    parsed = parse_period(pd.Series([text]), day_first).iloc[0]
    if pd.isna(parsed["start"]):
        return None
    return (
        parsed["start"].strftime("%Y-%m-%d"),
        parsed["end"].strftime("%Y-%m-%d"),
        parsed["precision"],
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-07-15", ("2020-07-15", "2020-07-15", "day")),
        ("2020-07-15 00:00:00", ("2020-07-15", "2020-07-15", "day")),
        ("2020-07-15T10:30:00", ("2020-07-15", "2020-07-15", "day")),
        ("15.07.2020", ("2020-07-15", "2020-07-15", "day")),
        ("15.07.2020.", ("2020-07-15", "2020-07-15", "day")),
        ("15/07/2020", ("2020-07-15", "2020-07-15", "day")),
        ("2020-07", ("2020-07-01", "2020-07-31", "month")),
        ("07/2020", ("2020-07-01", "2020-07-31", "month")),
        ("07.2020", ("2020-07-01", "2020-07-31", "month")),
        ("jul 2020", ("2020-07-01", "2020-07-31", "month")),
        ("Juli 2020", ("2020-07-01", "2020-07-31", "month")),
        ("јул 2020", ("2020-07-01", "2020-07-31", "month")),
        ("srpanj 2020", ("2020-07-01", "2020-07-31", "month")),
        ("korrik 2020", ("2020-07-01", "2020-07-31", "month")),
        ("Feb. 2020", ("2020-02-01", "2020-02-29", "month")),
        ("Q3 2020", ("2020-07-01", "2020-09-30", "quarter")),
        ("2020-Q3", ("2020-07-01", "2020-09-30", "quarter")),
        ("q4/2019", ("2019-10-01", "2019-12-31", "quarter")),
        ("2020", ("2020-01-01", "2020-12-31", "year")),
        ("43983", ("2020-06-01", "2020-06-01", "day")),  # an Excel serial day
    ],
)
def test_every_listed_form_gives_start_end_and_precision(text, expected):
    assert one(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2020-07-15T10:00:00+02:00",
        "2020-07-15T23:30:00.123+0200",  # the local date as written, not UTC's 21:30
        "2020-07-15T10:00:00-05:00",
        "2020-07-15T10:00:00.5Z",
        "2020-07-15 10:00:00.000",
        "15.07.2020 10:30",  # Excel's export of a dotted date cell with a time
        "15.07.2020. 10:30:00",
    ],
)
def test_timestamps_with_offsets_fractions_or_dots_count_as_their_day(text):
    assert one(text, day_first=None) == ("2020-07-15", "2020-07-15", "day")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020.", ("2020-01-01", "2020-12-31", "year")),  # Croatian ordinal dot
        ("15. 07. 2020.", ("2020-07-15", "2020-07-15", "day")),
        ("15. 7. 2020", ("2020-07-15", "2020-07-15", "day")),
        ("07. 2020.", ("2020-07-01", "2020-07-31", "month")),
        ("15.07.20", ("2020-07-15", "2020-07-15", "day")),
        ("3.4.20.", ("2020-04-03", "2020-04-03", "day")),
        ("31.12.99", ("1999-12-31", "1999-12-31", "day")),
        ("15.07.20 10:30", ("2020-07-15", "2020-07-15", "day")),
    ],
)
def test_dotted_forms_of_the_region(text, expected):
    assert one(text, day_first=False) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("srpnja 2020", ("2020-07-01", "2020-07-31", "month")),  # Croatian genitive
        ("15. srpnja 2020.", ("2020-07-15", "2020-07-15", "day")),
        ("1. studenoga 2019.", ("2019-11-01", "2019-11-01", "day")),
        ("15. jula 2020.", ("2020-07-15", "2020-07-15", "day")),  # Serbian, Bosnian
        ("15. јула 2020.", ("2020-07-15", "2020-07-15", "day")),
        ("15. Juli 2020", ("2020-07-15", "2020-07-15", "day")),
        ("15 July 2020", ("2020-07-15", "2020-07-15", "day")),
        ("July 15, 2020", ("2020-07-15", "2020-07-15", "day")),
        ("15-Jul-20", ("2020-07-15", "2020-07-15", "day")),  # Excel's d-mmm-yy
        ("авг 2020", ("2020-08-01", "2020-08-31", "month")),
        ("авг. 2020", ("2020-08-01", "2020-08-31", "month")),
    ],
)
def test_month_names_with_a_day_and_in_the_genitive(text, expected):
    assert one(text, day_first=False) == expected


@pytest.mark.parametrize("text", ["avg 2020", "31. veljače 2020.", "15. smarch 2020."])
def test_not_a_month_or_not_a_day_is_not_read(text):
    assert one(text) is None  # avg in Latin letters may be an average


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15.VII.2020", ("2020-07-15", "2020-07-15", "day")),
        ("15. VII. 2020.", ("2020-07-15", "2020-07-15", "day")),
        ("VII.2020", ("2020-07-01", "2020-07-31", "month")),
        ("XII/2019", ("2019-12-01", "2019-12-31", "month")),
    ],
)
def test_months_in_roman_numerals(text, expected):
    assert one(text, day_first=False) == expected


@pytest.mark.parametrize("text", ["31.II.2020", "15.XIII.2020", "X 2020"])
def test_no_such_roman_month_or_a_bare_letter_is_not_read(text):
    assert one(text) is None  # a bare X may be a placeholder, not October


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("II kvartal 2020", ("2020-04-01", "2020-06-30", "quarter")),
        ("2. kvartal 2020.", ("2020-04-01", "2020-06-30", "quarter")),
        ("IV. kvartal 2019.", ("2019-10-01", "2019-12-31", "quarter")),
        ("3rd quarter 2020", ("2020-07-01", "2020-09-30", "quarter")),
        ("4 квартал 2020", ("2020-10-01", "2020-12-31", "quarter")),
        # A half year: its two quarters.
        ("H1 2020", ("2020-01-01", "2020-06-30", "quarter")),
        ("2020-H2", ("2020-07-01", "2020-12-31", "quarter")),
        ("I. polugodište 2020.", ("2020-01-01", "2020-06-30", "quarter")),
        ("2. Halbjahr 2020", ("2020-07-01", "2020-12-31", "quarter")),
    ],
)
def test_quarters_in_words_and_half_years(text, expected):
    assert one(text) == expected


@pytest.mark.parametrize("text", ["5. kvartal 2020", "H3 2020", "III polugodište 2020"])
def test_no_such_quarter_or_half_is_not_read(text):
    assert one(text) is None


@pytest.mark.parametrize("text", ["07-09/2020", "15.07/2020", "03/04-2020"])
def test_a_date_with_two_kinds_of_separator_is_not_read(text):
    assert one(text) is None  # 07-09/2020: July to September, not 7 September


def test_a_slash_date_with_a_two_digit_year_is_not_read():
    assert one("07/15/20") is None  # 15 July 2020 or 20 July 2015: not guessed


def test_a_slash_date_with_a_time_is_not_read():
    # Its day-month order is not voted on, so it is quarantined rather than guessed.
    assert one("03/04/2020 10:30") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011/12", ("2011-01-01", "2012-12-31", "year")),  # a season, not December 2011
        ("2000/01", ("2000-01-01", "2001-12-31", "year")),
        ("2019/20", ("2019-01-01", "2020-12-31", "year")),
        ("2019/2020", ("2019-01-01", "2020-12-31", "year")),
        ("2019-2020", ("2019-01-01", "2020-12-31", "year")),
        ("2019 – 2021", ("2019-01-01", "2021-12-31", "year")),
        ("2020/07", ("2020-07-01", "2020-07-31", "month")),  # not the next year: a month
        ("2020/7", ("2020-07-01", "2020-07-31", "month")),
        ("2011-12", ("2011-12-01", "2011-12-31", "month")),  # ISO year-month
    ],
)
def test_years_in_one_cell_are_a_span_of_whole_years(text, expected):
    assert one(text) == expected


@pytest.mark.parametrize("text", ["2020/2019", "2020-2020", "2019/21"])
def test_years_out_of_order_are_not_read(text):
    assert one(text) is None


@pytest.mark.parametrize("text", ["2021-02-30", "32.07.2020", "Q5 2020", "smarch 2020", "soon"])
def test_impossible_periods_do_not_parse(text):
    assert one(text) is None


def test_day_month_order_follows_the_file():
    assert one("03/04/2020", day_first=True)[0] == "2020-04-03"
    assert one("03/04/2020", day_first=False)[0] == "2020-03-04"
    # Undecided: an ambiguous date is left unread (quarantined), a clear one still reads.
    assert one("03/04/2020", day_first=None) is None
    assert one("15/04/2020", day_first=None)[0] == "2020-04-15"


def test_dotted_dates_are_day_first_even_in_a_month_first_file():
    # A file merged from sources: 07/15/2020 decides it month first, 05.07.2020 stays 5 July.
    assert one("05.07.2020", day_first=False)[0] == "2020-07-05"
    assert one("03.04.2020.", day_first=False)[0] == "2020-04-03"
    assert one("03.04.2020", day_first=None)[0] == "2020-04-03"
    assert one("03/04/2020", day_first=False)[0] == "2020-03-04"
    assert one("07.15.2020", day_first=False) is None  # no 15th month: quarantined


def test_dotted_dates_do_not_vote_on_the_order_of_slash_dates():
    # 07/15/2020 shows the month first; 15.07.2020 is day first by rule, not evidence against.
    assert decide("07/15/2020", "15.07.2020", "03/04/2020").day_first is False
    # Only dotted evidence: the slash date 03/04/2020 stays ambiguous (quarantined).
    assert decide("15.07.2020", "03/04/2020").day_first is None


def decide(*dates: str):
    return decide_conventions(pd.DataFrame({"date": list(dates)}), (), ("date",))


def test_day_month_order_is_decided_per_file_from_its_dates():
    assert decide("03/04/2020", "15/04/2020").day_first is True
    assert decide("03/04/2020", "04/15/2020").day_first is False
    assert decide("15/04/2020", "04/15/2020").day_first is None  # both ways: reported
    assert decide("03/04/2020", "05/06/2020").day_first is None  # no evidence: reported
    assert decide("03.04.2020").day_first is True  # dots are never month first
    assert "undecided" in decide("03/04/2020").describe()


dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))
DAY_FORMATS = ["%d.%m.%Y", "%d.%m.%Y.", "%d/%m/%Y", "%Y-%m-%d", "%-d.%-m.%Y"]
MONTH_FORMATS = ["%m/%Y", "%m.%Y", "%Y-%m", "%b %Y", "%B %Y"]


@settings(max_examples=300, deadline=None)
@given(day=dates, form=st.sampled_from(DAY_FORMATS))
def test_days_formatted_in_each_locale_parse_back(day, form):
    assert one(day.strftime(form)) == (day.isoformat(),) * 2 + ("day",)


@settings(max_examples=300, deadline=None)
@given(day=dates, form=st.sampled_from(MONTH_FORMATS))
def test_months_formatted_in_each_locale_parse_back(day, form):
    start, end, precision = one(day.strftime(form))
    assert (start, precision) == (day.replace(day=1).isoformat(), "month")
    assert pd.Timestamp(end) == pd.Timestamp(start) + pd.offsets.MonthEnd(0)


@settings(max_examples=200, deadline=None)
@given(day=dates, names=st.sampled_from(["sr_cyrl", "hr", "sq", "de"]))
def test_local_month_names_parse_back(day, names):
    local = {
        "sr_cyrl": "јануар фебруар март април мај јун јул август септембар октобар новембар децембар",  # noqa: E501
        "hr": "siječanj veljača ožujak travanj svibanj lipanj srpanj kolovoz rujan listopad studeni prosinac",  # noqa: E501
        "sq": "janar shkurt mars prill maj qershor korrik gusht shtator tetor nëntor dhjetor",
        "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    }[names].split()
    assert one(f"{local[day.month - 1]} {day.year}")[0] == day.replace(day=1).isoformat()


@settings(max_examples=200, deadline=None)
@given(day=dates, quarter_first=st.booleans())
def test_quarters_parse_back(day, quarter_first):
    quarter = (day.month - 1) // 3 + 1
    text = f"Q{quarter} {day.year}" if quarter_first else f"{day.year}-Q{quarter}"
    start, _, precision = one(text)
    assert (start, precision) == (dt.date(day.year, 3 * quarter - 2, 1).isoformat(), "quarter")


@settings(max_examples=200, deadline=None)
@given(day=dates)
def test_croatian_genitive_dates_parse_back(day):
    genitive = "siječnja veljače ožujka travnja svibnja lipnja srpnja kolovoza rujna listopada studenoga prosinca"  # noqa: E501
    text = f"{day.day}. {genitive.split()[day.month - 1]} {day.year}."
    assert one(text) == (day.isoformat(),) * 2 + ("day",)
