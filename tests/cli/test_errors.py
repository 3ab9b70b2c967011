"""Every failure: one line on stderr naming the file, a documented exit status, no traceback.

The cases are the folders of tests/data/bad (its README.md lists each outcome). Each is run as
``python -m lcformer`` in a subprocess, as a user runs it. ``prepare`` does not import torch,
so each run takes about a second; one ``predict`` run checks the same path there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lcformer.cli import commands, exits, main

REPO = Path(__file__).resolve().parents[2]
BAD = REPO / "tests" / "data" / "bad"
LEGACY_RUN = REPO / "tests" / "fixtures" / "legacy-0.1.0" / "run"
EXIT_NOTHING, EXIT_USER, EXIT_INTERNAL, EXIT_INTERRUPTED = 1, 2, 3, 130


def lcformer(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LCFORMER_WORK_DIR": str(cwd / "work")}
    return subprocess.run([sys.executable, "-m", "lcformer", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def one_line(result: subprocess.CompletedProcess[str], status: int) -> str:
    """The single stderr line of a run that ended with ``status``."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == status, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# folder, the file the message must name, words it must hold
CASES = [
    ("ztf_columns", "lightcurves.csv",
     ["found columns ['objectId', 'mjd', 'mag', 'magerr', 'filtercode']",
      "expected ['id', 'time', 'mag']",
      "--columns id=objectId,time=mjd,err=magerr,band=filtercode (names guessed"]),
    # the flags too: mapped without them, flagged rows would be kept
    ("ztf_catflags", "lightcurves.csv",
     ["--columns id=objectId,time=mjd,err=magerr,band=filtercode,flag=catflags (names"]),
    ("empty_table", "lightcurves.csv", [":1: empty file", "header line id,time,mag"]),
    ("empty_labels", "labels.csv", [":1: empty file (0 bytes)", "header line id,class"]),
    ("empty_catalog", "catalog.csv", [":1: empty file (0 bytes)", "filename,class"]),
    ("corrupt_parquet", "lightcurves.parquet", ["cannot read as a table: ArrowInvalid"]),
    ("fits_image", "lightcurves.fits", ["cannot read as a FITS table", "No table found"]),
    ("flux", "lightcurves.csv", ["look like fluxes", "--flux", "--zero-point"]),
    ("conflicting_labels", "labels.csv", ["1 star(s) have rows with different class: s1"]),
]


@pytest.mark.parametrize(("case", "file", "words"), CASES, ids=[c[0] for c in CASES])
def test_prepare_refuses_with_one_line_naming_the_file(tmp_path, case, file, words) -> None:
    line = one_line(lcformer("prepare", BAD / case, "--quiet", cwd=tmp_path), EXIT_USER)
    assert line.startswith(f"lcformer: error: {BAD / case / file}"), line
    for word in words:
        assert word in line, (word, line)
    assert not (tmp_path / "work" / "prepared").exists() or not any(
        (tmp_path / "work" / "prepared").glob("*/manifest.json"))


@pytest.mark.parametrize(("case", "options", "kept", "words"), [
    ("ztf_columns", ["--columns", "id=objectId,time=mjd,mag=mag,err=magerr,band=filtercode"],
     "2 stars          3 curves", []),
    # Its fluxes of 0 and -12, of stars 140 errors bright, are failed measurements: dropped.
    ("flux", ["--flux", "--zero-point", "25"], "2 stars          2 curves           24 points",
     ["non_positive_flux          2"]),
    ("path_catalog", [], "2 stars          2 curves", []),
    # 12 of 24 rows flagged, among them all 8 of ZTF18a's zr curve.
    ("ztf_catflags", ["--columns", "id=objectId,time=mjd,mag=mag,err=magerr,band=filtercode,"
                                   "flag=catflags"], "2 stars          2 curves",
     ["3 curves           12 points (besides 12 flagged)", "flagged         12",
      "empty_curve          1"]),
], ids=["ztf_columns_mapped", "flux_converted", "path_catalog", "ztf_flags"])
def test_prepare_reads_what_it_is_told(tmp_path, case, options, kept, words) -> None:
    result = lcformer("prepare", BAD / case, "--quiet", "--pad-short", *options, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert f"kept             {kept}" in result.stdout, result.stdout
    for word in words:
        assert word in result.stdout


def test_prepare_that_keeps_nothing_exits_1(tmp_path) -> None:
    """The research windows of 200 pairs and 12-point stars: every curve is too short (the
    default model's star views would keep them)."""
    line = one_line(lcformer("prepare", BAD / "path_catalog", "--quiet", "--model", "encoder",
                             cwd=tmp_path), EXIT_NOTHING)
    assert line.startswith("lcformer: nothing produced: kept 0 stars of path_catalog"), line
    assert "shorter_than_window 2" in line


def test_debug_shows_the_traceback_then_the_line(tmp_path) -> None:
    result = lcformer("--debug", "prepare", BAD / "empty_labels", "--quiet", cwd=tmp_path)
    assert result.returncode == EXIT_USER
    assert "Traceback" in result.stderr and "InputError" in result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        f"lcformer: error: {BAD / 'empty_labels' / 'labels.csv'}:1: empty file")
    after = lcformer("prepare", BAD / "empty_labels", "--quiet", "--debug", cwd=tmp_path)
    assert "Traceback" in after.stderr  # after the command too


