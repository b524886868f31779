"""The data dictionary is generated from the database's own comments, so the two never drift."""

from __future__ import annotations

import pytest

from flows.dictionary import DEFAULT_OUT, main, write_dictionary


@pytest.fixture
def built(fixture_workspace, prefect_server):
    fixture_workspace.run()
    return fixture_workspace


def test_every_table_and_column_comment_is_in_the_dictionary(built, tmp_path):
    out = write_dictionary(built.marts, tmp_path / "marts.md")
    text = out.read_text(encoding="utf-8")
    for table, comment in built.query(
        "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = current_database()"
    ):
        assert f"### `{table}`" in text
        if comment:
            assert comment in text, table
    for table, column, comment in built.query(
        "SELECT table_name, column_name, comment FROM duckdb_columns()"
        " WHERE database_name = current_database() AND comment IS NOT NULL"
    ):
        assert f"| `{column}` |" in text and comment.replace("|", "\\|") in text, (table, column)
    # Reference tables carry no comments: the dictionary says where they come from.
    assert "From `data/reference/corridors.csv`, loaded as it is" in text


def test_the_committed_dictionary_matches_a_fresh_build(built, tmp_path):
    fresh = write_dictionary(built.marts, tmp_path / "marts.md").read_text(encoding="utf-8")
    assert DEFAULT_OUT.read_text(encoding="utf-8") == fresh, (
        "docs/marts.md is stale: run `spotprices run` then `python -m flows.dictionary`"
    )


def test_no_database_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no published marts"):
        main(["--marts-dir", str(tmp_path), "--out", str(tmp_path / "marts.md")])
    assert not (tmp_path / "marts.md").exists()
