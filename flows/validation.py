"""Validate a chunk with its Pandera model and split it into valid rows and failures.

The failures follow Pandera's own failure-case table (``column``, ``check``,
``failure_case``, ``index``), one row per broken rule per input row, so that the quarantine
can list every rule a row broke.
"""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa

from schemas import Contract
from schemas.common import CONTROL_CHARACTERS, UNREAD_RECORD_RULES

FAILURE_COLUMNS = ["row_number", "column_name", "rule", "failure_case"]

#: Pandera validates lazily but can stop short on a row; re-validating what is left until it
#: passes clean catches rows a first pass missed. Two passes are the norm.
MAX_PASSES = 5


class ContractError(Exception):
    """The chunk as a whole breaks the contract (e.g. a required column has the wrong type)."""


def validate_chunk(contract: Contract, typed: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(valid_rows, failures)`` for a typed chunk indexed by row number."""
    found: list[pd.DataFrame] = []
    remaining = typed
    for _ in range(MAX_PASSES):
        try:
            contract.model.validate(remaining, lazy=True)
            break
        except pa.errors.SchemaErrors as err:
            cases = err.failure_cases
            row_cases = cases[cases["index"].notna()]
            if row_cases.empty:
                raise ContractError(str(cases[["column", "check"]].to_dict("records"))) from err
            found.append(row_cases)
            remaining = remaining.drop(index=row_cases["index"].unique())
    else:
        raise ContractError(f"validation did not settle after {MAX_PASSES} passes")
    return remaining, _failure_table(found, typed)


def _failure_table(found: list[pd.DataFrame], typed: pd.DataFrame) -> pd.DataFrame:
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in FAILURE_COLUMNS}).astype(
            {"row_number": "int64"}
        )
    cases = pd.concat(found, ignore_index=True)
    # A dataframe-wide check is reported once per column: keep one line per row and rule.
    column_level = cases["schema_context"] == "Column"
    cases["column_name"] = cases["column"].where(column_level, None)
    cases["failure_case"] = cases["failure_case"].where(column_level, None)
    cases = cases.drop_duplicates(["index", "check", "column_name"])
    table = pd.DataFrame(
        {
            "row_number": cases["index"].astype("int64"),
            "column_name": cases["column_name"].astype("string"),
            "rule": cases["check"].astype("string"),
            "failure_case": cases["failure_case"].astype("string"),
        }
    )
    # number_unambiguous names the number column (price_point), not its helper column.
    table["column_name"] = table["column_name"].str.removesuffix("_ambiguous_text")
    # A helper column holding the sentence a rule wrote names no column of the file: the
    # reason shows the sentence alone ("currency is given in two columns that disagree: ...").
    sentences = table["column_name"].isin(SENTENCE_COLUMNS)
    table.loc[sentences, "column_name"] = None
    table["column_name"] = table["column_name"].replace(CELL_COLUMNS)
    table = _with_cells_judged(table, typed)
    # A record not split into columns is listed under that rule alone, not its blanks.
    unread_rule = table["rule"].isin(UNREAD_RECORD_RULES)
    table = table[unread_rule | ~table["row_number"].isin(table.loc[unread_rule, "row_number"])]
    return (
        _without_control_characters(table)
        .sort_values(["row_number", "rule"])
        .reset_index(drop=True)
    )


#: Helper columns of the models holding a sentence that says what is wrong, not a cell.
SENTENCE_COLUMNS = (
    "price_currency_text", "price_amount_text", "price_unit_text", "place_country_text",
    "repeated_column_text", "header_row_text", "record_error_text", "row_width_text",
    "beside_price_text", "price_part_text", "summary_row_text",
)  # fmt: skip
#: Helper columns holding a cell of the file as read, by the file's column.
CELL_COLUMNS = {"price_text": "price"}

#: Rules on one cell that are checked on the whole frame, as they compare the cell's text with
#: its typed value (``price_point_is_number``, ``period_start_is_date``): named for the column.
CELL_RULE_SUFFIXES = ("_is_number", "_is_date")


def _with_cells_judged(table: pd.DataFrame, typed: pd.DataFrame) -> pd.DataFrame:
    """The column and the text of the cell a frame-wide rule on one cell judged, as a column
    check's failure shows them: ``price_point_is_number`` (``price_point = 1.500,00 KM``)."""
    for rule in table["rule"].dropna().unique():
        column = rule.rsplit("_is_", 1)[0] if rule.endswith(CELL_RULE_SUFFIXES) else None
        text = f"{column}_text"
        if column is None or text not in typed:
            continue
        rows = table["rule"] == rule
        table.loc[rows, "column_name"] = column
        cells = typed[text].reindex(table.loc[rows, "row_number"]).to_numpy()
        table.loc[rows, "failure_case"] = pd.array(cells, dtype="string")
    return table


def _without_control_characters(table: pd.DataFrame) -> pd.DataFrame:
    """Failure cases as the quarantine may publish them: no raw control character.

    A ``text_printable`` failure names the cell's column as read (``price_low``, not
    ``price_low_text``) and shows only the control characters found (``\\x00``), never the
    text: the column may be one whose text is never published (notes). In any other failure
    case a control character is written as such an escape. Only failing cells are looked at.
    """
    printable = table["rule"].isin(["text_printable", "text_fits_a_cell"])
    table.loc[printable, "column_name"] = table.loc[printable, "column_name"].str.removesuffix(
        "_text"
    )
    # A cell too long for a spreadsheet is shown by its length alone: its text may be private,
    # and would be too long for the quarantine extract too.
    too_long = table["rule"] == "text_fits_a_cell"
    table.loc[too_long, "failure_case"] = table.loc[too_long, "failure_case"].map(
        lambda text: f"{len(text):,} characters", na_action="ignore"
    )
    printable &= ~too_long
    table.loc[printable, "failure_case"] = table.loc[printable, "failure_case"].map(
        lambda text: " ".join(
            _escape(c) for c in sorted(set(re.findall(CONTROL_CHARACTERS, text)))
        ),
        na_action="ignore",
    )
    dirty = table["failure_case"].str.contains(CONTROL_CHARACTERS, regex=True).fillna(False)
    table.loc[dirty, "failure_case"] = table.loc[dirty, "failure_case"].map(
        lambda text: re.sub(CONTROL_CHARACTERS, lambda found: _escape(found.group()), text)
    )
    return table


def _escape(character: str) -> str:
    return f"\\x{ord(character):02x}"


def rule_descriptions(contract: Contract) -> dict[str, str]:
    """Rule name -> the sentence a person reads, taken from the model's check docstrings."""
    schema = contract.model.to_schema()
    checks = [check for column in schema.columns.values() for check in column.checks]
    checks += list(schema.checks)
    return {check.name: (check.description or check.name) for check in checks}