@pytest.mark.skipif(not (LEGACY_RUN / "best.safetensors").is_file(), reason="no legacy model")
def test_predict_refuses_a_corrupt_parquet_in_one_line(tmp_path) -> None:
    table = BAD / "corrupt_parquet" / "lightcurves.parquet"
    line = one_line(lcformer("predict", LEGACY_RUN, table, "--quiet", "--out",
                             tmp_path / "p.csv", cwd=tmp_path), EXIT_USER)
    assert line.startswith(f"lcformer: error: {table}: cannot read as a table"), line
    assert not (tmp_path / "p.csv").exists()


# ---------------------------------------------------------------------- in-process: the rest
def test_usage_errors_are_one_line_too(capsys) -> None:
    for argv in (["prepare"], ["prepare", "x", "--window", "many"],
                 ["prepare", "x", "--columns", "time"], ["no-such-command"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == EXIT_USER
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and err.startswith("lcformer: error: "), err
    with pytest.raises(SystemExit):
        main(["prepare", "x", "--columns", "id=star,time=star"])
    assert "is named for two roles" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "words"), [
    (["train", "synthetic", "--threads", "-2"], "--threads: must be at least 1, got -2"),
    (["prepare", "synthetic", "--jobs", "0"], "--jobs: must be at least 1, or -1 for all "
                                               "cores, got 0"),  # no internal error
    # the steps set these per row; --fold was also taken for --folds, as an abbreviation
    (["ablation", "synthetic", "--fold", "time"], "unrecognized arguments: --fold time"),
    (["ablation", "synthetic", "--no-features"], "unrecognized arguments: --no-features"),
    # a user who gives train's options to baseline is told which knob it has
    (["baseline", "synthetic", "--threads", "1"], "prepare and baseline run in --jobs "
                                                  "processes"),
    (["prepare", "synthetic", "--threads=1"], "--threads is for the commands that run torch"),
])
def test_options_that_cannot_act_are_usage_errors(capsys, argv, words) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == EXIT_USER and words in capsys.readouterr().err


def test_star_view_options_for_a_window_model_are_refused(tmp_path, capsys) -> None:
    """They only made a second, identical cache folder of windows."""
    assert main(["train", "synthetic", "--model", "encoder", "--fold", "time", "--no-features",
                 "--work-dir", str(tmp_path)]) == EXIT_USER
    assert ("encoder reads token windows, and --fold, --no-features set the star views"
            in capsys.readouterr().err)
    assert not any(tmp_path.iterdir())  # refused before anything was prepared


