"""The drop report: what it counts and how it prints them."""

from lcformer.data.report import NOT_READ, DropReport


def test_curves_never_read_are_printed_apart_from_those_dropped_after_reading() -> None:
    report = DropReport()
    report.drop_curves("unknown_class", 3)
    report.drop_curves("no_lightcurve", 2)  # labelled stars without points: never read
    report.problem("cat.csv:4: file 'x.dat' not found", "missing_file")
    lines = report.format().splitlines()
    dropped, not_read = lines.index("curves dropped:"), lines.index("curves not read:")
    assert lines[dropped + 1].split() == ["unknown_class", "3"]
    assert [line.split() for line in lines[not_read + 1:not_read + 3]] == [
        ["missing_file", "1"], ["no_lightcurve", "2"]]
    assert report.brief() == ("curves dropped: unknown_class 3; "
                              "curves not read: missing_file 1, no_lightcurve 2")
    assert report.n_curves_dropped == 6  # the counts themselves are unchanged
    assert set(NOT_READ) >= {"missing_file", "no_lightcurve"}


def test_a_report_of_curves_read_and_dropped_only_has_no_not_read_section() -> None:
    report = DropReport()
    report.drop_curves("too_few_points")
    assert "not read" not in report.format()
    assert report.brief() == "curves dropped: too_few_points 1"


def test_problems_past_the_ten_shown_are_saved_and_the_line_says_where(tmp_path) -> None:
    """'... and 124 more (see report)' names a report that predict and describe write too,
    or those problems are nowhere."""
    report = DropReport(problems=[f"star{i}.csv:2: bad" for i in range(13)])
    path = tmp_path / "out_problems.txt"
    assert report.save_problems(path) == path
    assert path.read_text().splitlines() == report.problems
    assert f"  ... and 3 more (all 13 in {path})" in report.format(saved=path)
    assert "  ... and 3 more (not shown)" in report.format()
    few = DropReport(problems=["a.csv:1: empty"])
    assert few.save_problems(path) is None and not path.exists()  # an earlier run's: gone
    assert "more" not in few.format()


def test_what_a_file_declares_is_kept_but_not_printed_as_a_change() -> None:
    report = DropReport()
    report.note("mag_column_in_a_magnitude_unit", 3)  # for --flux to refuse, later
    assert report.events["mag_column_in_a_magnitude_unit"] == 3
    assert report.format() == "nothing dropped"


def test_why_stars_are_outside_the_training_range_is_kept_not_printed_as_a_change() -> None:
    """The flag's line says why, not 'changed, not dropped'."""
    from lcformer.data.report import UNLIKE_EVENT

    report = DropReport()
    report.note(UNLIKE_EVENT + "without_u", 48)
    report.note("band_from_folder_name", 2)
    assert "without_u" not in report.format() and "band_from_folder_name" in report.format()
    assert DropReport.from_dict(report.to_dict()).events[UNLIKE_EVENT + "without_u"] == 48
