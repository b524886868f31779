"""Dates and periods in the forms researchers write them, to a first day, a last day and a
precision (day, month, quarter or year), vectorised over a column.

Accepted forms (the day-month order of ``dd/mm/yyyy`` and ``dd-mm-yyyy`` is the file's, see
:func:`schemas.parsing.decide_conventions`; dotted dates are always day first):

- years: ``2019-2020``, ``2019/2020``, a season or fiscal year ``2019/20`` (``2011/12`` too:
  the next year's two digits are never a month), as whole years;
- ISO: ``2020``, ``2020.``, ``2020-07``, ``2020-07-15``, ``2020-07-15T10:00`` /
  ``2020-07-15 00:00:00`` (a timestamp counts as its day as written, with or without an offset
  or fractions of a second: ``2020-07-15T23:30:00.123+02:00``, ``...Z``, ``...-0500``),
  ``2020/07/15``;
- day first: ``15.07.2020``, ``15.07.2020.``, ``15. 07. 2020.``, ``15.07.20`` (dotted only;
  00-49 are 2000-2049, 50-99 1950-1999), ``15/07/2020``, ``15-07-2020``; a dotted day with
  a time, as Excel exports it (``15.07.2020 10:30``, ``15.07.2020. 10:30:00``);
- month: ``07/2020``, ``7.2020``, ``2020/07``, and a month name in English, Bosnian, Croatian,
  Serbian (Latin and Cyrillic), Macedonian, Albanian, Turkish or German, full or as the usual
  abbreviation: ``jul 2020``, ``juli 2020``, ``srpanj 2020``, ``јул 2020``, ``korrik 2020``,
  and the genitive of Croatian, Serbian and Bosnian: ``srpnja 2020``, ``jula 2020``;
- a day and a month name: ``15. srpnja 2020.``, ``15 July 2020``, ``July 15, 2020``, ``15-Jul-20``;
- a month in Roman numerals: ``15.VII.2020``, ``15. VII. 2020.``, ``VII.2020``, ``VII/2020``;
- quarter: ``Q3 2020``, ``2020-Q3``, ``2020 Q3``, ``Q3/2020``, ``3Q2020``, in words ``III kvartal
  2020``, ``3. kvartal 2020.``, ``3rd quarter 2020``, ``3. Quartal 2020``;
- half year, as its two quarters (precision quarter): ``H1 2020``, ``2020-H2``, ``1H2020``,
  ``I. polugodište 2020.``, ``2. Halbjahr 2020``;
- an Excel serial day number (``43831`` = 2020-01-01) from a date cell exported as a number.
"""

from __future__ import annotations

import pandas as pd

from schemas.distinct import per_distinct
from schemas.parsing import DAY_MONTH_PATTERN, blank_to_na
from schemas.text import fold

#: Each month's names, then the genitive a date uses (15. srpnja 2020., 15. jula 2020.).
_MONTH_NAMES = {
    1: "january jan januar janar januari siječanj sijecanj sij ocak jänner јануар јануари"
    " siječnja sijecnja januara јануара",
    2: "february feb februar shkurt februari veljača veljaca velj şubat subat феб фебруар февруари"
    " veljače veljace februara фебруара",
    3: "march mar mart mars märz marz ožujak ozujak ožu ozu март ožujka ozujka marta марта",
    4: "april apr prill travanj tra nisan април travnja aprila априла",
    5: "may maj mai svibanj svi mayıs mayis мај svibnja maja маја",
    6: "june jun juni qershor lipanj lip haziran јун јуни lipnja juna јуна",
    7: "july jul juli korrik srpanj srp temmuz јул јули srpnja jula јула",
    8: "august aug avgust gusht kolovoz kol ağustos agustos август"
    " kolovoza avgusta augusta августа",
    9: "september sep sept septembar shtator rujan ruj eylül eylul септембар септември"
    " rujna septembra септембра",
    10: "october oct oktobar oktober tetor listopad lis ekim октобар октомври okt"
    " listopada oktobra октобра",
    11: "november nov novembar nëntor nentor studeni stu kasım kasim новембар ноември"
    " studenoga studenog novembra новембра",
    12: "december dec decembar dezember dhjetor prosinac pro aralık aralik децембар декември dez"
    " prosinca decembra децембра",
}

#: Roman numeral -> month (15.VII.2020), and quarter or half (II kvartal 2020).
_NUMERALS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
ROMAN = {numeral: n for n, numeral in enumerate(_NUMERALS, 1)}