def test_an_unexpected_exception_is_an_internal_error(monkeypatch, capsys) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("something\nunforeseen")

    monkeypatch.setattr(commands, "prepare_dataset", broken)
    assert main(["prepare", str(BAD / "path_catalog"), "--quiet"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.splitlines() == ["lcformer: internal error: RuntimeError: something; unforeseen; "
                                "rerun with --debug for the traceback (a bug: please report it)"]
    # under torchrun, a process other than rank 0 says its rank, as for a user's error
    _torchrun_rank(monkeypatch, "1")
    assert main(["train", str(BAD / "path_catalog"), "--quiet"]) == EXIT_INTERNAL
    assert capsys.readouterr().err.startswith(
        "lcformer: internal error (rank 1 of 2): RuntimeError: something; unforeseen")


def test_a_path_the_system_refuses_is_the_users_error_naming_it(tmp_path, capsys) -> None:
    """A work folder that is a file, an output whose folder cannot be made: exit 2 naming
    the path, before any work where it can be checked first (not an internal error)."""
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    assert main(["prepare", str(BAD / "path_catalog"), "--work-dir", str(a_file),
                 "--quiet"]) == EXIT_USER
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"lcformer: error: {a_file}"), err
    assert main(["predict", str(LEGACY_RUN), str(BAD / "path_catalog"), "--out",
                 str(a_file / "p.csv"), "--quiet"]) == EXIT_USER
    assert capsys.readouterr().err.splitlines() == [
        f"lcformer: error: {a_file / 'p.csv'}: cannot make its folder (File exists); give "
        f"--out a path you can write to"]


def test_an_output_named_like_a_folder_there_is_named(tmp_path) -> None:
    """An atomic write renames its temporary file onto the output: onto a folder of that
    name it fails for the rename, which must name the output, not its parent folder."""
    target = tmp_path / "predictions.csv"
    error = IsADirectoryError(21, "Is a directory", str(tmp_path / ".predictions.csv.x.tmp"),
                              None, str(target))
    assert exits._refused_path(error) == (f"{target}: is a folder; give the output a file "
                                          f"name")


def test_a_folder_to_write_that_is_a_file_is_named(tmp_path, capsys) -> None:
    a_file = tmp_path / "figures"
    a_file.write_text("")
    assert main(["describe", str(BAD / "path_catalog"), "--out", str(a_file)]) == EXIT_USER
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"lcformer: error: {a_file}: cannot be made a folder: it, or a folder above it, is a "
        f"file; give a folder's name")
    assert main(["describe", str(BAD / "path_catalog"), "--out", str(a_file / "sub")]) == EXIT_USER
    assert "figures/sub: it, or a folder above it, is a file" in capsys.readouterr().err
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert main(["describe", str(BAD / "path_catalog"), "--out", str(tmp_path / "dangling")]
                ) == EXIT_USER
    assert "dangling: cannot be made a folder" in capsys.readouterr().err


def test_a_full_disk_names_where_the_command_writes(monkeypatch, tmp_path, capsys) -> None:
    """A full disk's error names no file (pyarrow's: no errno either, only its text): the
    command's output is named instead."""
    partial = OSError(30, "Read-only file system", "/w/prepared/.eros1-a3e2.partial-5bce-1-x")
    assert exits._refused_path(partial) == (  # the output, not its temporary folder
        "/w/prepared: cannot write there (Read-only file system); give a folder you can write "
        "to")
    error = OSError(28, "No space left on device")
    assert exits._refused_path(error, "preds/") == (
        "preds/: cannot write there (No space left on device); free some space, or write "
        "elsewhere")
    short = OSError("190464 requested and 4064 written")  # numpy's np.save, disk full
    assert exits._refused_path(short, "w") == (
        "w: cannot write there (190464 requested and 4064 written: a write cut short, the "
        "disk full?); free some space, or write elsewhere")

    def full(*args, **kwargs):
        raise OSError("Error writing bytes to file. Detail: [errno 28] No space left on device")

    monkeypatch.setattr(commands, "prepare_dataset", full)
    assert main(["prepare", str(BAD / "path_catalog"), "--work-dir", str(tmp_path),
                 "--quiet"]) == EXIT_USER
    assert capsys.readouterr().err.startswith(f"lcformer: error: {tmp_path}: cannot write there")


def test_lcformers_warnings_are_one_line_others_name_their_source() -> None:
    import warnings

    before = warnings.formatwarning
    main(["info", "/nonexistent/run"])
    assert warnings.formatwarning is before  # restored for the Python that called main

    ours = Path(exits.__file__).parent.parent / "data" / "partitioned.py"
    assert exits._one_line_warning(UserWarning("star 's1' also has rows\nin another"),
                                   UserWarning, str(ours), 103) == (
        "lcformer: warning: star 's1' also has rows; in another\n")
    assert exits._one_line_warning("deprecated", UserWarning, "/x/sklearn/base.py", 7) == (
        warnings.formatwarning("deprecated", UserWarning, "/x/sklearn/base.py", 7))


