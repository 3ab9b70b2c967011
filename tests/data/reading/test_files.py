"""What the readers share about files: the small text tables beside the light curves."""

from __future__ import annotations

import re

import pandas as pd
import pytest


def test_a_small_tables_trailing_commas_shift_nothing_and_a_stray_value_is_named(
        tmp_path) -> None:
    """pandas takes the first column for an index where rows have one field more than the
    header: every id would be read as the class ('s0,RRL,' gives id RRL)."""
    import gzip
    import zipfile

    from lcformer.data.reading.files import read_str_table
    from lcformer.errors import InputError

    path = tmp_path / "labels.csv"
    path.write_text("id,class\ns0,RRL,\ns1,EB,\n")
    expected = {"id": ["s0", "s1"], "class": ["RRL", "EB"]}
    assert read_str_table(path, "labels table").to_dict("list") == expected
    with zipfile.ZipFile(tmp_path / "labels.csv.zip", "w") as archive:  # compressed alike
        archive.writestr("labels.csv", "id,class\ns0,RRL,\ns1,EB,\n")
    assert read_str_table(tmp_path / "labels.csv.zip", "x").to_dict("list") == expected
    path.write_text('"id","class"\n"1","s0","RRL"\n"2","s1","EB"\n')  # R's write.table
    assert read_str_table(path, "labels table").to_dict("list") == expected
    path.write_text("id,class\ns0,RRL,extra\ns1,EB\n")
    with pytest.raises(InputError, match=r"labels\.csv: data row 1 has 3 fields, the header 2: "
                                         r"its last field holds 'extra'$"):
        read_str_table(path, "labels table")
    packed = tmp_path / "labels.csv.gz"
    packed.write_bytes(gzip.compress(b"id,class\ns0,RRL,x\ns1,EB\n"))
    with pytest.raises(InputError, match=r"labels\.csv\.gz: data row 1 has 3 fields"):
        read_str_table(packed, "labels table")


def test_a_small_table_of_only_a_header_comes_back_empty_for_its_reader_to_judge(
        tmp_path) -> None:
    """read_str_table returns no rows for it, and its reader decides (labels_table, the
    catalogues), naming the file with no_rows: predict's labels are optional, so a
    labels.csv of its header alone must not stop it."""
    from lcformer.data.reading.files import no_rows, read_str_table

    path = tmp_path / "labels.csv"
    path.write_text("id,class\n\n")  # a blank line after it is no row either
    parquet = tmp_path / "labels.parquet"
    pd.DataFrame({"id": pd.Series([], dtype=str), "class": pd.Series([], dtype=str)}
                 ).to_parquet(parquet)
    for source, data in ((path, None), (tmp_path / "in.zip" / "catalog.csv", b"filename,class\n"),
                         (parquet, None)):
        table = read_str_table(source, "labels table", data=data)
        assert table.empty and len(table.columns) == 2
    assert no_rows(path) == f"{path}:1: only a header, no rows"
    # Parquet has neither lines nor a header line to point at.
    assert no_rows(parquet) == f"{parquet}: no rows"
    path.write_text("id,class\ns0,RRL\n")
    assert read_str_table(path, "labels table").to_dict("list") == {"id": ["s0"],
                                                                    "class": ["RRL"]}


@pytest.mark.parametrize(("data", "said"), [
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb7\xa6\xd1\x9e\xc8\x01",
     "is an Excel workbook"),
    ("id,class\n1,Mira\n".encode("utf-16"), "is UTF-16 text"),
    ("id,class\n1,C\xe9ph\xe9ide\n2,\xe9\n".encode("cp1252"), "is not UTF-8 text"),
    (b"id;class\n1;Mira\n2;RR Lyrae, FM\n", "values seem separated by ';'"),
])
def test_a_spreadsheets_table_says_what_to_save_it_as(tmp_path, data, said) -> None:
    """A labels.csv that went through Excel (a workbook renamed, UTF-16, cp1252, a
    European semicolon CSV) fails in pandas' words, which say nothing of the cause."""
    from lcformer.data.reading.files import read_str_table
    from lcformer.errors import InputError

    path = tmp_path / "labels.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=rf"labels\.csv: the labels table('s)? {said}.*CSV UTF-8"):
        read_str_table(path, "labels table")


def test_a_utf8_table_cut_inside_a_character_is_utf8(tmp_path) -> None:
    """The first 4,096 bytes may end inside an accented letter: still UTF-8, and a
    table's own trouble (an extra field) is said in pandas' words, not as an encoding."""
    from lcformer.data.reading.files import _spreadsheet_trouble

    head = ("id,class\n" + "x" * 4085 + "é").encode("utf-8")[:4096]
    assert _spreadsheet_trouble(tmp_path / "labels.csv", head, "labels table") is None


def test_a_byte_that_is_not_utf8_past_the_first_bytes_is_said_as_one(tmp_path) -> None:
    """A Latin-1 name on line 5,000 fails in pandas past the 4,096 bytes looked at: still
    "not UTF-8 text", with what to do, not a UnicodeDecodeError's position."""
    from lcformer.data.reading.files import read_str_table
    from lcformer.errors import InputError

    path = tmp_path / "labels.csv"
    path.write_bytes(b"id,class\n" + b"".join(b"s%d,Mira\n" % i for i in range(5000))
                     + "x,C\xe9ph\xe9ide\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"labels\.csv: the labels table is not UTF-8 text "
                                         r".*: save it .* as \"CSV UTF-8"):
        read_str_table(path, "labels table")


@pytest.mark.parametrize("head, said", [
    (b"\x1f\x8b\x08\x00" + bytes(20), "is compressed (gzip or xz), not CSV text: decompress "
                                       "it"),
    (b"\x93NUMPY\x01\x00v\x00{'descr'", "is not a text file (binary data)"),
    (b"PAR1\x15\x04\x15", "is Parquet data, not CSV text: write it as CSV (a light-curve "
                          "table can stay Parquet, named *.parquet)"),
])
def test_binary_data_named_csv_is_not_called_a_spreadsheets(tmp_path, head: bytes,
                                                             said: str) -> None:
    """A gzip, NumPy or Parquet file saved as labels.csv: not "a spreadsheet's CSV in a
    Windows encoding", which would send the user to Excel."""
    from lcformer.data.reading.files import read_str_table
    from lcformer.errors import InputError

    path = tmp_path / "labels.csv"
    path.write_bytes(head + bytes(range(128, 256)))
    with pytest.raises(InputError, match=re.escape(said)):
        read_str_table(path, "labels table")


def test_a_ctrl_z_after_a_small_tables_last_line_is_no_row(tmp_path) -> None:
    """A catalogue ending in DOS's end-of-file mark listed a file '\x1a' "not found", and
    predict exited 1; a labels file's error ended in an invisible character."""
    from lcformer.data.reading.files import read_str_table

    path = tmp_path / "catalog.csv"
    path.write_bytes(b"filename,class\r\na.dat,Mira\r\n\x1a")
    assert read_str_table(path, "catalogue").to_dict("list") == {"filename": ["a.dat"],
                                                                 "class": ["Mira"]}


def test_a_ctrl_z_row_is_named_as_one() -> None:
    """DOS's end-of-file mark, alone on the last line, shows as nothing in an editor."""
    from lcformer.data.reading.files import _misshapen

    assert "a Ctrl-Z byte" in (_misshapen(1, 4, 3, "\x1a") or "")
    assert "a Ctrl-Z byte" in (_misshapen(1, 4, 3, "\x1a\r\n") or "")
    assert _misshapen(1, 4, 3, "# a note") == "a row cut short, or a comment line?"