#: Folded month name or abbreviation -> month number.
MONTHS = {fold(name): month for month, names in _MONTH_NAMES.items() for name in names.split()}
#: Abbreviations read only in their own script: Cyrillic авг (August) folds to avg, which in
#: Latin letters may as well be an average.
UNFOLDED_MONTHS = {"авг": 8}

EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0, allowing for its 1900 leap-year bug

_FORMS = {
    "years": r"^(?P<y1>\d{4})\s*(?:[-/\u2013\u2014]\s*(?P<y2>\d{4})|/(?P<yy>\d{2}))$",
    "iso": r"^(?P<y>\d{4})(?:\.|[-/](?P<m>\d{1,2})(?:[-/](?P<d>\d{1,2})"
    r"(?:[t ][\d:.,]+(?:z| ?utc| ?[+-]\d{2}(?::?\d{2})?)?)?)?)?$",
    "dmy": DAY_MONTH_PATTERN,
    "month": r"^(?P<m>\d{1,2})[./-](?P<y>\d{4})\.?$",
    "named": r"^(?P<name>[^\W\d_]+)\.?,?\s*(?P<y>\d{4})\.?$",
    # 15. srpnja 2020., 15 July 2020, 15-Jul-2020, Excel's 15-Jul-20; July 15, 2020.
    "named_day": r"^(?:(?P<d1>\d{1,2})(?:\.\s?|\s)(?P<n1>[^\W\d_]+)\.?,?\s(?P<y1>\d{4})\.?"
    r"|(?P<d2>\d{1,2})-(?P<n2>[^\W\d_]+)-(?P<y2>\d{4}|\d{2})"
    r"|(?P<n3>[^\W\d_]+)\.?\s(?P<d3>\d{1,2})(?:st|nd|rd|th)?,?\s(?P<y3>\d{4}))$",
    "quarter": r"^(?:q(?P<q1>[1-4])\s*[-/ ]?\s*(?P<y1>\d{4})"
    r"|(?P<y2>\d{4})\s*[-/ ]?\s*q(?P<q2>[1-4])"
    r"|(?P<q3>[1-4])\s*q\s*(?P<y3>\d{4}))$",
    # A quarter or half named in words: II kvartal 2020, 2. kvartal 2020., 3rd quarter 2020.
    "part_word": r"^(?:(?P<n>[1-4])(?:\.|st|nd|rd|th)?|(?P<r>iv|i{1,3})\.?)\s?(?:"
    r"(?P<quarter>kvartal|квартал|quartal|quarter|tromjese[čc]je|trome[sš]e[čc]je|тромесечје"
    r"|[çc]eyrek)|(?P<half>polugodi[šs]te|полугодиште|полугодие|halbjahr|half|half-year))"
    r"\s?(?P<y>\d{4})\.?$",
    "half": r"^(?:h(?P<h1>[12])\s*[-/ ]?\s*(?P<y1>\d{4})"
    r"|(?P<y2>\d{4})\s*[-/ ]?\s*h(?P<h2>[12])"
    r"|(?P<h3>[12])\s*h\s*(?P<y3>\d{4}))$",
    "serial": r"^(?P<n>\d{5})(?:\.0+)?$",
    # A month in Roman numerals: 15.VII.2020, 15. VII. 2020., 15 VII 2020, VII.2020, VII/2020.
    "roman": r"^(?:(?P<d>\d{1,2})(?:\.\s?|\s|-|/)(?P<r1>[ivx]+)(?:\.\s?|\s|-|/)"
    r"|(?P<r2>[ivx]+)(?:\.\s?|/))(?P<y>\d{4})\.?$",
}

_DOTTED_TIME = r"^(\d{1,2}\.\d{1,2}\.(?:\d{2}){1,2}\.?) \d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$"
#: A space after a dot between numbers, as in 15. 07. 2020. (but not before a time).
_DOT_SPACE = r"(?<=\d)\. (?=\d{1,2}\.|\d{4}\b)"
#: A dotted day with a two-digit year: 15.07.20 (00-49 this century, 50-99 the last).
_TWO_DIGIT_YEAR = r"^(?P<dm>\d{1,2}\.\d{1,2}\.)(?P<yy>\d{2})\.?$"


def _ymd(year, month, day) -> pd.Series:
    text = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")


def _month_number(names: pd.Series) -> pd.Series:
    """Month number (as text) of each month name or abbreviation; null for anything else."""

    def number(name) -> int | None:
        if not isinstance(name, str):
            return None
        return UNFOLDED_MONTHS.get(name) or MONTHS.get(fold(name))

    return names.map(number).astype("Int64").astype("string")