@pytest.mark.parametrize(("argv", "words"), [
    (["--device", "gpu"], "--device must be auto, cpu, cuda or cuda:N, got 'gpu'"),
    (["--min-period", "-1"], "--min-period must be positive"),  # as the option is named
    (["--time-limit", "0"], "--time-limit must be positive, got 0.0"),
    # only an option that is the subject is renamed: "the research models" stays prose
    (["--model", "encoder", "--research", "--depth", "2"], "got --depth=2 (the research models"),
    (["--model", "encoder", "--research", "--position", "time"], "got --position time (leave "
                                                                  "--research out"),
    (["--min-period", "10", "--max-period", "1"], "--max-period (1.0) must exceed "
                                                   "--min-period"),
    # alone it would be ignored, and fluxes read as magnitudes
    (["--zero-point", "8.9"], "--zero-point converts fluxes to magnitudes: give --flux too"),
])
def test_impossible_values_are_the_users_error(tmp_path, capsys, argv, words) -> None:
    assert main(["train", str(BAD / "path_catalog"), "--work-dir", str(tmp_path), "--quiet",
                 *argv]) == EXIT_USER
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and words in err[0], err


@pytest.mark.parametrize(("command", "device", "words"), [
    ("train", "mps", "--device must be auto, cpu, cuda or cuda:N, got 'mps'"),
    ("predict", "mps", "--device must be auto, cpu, cuda or cuda:N, got 'mps'"),
    ("demo", "mps", "--device must be auto, cpu, cuda or cuda:N, got 'mps'"),
    ("demo", "cuda:99", "--device cuda:99: this machine has "),
])
def test_a_device_lcformer_cannot_use_is_refused_before_any_work(tmp_path, capsys, command,
                                                                 device, words) -> None:
    """mps (or xpu) passes torch.device() but no lcformer path supports it, and a CUDA
    device may be absent: exit 2 before any work (demo's check comes before it replaces the
    last demo's run folder), the same words from every command."""
    argv = {"train": ["train", str(BAD / "path_catalog")],
            "predict": ["predict", str(LEGACY_RUN), str(BAD / "path_catalog"), "--out",
                        str(tmp_path / "p.csv")],
            "demo": ["demo"]}[command]
    assert main([*argv, "--work-dir", str(tmp_path / "work"), "--device", device,
                 "--quiet"]) == EXIT_USER
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"lcformer: error: {words}"), line
    assert not (tmp_path / "work").exists()


