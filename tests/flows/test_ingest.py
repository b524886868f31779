"""Ingesting one file: its chunks are typed, validated and spooled on threads while the reader
reads on, and the spool is the same as one thread would write; a file that turns out
unreadable partway fails whole, with nothing left spooled."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from bench.generate import generate
from flows.config import settings_from
from flows.discover import FileItem, file_hash
from flows.ingest import FileResult, ingest_file, spool_path

NAME = "prices/synthetic.csv"


def _settings(tmp_path, threads: int):
    settings = settings_from(raw_dir=tmp_path / "raw", marts_dir=tmp_path / "marts")
    return replace(settings, chunk_rows=1_000, chunk_threads=threads)


def _item(settings) -> FileItem:
    path = settings.raw_dir / NAME
    return FileItem(NAME, "prices", "new", file_hash(path), path.stat().st_size)


def _spooled(result, kind: str) -> pd.DataFrame:
    parts = sorted(result.spool.glob(f"{kind}-*.parquet"))
    return pd.concat([pd.read_parquet(part) for part in parts], ignore_index=True)


def test_chunks_validated_on_threads_spool_what_one_thread_spools(tmp_path):
    generate(12_000, tmp_path / "raw" / NAME, seed=7, bad_share=0.05)
    item = _item(_settings(tmp_path, 1))
    one = ingest_file(_settings(tmp_path, 1), item, "serial")
    two = ingest_file(_settings(tmp_path, 2), item, "threads")

    assert two.error is None
    assert two.rows_read == 12_000
    assert two.rows_valid + two.rows_failed == two.rows_read
    assert 200 < two.rows_failed < 2_000  # 5 % bad rows, quarantined by name
    assert (two.rows_valid, two.rows_failed) == (one.rows_valid, one.rows_failed)
    assert len(list(two.spool.glob("valid-*.parquet"))) == 12
    for kind in ("raw", "valid", "failures"):
        pd.testing.assert_frame_equal(_spooled(two, kind), _spooled(one, kind))
    rows = _spooled(two, "raw")["row_number"]
    assert rows.is_monotonic_increasing and rows.is_unique  # in file order, none twice


def test_a_file_unreadable_partway_fails_whole_and_leaves_nothing_spooled(tmp_path):
    path = generate(12_000, tmp_path / "raw" / NAME, seed=7)
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) * 9 // 10) + 1  # after ten chunks have gone to threads
    path.write_bytes(data[:cut] + b"SYN-X,people,\xff\xfe not UTF-8\n" + data[cut:])
    settings = _settings(tmp_path, 2)
    item = _item(settings)

    result = ingest_file(settings, item, "partway")

    assert result.failed
    assert result.rows_read >= 9_000  # chunks were validated before the reader got there
    assert "does not decode" in result.error
    assert not spool_path(settings, "partway", item).exists()


def _pasted(tmp_path, second_header) -> FileResult:
    """A synthetic file with a second export pasted below row 1,500: the header
    ``second_header`` makes of the file's own header, then its rows; ingested."""
    path = generate(3_000, tmp_path / "raw" / NAME, seed=7)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:1_500] + [second_header(lines[0])] + lines[1_500:]))
    settings = _settings(tmp_path, 2)
    return ingest_file(settings, _item(settings), "pasted")


def test_an_export_pasted_with_its_header_quarantines_that_row_alone(tmp_path):
    result = _pasted(tmp_path, lambda header: header.upper())  # the same header, as row 1,501

    assert result.error is None
    assert result.rows_read == 3_001 and result.rows_valid + result.rows_failed == 3_001
    failures = _spooled(result, "failures")
    assert failures.loc[failures["row_number"] == 1_501, "rule"].tolist() == ["row_is_header"]
    assert failures["rule"].eq("row_is_header").sum() == 1
    staged = _spooled(result, "valid")
    assert staged["row_number"].max() == 3_002  # the rows below it are read


def test_an_export_pasted_with_its_columns_in_another_order_fails_the_file(tmp_path):
    def swapped(header: bytes) -> bytes:
        cells = header.split(b",")
        cells[4], cells[6] = cells[6], cells[4]  # destination_country before origin_country
        return b",".join(cells)

    result = _pasted(tmp_path, swapped)

    assert result.error == (
        "row 1501 starts a second table with other columns (column 5 is destination_country"
        " where row 1 has origin_country): put it in its own file or sheet"
    )
    assert result.spool is None and not list((tmp_path / "marts").rglob("*.parquet"))


def test_the_layout_names_each_currency_a_price_header_names_under_its_column(tmp_path):
    # Cijena (KM) and Price (EUR) are one column read in two currencies; the layout said
    # "price in BAM, price_dup in EUR", a name no file or mart has.
    path = tmp_path / "raw" / NAME
    path.parent.mkdir(parents=True)
    path.write_text(
        "obs_id,flow,commodity,market_level,origin_country,destination_country,date,unit,"
        "source_title,Cijena (KM),Price (EUR)\n"
        "K1,people,smuggling_service,service,BA,HR,2020-05,per_person,S,1500,\n"
        "K2,people,smuggling_service,service,BA,HR,2020-05,per_person,S,,800\n",
        encoding="utf-8",
    )
    settings = _settings(tmp_path, 1)
    result = ingest_file(settings, _item(settings), "layout")
    assert (result.rows_valid, result.rows_failed) == (2, 0)
    assert result.layout.endswith("; currency named by the header: price in BAM, price in EUR")