def parse_period(series: pd.Series, day_first: bool | None = True) -> pd.DataFrame:
    """First and last day of each cell's period and its precision; NaT/null where unreadable.

    ``day_first=None`` (the file's order is undecided) leaves dates whose day and month are
    both 12 or less unread, so they are quarantined rather than guessed. Each distinct text is
    parsed once: a column of dates repeats the same few hundred values.
    """
    return per_distinct(series, lambda texts: _parse_distinct(texts, day_first))


def _parse_distinct(series: pd.Series, day_first: bool | None) -> pd.DataFrame:
    text = blank_to_na(series).str.lower().str.replace(r"\s+", " ", regex=True)
    spaced = text.str.contains(". ", regex=False).fillna(False).astype(bool)
    text[spaced] = text[spaced].str.replace(_DOT_SPACE, ".", regex=True)
    index = series.index
    start = pd.Series(pd.NaT, index=index, dtype="datetime64[s]")
    end = start.copy()
    precision = pd.Series(pd.NA, index=index, dtype="string")

    def extract(cells: pd.Series, pattern: str, hint: str | None = None) -> pd.DataFrame:
        """``pattern``'s groups in the cells no earlier form has read (null elsewhere), among
        those matching ``hint`` (a pattern Arrow runs in C++) if given: a clean column
        runs the later forms' regexes, which run in Python, on no cell at all."""
        rest = cells.notna() & start.isna()
        if hint is not None:
            rest &= cells.str.contains(hint).fillna(False).astype(bool)
        rest = cells[rest]
        return rest.str.extract(pattern).reindex(index).astype("string")

    def put(found: pd.Series, first: pd.Series, last: pd.Series, level) -> None:
        ok = found & first.notna() & start.isna()
        start[ok] = first[ok]
        end[ok] = last[ok]
        precision[ok] = level if isinstance(level, str) else level[ok]

    # Years in one cell: 2019-2020, 2019/2020, a season or fiscal year 2019/20 (the next
    # year's two digits; 2011/12 is that too, never December 2011). From the first year's
    # 1 January to the last one's 31 December; a later year not after the first is unread.
    years = extract(text, _FORMS["years"], "^[0-9]{4} ?[-/–—]")
    y1 = years["y1"].astype("Float64")
    y2 = years["y2"].astype("Float64")
    season = years["yy"].astype("Float64") == (y1 + 1) % 100
    span = (y2 > y1).fillna(False) | season.fillna(False)
    last_year = y2.fillna(y1 + 1).astype("Int64").astype("string")
    first = _ymd(years["y1"], pd.Series("1", index=index), pd.Series("1", index=index))
    last = _ymd(last_year, pd.Series("12", index=index), pd.Series("31", index=index))
    put(span, first, last, "year")
    # 2020/07 is July (two digits not the next year's); 2020/2019 is nothing else either.
    text = text.mask(years["y2"].notna() & ~span)

    iso = text.str.extract(_FORMS["iso"])
    has = iso["y"].notna()
    first = _ymd(iso["y"], iso["m"].fillna("1"), iso["d"].fillna("1"))
    level = pd.Series("year", index=index, dtype="string")
    level = level.mask(iso["m"].notna(), "month").mask(iso["d"].notna(), "day")
    last = first.copy()
    last[level == "year"] = first[level == "year"] + pd.offsets.YearEnd(0)
    last[level == "month"] = first[level == "month"] + pd.offsets.MonthEnd(0)
    put(has, first, last, level)
    if not (text.notna() & start.isna()).any():
        # Every cell read as ISO (a clean column): the forms below would read no cell. Run
        # anyway, they took a 100,000-row chunk's two period columns 86-131 ms instead of 25.
        return pd.DataFrame({"start": start, "end": end, "precision": precision})

    # Excel's dotted day with a time (15.07.2020 10:30, 15.07.2020. 10:30:00) is that day.
    untimed = text.where(start.isna())
    timed = untimed.str.contains(":", regex=False).fillna(False).astype(bool)
    untimed[timed] = untimed[timed].str.replace(_DOTTED_TIME, r"\1", regex=True)
    short = extract(untimed, _TWO_DIGIT_YEAR, r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2}\.?$")
    last_century = (short["yy"] >= "50").fillna(False).astype(bool)
    century = pd.Series("20", index=index, dtype="string").mask(last_century, "19")
    untimed = untimed.mask(short["yy"].notna(), short["dm"] + century + short["yy"])
    # One separator throughout: 07-09/2020 is July to September (not read), not 7 September.
    one_separator = untimed.str.match(r" ?[0-9]{1,2}(?:\.[0-9]{1,2}\.|/[0-9]{1,2}/|-[0-9]{1,2}-)")
    one_separator = one_separator.fillna(False).astype(bool)
    dmy = extract(untimed.where(one_separator), DAY_MONTH_PATTERN)
    a, b = dmy["a"], dmy["b"]
    # Dotted dates (15.07.2020, the Balkan and German way) are day first whatever the file's
    # order: that order is the slash and dash dates' (07/15/2020 in a file merged from sources).
    dotted = untimed.str.match(r" ?[0-9]{1,2}\.").fillna(False).astype(bool)
    if day_first is None:
        clear = (a.astype("Float64") > 12) | (b.astype("Float64") > 12)
        day_first_rows = (a.astype("Float64") > 12).fillna(False) | dotted
        readable = clear.fillna(False) | dotted
    else:
        readable = dmy["year"].notna()
        day_first_rows = dotted | day_first
    day = a.where(day_first_rows, b)
    month = b.where(day_first_rows, a)
    first = _ymd(dmy["year"], month, day)
    put(readable & dmy["year"].notna(), first, first, "day")

    month_form = extract(text, _FORMS["month"])
    first = _ymd(month_form["y"], month_form["m"], pd.Series("1", index=index))
    put(month_form["y"].notna(), first, first + pd.offsets.MonthEnd(0), "month")

    named = extract(text, _FORMS["named"])
    month = _month_number(named["name"])
    first = _ymd(named["y"], month, pd.Series("1", index=index))
    put(named["y"].notna() & month.notna(), first, first + pd.offsets.MonthEnd(0), "month")

    named = extract(text, _FORMS["named_day"])
    day = named["d1"].fillna(named["d2"]).fillna(named["d3"])
    month = _month_number(named["n1"].fillna(named["n2"]).fillna(named["n3"]))
    year = named["y1"].fillna(named["y2"]).fillna(named["y3"])
    year = year.mask(year.str.len() == 2, "20" + year)  # Excel's d-mmm-yy: 15-Jul-20
    first = _ymd(year, month, day)
    put(month.notna(), first, first, "day")

    roman = extract(text, _FORMS["roman"])
    month = roman["r1"].fillna(roman["r2"]).map(ROMAN).astype("Int64").astype("string")
    first = _ymd(roman["y"], month, roman["d"].fillna("1"))
    last = first.where(roman["d"].notna(), first + pd.offsets.MonthEnd(0))
    level = pd.Series("month", index=index, dtype="string").mask(roman["d"].notna(), "day")
    put(month.notna(), first, last, level)

    quarter = extract(text, _FORMS["quarter"])
    q = quarter["q1"].fillna(quarter["q2"]).fillna(quarter["q3"])
    year = quarter["y1"].fillna(quarter["y2"]).fillna(quarter["y3"])
    first_month = ((q.astype("Float64") - 1) * 3 + 1).astype("Int64").astype("string")
    first = _ymd(year, first_month, pd.Series("1", index=index))
    put(q.notna(), first, first + pd.offsets.QuarterEnd(0), "quarter")

    # A half year is its two quarters: H1 2020 is 1 January to 30 June, precision quarter.
    words = extract(text, _FORMS["part_word"])
    part = words["n"].astype("Int64").fillna(words["r"].map(ROMAN).astype("Int64"))
    half = extract(text, _FORMS["half"])
    is_half = words["half"].notna() & (part <= 2).fillna(False)
    halves = half["h1"].fillna(half["h2"]).fillna(half["h3"]).astype("Int64")
    quarters = part.where(words["quarter"].notna())
    halves = halves.fillna(part.where(is_half))
    year = half["y1"].fillna(half["y2"]).fillna(half["y3"]).fillna(words["y"])
    months = (quarters - 1) * 3 + 1
    months = months.fillna((halves - 1) * 6 + 1).astype("string")
    first = _ymd(year, months, pd.Series("1", index=index))
    last = first + pd.offsets.QuarterEnd(0)
    last = last.mask(halves.notna().astype(bool), first + pd.DateOffset(months=6, days=-1))
    put(quarters.notna() | halves.notna(), first, last, "quarter")

    serial = extract(text, _FORMS["serial"])["n"].astype("Float64")
    first = EXCEL_EPOCH + pd.to_timedelta(serial.astype("float64"), unit="D")
    plausible = (serial >= 10000).fillna(False)  # 1927 onwards: not a year or a count
    put(plausible, first, first, "day")

    return pd.DataFrame({"start": start, "end": end, "precision": precision})