def test_interrupted_is_130(monkeypatch, capsys) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "prepare_dataset", interrupted)
    assert main(["prepare", str(BAD / "path_catalog"), "--quiet"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "lcformer: interrupted\n"
    # train says how to continue, as on SIGTERM
    assert main(["train", str(BAD / "path_catalog"), "--quiet"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "lcformer: interrupted; rerun with --resume to continue\n"


def test_sigterm_stops_as_ctrl_c_does_says_so_and_is_143(monkeypatch, capsys) -> None:
    """A batch scheduler ends a job with SIGTERM: the run stops as on Ctrl-C (workers
    stopped, nothing half-written), with a line, exit 143."""
    import signal

    before = signal.getsignal(signal.SIGTERM)

    def terminated(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)  # as the scheduler sends it, mid-command
        raise AssertionError("not stopped by SIGTERM")

    monkeypatch.setattr(commands, "prepare_dataset", terminated)
    assert main(["prepare", str(BAD / "path_catalog"), "--quiet"]) == 143
    assert capsys.readouterr().err == "lcformer: terminated (SIGTERM); rerun to continue\n"
    assert signal.getsignal(signal.SIGTERM) == before  # put back for whoever called main
    # Under torchrun, rank 0 is ended so when another process fails (rank 1's missing data
    # folder, say): not a scheduler's end, and --resume may continue no run at all.
    _torchrun_rank(monkeypatch, "0")
    assert main(["train", str(BAD / "path_catalog"), "--quiet"]) == 143
    assert capsys.readouterr().err == (
        "lcformer: terminated (SIGTERM); rerun to continue (train: --resume continues it); "
        "under torchrun another process may have stopped first: its own line says why, and "
        "once that is fixed, rerun\n")


@pytest.mark.parametrize(("signal_name", "status"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_inside_a_c_calls_arguments_stops_as_elsewhere(monkeypatch, capsys,
                                                                 signal_name, status) -> None:
    """ctypes turns an exception raised while it converts a C call's arguments (finufft's,
    in the period search) into ArgumentError("argument 8: Terminated: "): a SIGTERM there
    (about 2 tries in 30) is still a SIGTERM, not an internal error, exit 3."""
    import ctypes
    import signal

    class Slow:
        @classmethod
        def from_param(cls, value):
            os.kill(os.getpid(), getattr(signal, signal_name))  # arrives mid-conversion
            return ctypes.c_int(0)

    def in_c_call(*args, **kwargs):
        call = ctypes.CDLL(None).abs
        call.argtypes = [Slow]
        call(1)
        raise AssertionError("not stopped")

    monkeypatch.setattr(commands, "prepare_dataset", in_c_call)
    assert main(["prepare", str(BAD / "path_catalog"), "--quiet"]) == status
    assert "internal error" not in capsys.readouterr().err


def test_a_killed_worker_process_is_said_not_called_a_bug(monkeypatch, capsys) -> None:
    """A --jobs worker killed by the system (out of memory) breaks the pool: said so, not
    "internal error ... a bug", exit 3."""
    from concurrent.futures.process import BrokenProcessPool

    def killed(*args, **kwargs):
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr(commands, "prepare_dataset", killed)
    assert main(["prepare", str(BAD / "path_catalog"), "--quiet"]) == EXIT_USER
    err = capsys.readouterr().err
    assert err.startswith("lcformer: error: a worker process of --jobs was killed, most often "
                          "by the system for want of memory: rerun with fewer --jobs")
    assert "internal error" not in err


@pytest.mark.parametrize("error", [
    MemoryError("Unable to allocate 29.6 MiB for an array with shape (62, 250, 250)"),
    ImportError("libtorch_cpu.so: failed to map segment from shared object"),
    RuntimeError("[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't allocate "
                 "memory: you tried to allocate 1000000 bytes"),
    OSError(12, "Cannot allocate memory")])
def test_out_of_memory_is_said_not_called_a_bug(monkeypatch, capsys, error) -> None:
    """Out of memory (a small laptop, ulimit -v) is no "internal error ... (a bug: please
    report it)", exit 3, and a library that could not be mapped is no "install it"; so
    too torch's allocator and fork's ENOMEM."""
    def short(*args, **kwargs):
        raise error

    monkeypatch.setattr(commands, "prepare_dataset", short)
    assert main(["train", str(BAD / "path_catalog"), "--quiet"]) == EXIT_USER
    err = capsys.readouterr().err
    assert err.startswith("lcformer: error: out of memory (")
    assert "--classes" in err and "a smaller --batch-size" in err and "more memory" in err
    assert err.count("\n") == 1 and "--debug" in err
    # The advice names only options the command has (baseline has no --batch-size)
    assert main(["baseline", str(BAD / "path_catalog"), "--quiet"]) == EXIT_USER
    err = capsys.readouterr().err
    assert "--classes" in err and "--batch-size" not in err


def test_an_error_like_memory_but_not_is_not_taken_for_it(monkeypatch, capsys) -> None:
    for error in (ImportError("no module x"),
                  ImportError("x.so: failed to map segment from shared object: Operation not "
                              "permitted")):  # a noexec mount, not memory
        monkeypatch.setattr(commands, "prepare_dataset",
                            lambda *a, error=error, **k: (_ for _ in ()).throw(error))
        assert main(["prepare", str(BAD / "path_catalog"), "--quiet"]) == EXIT_INTERNAL
        assert "out of memory" not in capsys.readouterr().err


def test_exit_statuses_are_the_documented_ones() -> None:
    assert (exits.EXIT_NOTHING, exits.EXIT_USER, exits.EXIT_INTERNAL,
            exits.EXIT_INTERRUPTED) == (EXIT_NOTHING, EXIT_USER, EXIT_INTERNAL,
                                        EXIT_INTERRUPTED)
    readme = (REPO / "README.md").read_text()
    for status in (EXIT_NOTHING, EXIT_USER, EXIT_INTERNAL, EXIT_INTERRUPTED):
        assert f"| {status} |" in readme
        assert f"  {status} " in exits.EXIT_STATUS


def test_every_option_has_help_with_its_default() -> None:
    import argparse

    parser = commands.build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, command in {"lcformer": parser, **sub.choices}.items():
        for action in command._actions:
            if isinstance(action, argparse._HelpAction | argparse._VersionAction
                          | argparse._SubParsersAction):
                continue
            assert action.help, (name, action.dest)
            if action.option_strings:  # positionals have no default
                assert "default" in action.help, (name, action.option_strings)


@pytest.mark.parametrize(("row", "words"), [
    # Every magnitude blank: cleaning keeps no curve, and the star views say so (they failed
    # inside with a KeyError, exit 3).
    ("{star},V,{t}.0,,0.05,0", "too_few_points 2"),
    # The err column mapped to flux errors (Gaia's flux_error): every point above --max-err.
    ("{star},G,{t}.0,15.{t},{e}.5,0", "errors above --max-err: if the err column holds flux "
                                      "errors"),
    # A column named flag that is no quality flag, non-zero everywhere.
    ("{star},G,{t}.0,15.{t},0.05,{e}", "empty_curve 2; most curves lost every point to a "
                                       "non-zero or true quality flag"),
])
def test_prepare_of_the_default_model_that_keeps_no_curve_exits_1(tmp_path, row,
                                                                   words) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    (folder / "labels.csv").write_text("id,class\na,x\nb,y\n")
    rows = [row.format(star=star, t=t, e=30 + t) for star in "ab" for t in range(20)]
    (folder / "lightcurves.csv").write_text("id,band,time,mag,err,flag\n" + "\n".join(rows)
                                            + "\n")
    line = one_line(lcformer("prepare", folder, "--quiet", cwd=tmp_path), EXIT_NOTHING)
    assert line.startswith("lcformer: nothing produced: kept 0 stars of nothing"), line
    assert words in line, line
    assert ("quality flag" in line) == ("flag" in words)  # no hint where flags did not do it
    if words == "too_few_points 2":  # flags dropped most points, but lost no curve: no hint
        rows = [f"{star},V,{t}.0,,0.05,{t % 4}" for star in "ab" for t in range(20)]
        (folder / "lightcurves.csv").write_text("id,band,time,mag,err,flag\n"
                                                + "\n".join(rows) + "\n")
        result = lcformer("prepare", folder, "--quiet", cwd=tmp_path)
        warning, line = result.stderr.splitlines()  # the flag's share is said apart from it
        assert warning.startswith("lcformer: warning: the flag column 'flag' drops most rows")
        assert result.returncode == EXIT_NOTHING
        assert "too_few_points 2" in line and "quality flag" not in line, line


def test_a_reader_that_stops_reading_ends_the_command_quietly(tmp_path) -> None:
    """`lcformer describe ... | head -1`: exit 141 (as a shell reports SIGPIPE), not an
    internal error."""
    env = {**os.environ, "LCFORMER_WORK_DIR": str(tmp_path / "work")}
    proc = subprocess.Popen([sys.executable, "-m", "lcformer", "describe", "synthetic",
                             "--out", str(tmp_path / "figures")], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"synthetic: 900 stars")
    proc.stdout.close()  # as head does after its line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == exits.EXIT_PIPE, err
    assert "internal error" not in err and "Traceback" not in err


def test_the_baseline_takes_min_period_for_a_window_models_stars() -> None:
    """Its features' periodogram reads --min-period whatever the model's inputs."""
    from lcformer.cli.commands import build_parser, prepare_config
    from lcformer.errors import ConfigError

    args = build_parser().parse_args(["baseline", "synthetic", "--model", "encoder",
                                      "--min-period", "0.5"])
    assert prepare_config(args, "encoder", baseline=True).periods.min_period == 0.5
    with pytest.raises(ConfigError, match="encoder reads token windows, and --min-period"):
        prepare_config(args, "encoder")


def _torchrun_rank(monkeypatch, rank: str) -> None:
    """torchrun's environment for ``rank`` of 2, without a process group (train's
    ``distributed.init`` is skipped): the other commands refuse torchrun, so train runs."""
    from lcformer.training import distributed

    for name, value in (("WORLD_SIZE", "2"), ("RANK", rank), ("LOCAL_RANK", rank)):
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(distributed, "init", lambda *args, **kwargs: False)


def test_another_torchrun_process_stopping_is_an_interruption(monkeypatch, capsys) -> None:
    """gloo's error when a peer dies is not this process's bug: --resume continues."""
    def peer_gone(*args, **kwargs):
        raise RuntimeError("[gloo/transport/tcp/pair.cc:553] Connection closed by peer "
                           "[127.0.0.1]:3487. This is typically caused by a remote worker "
                           "crashing.")

    monkeypatch.setattr(commands, "prepare_dataset", peer_gone)
    _torchrun_rank(monkeypatch, "1")
    assert main(["train", str(BAD / "path_catalog"), "--quiet"]) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err.startswith("lcformer: interrupted: another process of this torchrun stopped")
    # Not "--resume" alone: the other process may have stopped on an input error, before
    # any run.
    assert err.rstrip().endswith("its own line says why; once that is fixed, rerun (with "
                                 "--resume where the run had begun its epochs)")


@pytest.mark.parametrize(("rank", "prefix"), [("0", "lcformer: error: "),
                                              ("1", "lcformer: error (rank 1 of 2): ")])
def test_under_torchrun_every_rank_prints_its_error(monkeypatch, capsys, tmp_path, rank,
                                                    prefix) -> None:
    """A process other than rank 0 may meet an error rank 0 does not (a node without the data
    folder): it prints it, saying its rank."""
    _torchrun_rank(monkeypatch, rank)
    code = main(["train", str(tmp_path / "no_such_folder"), "--work-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_USER
    assert err.startswith(prefix) and err.count("\n") == 1, err
    monkeypatch.delenv("WORLD_SIZE")  # RANK alone (another launcher's, a user's) is no torchrun
    code = main(["prepare", str(tmp_path / "no_such_folder"), "--work-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_USER and err.startswith("lcformer: error: "), err


def test_nothing_kept_for_flags_names_the_bit_mask_and_flag_none() -> None:
    """Pan-STARRS's infoFlag is a bit mask, non-zero on good rows too: read as a flag it
    drops every row, and the hint must point at --flag-bits as well as at reading none."""
    from lcformer.data.report import DropReport

    report = DropReport()
    report.drop_points("flagged", 500)
    report.drop_curves("empty_curve", 40)
    hint = commands.nothing_left_hint(report)
    assert "--flag-bits" in hint and "give flag= in --columns (read none)" in hint
    report = DropReport()
    report.drop_points("large_err", 500)
    assert "--flag-bits" not in commands.nothing_left_hint(report)
    report.drop_curves("shorter_than_window", 234)  # their points are not among the points
    assert "shorter than a token window" in commands.nothing_left_hint(report)
    assert "--max-err" not in commands.nothing_left_hint(report)


def test_a_class_the_output_encoding_lacks_is_printed_escaped(tmp_path) -> None:
    """Windows writes a redirected output in cp1252, which lacks δ: a class "Delta Scuti
    (δ)" is printed as an escape, and the command succeeds."""
    table = tmp_path / "stars.csv"
    table.write_text("id,time,mag,class\n" + "".join(
        f"s{k},{t},{12 + 0.1 * (t % 3)},Delta Scuti (δ)\n" for k in range(2) for t in range(5)),
        encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "LCFORMER_WORK_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "lcformer", "describe", str(table)],
                            env=env, capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode("cp1252", "replace")
    assert b"Delta Scuti (\\u03b4)" in result.stdout


def test_a_stopped_predict_says_what_a_rerun_does(tmp_path, capsys) -> None:
    """One file's predictions are written at its end: nothing of them was, and a rerun starts
    again; a folder of Parquet partitions continues where it stopped."""
    import argparse

    import pandas as pd

    parts = tmp_path / "parts"
    parts.mkdir()
    pd.DataFrame({"id": ["a"], "time": [1.0], "mag": [12.0]}).to_parquet(parts / "p0.parquet")
    said = {name: exits._predict_again(argparse.Namespace(input=str(path)))
            for name, path in (("file", parts / "p0.parquet"), ("folder", parts))}
    assert said["file"].startswith(" (nothing written: one file's predictions are written at "
                                   "its end, so a rerun starts again")
    assert said["folder"] == " (a rerun continues where it stopped)"

    def stopped(error: type[BaseException]):
        def command(args):
            raise error
        return command

    for path, tail in ((parts / "p0.parquet", said["file"]), (parts, said["folder"])):
        args = argparse.Namespace(command="predict", input=str(path))
        assert exits.run_command(stopped(exits.Terminated), args) == 143
        assert capsys.readouterr().err == f"lcformer: terminated (SIGTERM){tail}\n"
        assert exits.run_command(stopped(KeyboardInterrupt), args) == EXIT_INTERRUPTED
        assert capsys.readouterr().err == f"lcformer: interrupted{tail}\n"
