"""Reading measurements from CSV: good files, and errors that name file, line and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from capacity.exceptions import DataFileError
from capacity.points import read_points_csv


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "points.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_columns_in_any_order_skipping_blank_lines_and_other_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, " Throughput ,run,concurrency\n10.5,a,1\n\n19,b,2\n19.5,c,2\n")
    points = read_points_csv(path)
    assert points.concurrency == (1.0, 2.0, 2.0)
    assert points.throughput == (10.5, 19.0, 19.5)
    assert points.source == str(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty file"),
        ("users,rps\n1,2\n", r":1: header 'users,rps' lacks column\(s\) concurrency, throughput"),
        ("concurrency,throughput\n1,2\n2,lots\n", r":3: throughput='lots' is not a number"),
        ("concurrency,throughput\n1,2\n-2,3\n", r":3: concurrency='-2' must be a finite number > 0"),
        ("concurrency,throughput\n1,2\n2,nan\n", r":3: throughput='nan' must be a finite number > 0"),
        ("concurrency,throughput\n1\n", r":2: expected 2 columns, got 1"),
    ],
)
def test_bad_files_name_the_line_and_value(tmp_path: Path, text: str, match: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(DataFileError, match=match) as caught:
        read_points_csv(path)
    assert str(caught.value).startswith(str(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such file"):
        read_points_csv(tmp_path / "absent.csv")
