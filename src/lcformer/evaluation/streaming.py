"""Predict a survey partition by partition: bounded memory, one output per input, resumable.

Input: a folder of Parquet *partitions*, each a long table (``id, band, time, mag, err``, one
row per observation), as Dask,
Spark or LSDB write them. **Every star's rows must all be in one partition**: a star split
across partitions would be classified twice, on part of its points each time. This is checked
as it goes, at the cost of 12 bytes a star (a hash and its partition): a star met again in a
later partition stops the run with an error naming both files (repartition by id, e.g. Dask's
``ddf.shuffle("id")``, to fix it), after removing the outputs of the partitions holding
the split stars' rows (predicted from part of them), this run's or an earlier one's, so that
none of them passes for done.

Column names are mapped and fluxes converted as for one table (``ReadConfig``: ``--columns``,
``--flux``); input that looks like fluxes is refused.

Output: for each input partition ``NAME.parquet``, ``OUT/NAME.parquet`` (in the same folders
below ``OUT`` as below the input folder, for nested partitions) with one row per star
of it (:func:`~lcformer.evaluation.predict.all_stars_table`: the classified stars with their
probabilities and ``flag``, the others with an empty ``predicted`` and their ``reason``; each
with the input's ``label`` and ``split``, "" where it has none, and, of a model that keeps
its training stars' fingerprints, ``seen_in_training``), and that partition's drop
report in the file's metadata. ``pd.read_parquet(OUT)`` reads them all. The labelled stars'
rows of every output, an earlier run's too, are what the score against the input's labels
reads (:meth:`StreamSummary.labelled_stars`, one row a star).

* Memory is that of one partition plus the model inputs of ``chunk_stars`` stars: 1,000,000
  stars take what one partition takes (``benchmarks/scale.py`` measures it). Where the
  partitions carry labels, the score against them also keeps a row a labelled star.
* Each output appears atomically (written to a hidden temporary name, then renamed), so a
  killed run leaves only complete partitions and hidden debris, which the next run removes. A
  rerun skips the partitions whose output exists and was made from the input partition as it
  is now (:func:`input_fingerprint`, kept in the output's metadata), and gives the same folder
  as an uninterrupted run; a partition rewritten since (stars added, say) is predicted again,
  and how many is said on stderr. ``OUT/_predict.json`` records the model, the settings, the output
  columns and the readers' version; a rerun with others (or by an lcformer that reads
  fluxes, say, or writes its columns differently) is refused.
* One writer per output folder: two runs on the same folder would remove each other's
  temporary files.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lcformer import atomic
from lcformer.config import earlier_settings
from lcformer.data.fingerprints import fingerprints_of
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig, data_code_digest
from lcformer.data.reading import READERS_VERSION
from lcformer.data.reading.columns import distinct_ids
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.reading.files import first_few
from lcformer.data.reading.flux import to_magnitudes
from lcformer.data.reading.nested import list_columns, nested_columns
from lcformer.data.reading.partitions import SeenStars, walk_files
from lcformer.data.reading.tables import columns_said_once, read_long_table
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, ConfigMismatchError, InputError
from lcformer.evaluation.flags import FLAG_RULES, FLAGS, further_flags
from lcformer.evaluation.new_star_reading import trained_reading
from lcformer.evaluation.predict import (
    COUNT_COLUMNS,
    EPOCH_BAND,
    EPOCH_COLUMNS,
    PERIOD_COLUMNS,
    PREDICT_CHUNK_STARS,
    SEEN,
    FlagConfig,
    all_stars_table,
    band_columns,
    model_prepare_config,
    predict_stars,
    probability_column,
    with_input_labels,
)
from lcformer.evaluation.scoring import SCORE_COLUMNS
from lcformer.hardware import AUTO_DEVICE
from lcformer.models.inference import BATCH
from lcformer.workers import shared_workers

if TYPE_CHECKING:
    from lcformer.models.registry import Model

MANIFEST = "_predict.json"
METADATA_KEY = b"lcformer"
#: The text columns of an output partition ("" where empty), which a rerun reads back of the
#: partitions done: the summary's counts and the score against the input's labels.
STRING_COLUMNS = ("id", "predicted", "flag", "other_flags", "reason", "label", "split")


def unread_hive_columns(path: Path, columns: Columns) -> None:
    """Refuse a partition whose folders name a column it lacks (``band=I/part.0.parquet``, as
    Dask's ``partition_on`` writes): each file is read on its own, so its band would be
    lost, and its curves taken as the model's band."""
    import pyarrow.parquet as pq

    names = {name.lower() for name in columns.all}
    keys = {part.partition("=")[0] for part in path.parent.parts if "=" in part}
    named = {k for k in keys if k.lower() in names}  # folders naming a column: band=I
    missing = sorted(named - set(pq.read_schema(path).names)) if named else []
    if missing:
        raise InputError(f"{path}: its folders name {', '.join(missing)} (hive-style "
                         f"{missing[0]}=...), a column its rows lack; lcformer reads each "
                         f"partition's own columns: write them into the files (Dask: "
                         f"to_parquet without partition_on), or use classify_partitions on "
                         f"dd.read_parquet(folder)")


def output_names(paths: Sequence[Path], root: Path | None = None) -> list[Path]:
    """Each partition's output, relative to the output folder: its path below ``root`` (the
    input folder; default: the partitions' common folder): ``NAME.parquet`` for a flat folder,
    ``Norder=0/Npix=1.parquet`` keeping its folders, so partitions of one name in two folders
    stay apart."""
    if root is None:
        root = (paths[0].parent if len(paths) == 1 else
                Path(os.path.commonpath([p.parent for p in paths])))
    return [p.relative_to(root).with_suffix(".parquet") for p in paths]


def output_schema(metadata: dict[str, Any]) -> pd.DataFrame:
    """The empty table with the columns and dtypes of every output partition of a model:
    ``meta`` for Dask, and the form each partition is cast to."""
    columns: dict[str, Any] = {"id": str, "predicted": str, "probability": np.float64}
    columns |= {probability_column(c): np.float64 for c in metadata["classes"]}
    columns |= dict.fromkeys(COUNT_COLUMNS, np.int64)
    if model_prepare_config(metadata).inputs == "stars":
        columns |= dict.fromkeys((*PERIOD_COLUMNS, *EPOCH_COLUMNS), np.float64)
        columns[EPOCH_BAND] = str
    columns |= dict.fromkeys(band_columns(metadata), np.float64)
    # The input's own class and split of each star ("" where it has none), so that the
    # output can be scored against its labels: the same columns, labelled input or not.
    columns |= {"flag": str, "other_flags": str, "reason": str, "label": str, "split": str}
    if fingerprints_of(metadata) is not None:  # a model that knows its training stars
        columns[SEEN] = bool
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def conform(frame: pd.DataFrame, schema: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly the schema's columns and dtypes (unclassified stars: 0 windows,
    points and bands)."""
    frame = frame.reindex(columns=schema.columns)
    frame[list(COUNT_COLUMNS)] = frame[list(COUNT_COLUMNS)].fillna(0)
    for column in STRING_COLUMNS:  # (a column the frame lacks: NaN, then "")
        frame[column] = frame[column].astype(object).fillna("")
    if EPOCH_BAND in frame:  # (a star model's; an unclassified star: none)
        frame[EPOCH_BAND] = frame[EPOCH_BAND].astype(object).fillna("")
    if SEEN in frame:  # (an unclassified star: not known to be seen)
        frame[SEEN] = frame[SEEN].eq(True)
    return frame.astype(schema.dtypes.to_dict())


def read_partition(source: Path | pd.DataFrame, reading: ReadConfig,
                   report: DropReport) -> LightCurves:
    """One partition (a Parquet file, or a pandas long table from Dask) as light curves in
    magnitudes: the user's column names, fluxes converted or refused."""
    curves = read_long_table(source, columns=reading.columns, report=report)
    name = "a partition" if isinstance(source, pd.DataFrame) else str(source)
    return to_magnitudes(curves, reading, name, report)


def predict_frame(model: Model, metadata: dict[str, Any], lcs: LightCurves,
                  **options: Any) -> tuple[pd.DataFrame, DropReport]:
    """One partition's output table (every star, in input order) and its drop report;
    ``options`` go to :func:`~lcformer.evaluation.predict.predict_stars`."""
    result = predict_stars(model, metadata, lcs, **options)
    ids = pd.unique(pd.Series(lcs.ids, dtype=object))
    table = with_input_labels(all_stars_table(result, ids), lcs)  # (conform writes "" else)
    return conform(table, output_schema(metadata)), result.report


@dataclass
class StreamSummary:
    """What a partitioned prediction did, counted over every partition of the output (those of
    earlier, interrupted runs too)."""

    out_dir: Path
    partitions: int = 0  # input partitions
    skipped: int = 0  # whose output existed already, made from the input as it is now
    changed: int = 0  # whose output was made from another version of the input: redone
    unrecorded: int = 0  # of ``changed``: outputs of an earlier lcformer, input unrecorded
    redone: int = 0  # of ``changed``: predicted again and written (not those now unreadable)
    failed: list[str] = field(default_factory=list)  # unreadable partitions: no output
    stars: int = 0
    classified: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    further: Counter[str] = field(default_factory=Counter)  # stars per flag of other_flags
    reasons: Counter[str] = field(default_factory=Counter)  # unclassified stars per reason
    report: DropReport = field(default_factory=DropReport)
    seconds: float = 0.0  # this run's
    stars_now: int = 0  # stars predicted by this run
    # SCORE_COLUMNS of the labelled stars, per partition: what the score reads (a row a star)
    labelled: list[pd.DataFrame] = field(default_factory=list)

    @property
    def stars_per_second(self) -> float:
        return self.stars_now / self.seconds if self.seconds > 0 else float("nan")

    def redone_line(self) -> str | None:
        """What a rerun predicts again because its input changed, or None."""
        if not self.changed:
            return None
        older = (f"; {self.unrecorded:,} of them written by an earlier lcformer, which did not "
                 f"record its input" if self.unrecorded else "")
        return (f"{self.out_dir}: predicting {self.changed:,} partition(s) again: their input "
                f"changed since their output was made (size or modification time){older}")

    def add(self, table: pd.DataFrame, report: DropReport) -> None:
        self.stars += len(table)
        predicted = table["predicted"].to_numpy(dtype=object) != ""
        self.classified += int(predicted.sum())
        self.flags.update(f for f in table["flag"].tolist() if f)
        self.further.update(further_flags(table["other_flags"].tolist()))
        self.reasons.update(r for r in table["reason"].tolist() if r)
        self.report.merge(report)
        # (SEEN where the outputs have it: not those of a model without fingerprints)
        columns = [c for c in (*SCORE_COLUMNS, SEEN) if c in table]
        labelled = table.loc[table["label"].to_numpy(dtype=object) != "", columns]
        if len(labelled):
            self.labelled.append(labelled.reset_index(drop=True))

    def labelled_stars(self) -> pd.DataFrame:
        """One row per labelled star of every partition done (SCORE_COLUMNS, and SEEN where
        the outputs have it), as :func:`~lcformer.evaluation.scoring.score_labels` reads it
        (an output without SEEN among others with it: NaN, not known to be seen)."""
        if not self.labelled:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in SCORE_COLUMNS})
        return pd.concat(self.labelled, ignore_index=True)

    @property
    def unlabelled(self) -> int:
        """Stars of every partition done without a label (the score counts them)."""
        return self.stars - sum(len(table) for table in self.labelled)


def predict_partitions(model: Model, metadata: dict[str, Any],
                       paths: Sequence[str | Path], out_dir: str | Path, *,
                       reading: ReadConfig | None = None, device: str = AUTO_DEVICE,
                       batch_size: int = BATCH, pad_short: bool | None = None,
                       flags: FlagConfig | None = None, chunk_stars: int = PREDICT_CHUNK_STARS,
                       n_jobs: int = 1, progress: bool = True,
                       after_partition: Callable[[Path], None] | None = None,
                       root: str | Path | None = None) -> StreamSummary:
    """Predict every partition in ``paths`` into ``out_dir`` (see the module docstring).

    The model (a digest of its weights), its preparation and these settings are kept in
    ``out_dir/_predict.json``; a rerun must give the same. ``after_partition``: called with
    each output written. ``root``: the input folder, which outputs are named below (so that a
    rerun with partitions added names the earlier ones as before); default: the partitions'
    common folder.
    """
    out_dir = Path(out_dir)
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("no input partitions given")
    names = output_names(paths, None if root is None else Path(root))
    if len(set(names)) != len(names):
        raise InputError(f"{paths[0].parent}: two partitions share a name; outputs are named "
                         f"after their inputs")
    flags = flags or FlagConfig()
    trained = trained_reading(metadata)  # warns of a model trained on an earlier reading
    reading = reading or trained
    source = Path(root) if root is not None else Path(os.path.commonpath(
        [p.parent for p in paths]))
    _apart(out_dir, source)
    outputs = {path: out_dir / name for path, name in zip(paths, names, strict=True)}
    # One command at a time (two predicts started together would each claim the folder
    # before either wrote a partition, and fill it with both models' outputs).
    with atomic.one_writer(out_dir, "predictions"):
        _claim(out_dir, outputs, {"input": str(source.resolve()),
                         "weights_sha256": weights_digest(model),
                         "classes": list(metadata["classes"]),
                         "prepare": model_prepare_config(metadata).to_dict(),
                         "pad_short": pad_short, "flags": flags.to_dict(),
                         "flag_kinds": list(FLAGS),  # a folder's outputs flag alike
                         "flag_rules": FLAG_RULES,
                         "data_code": data_code_digest(),  # and fold at periods found alike
                         "reading": reading.to_dict(), "readers": READERS_VERSION,
                         "columns": list(output_schema(metadata).columns),
                         "outputs": "below the input folder" if root is not None else "below the "
                                    "partitions' common folder"})
        summary = StreamSummary(out_dir, partitions=len(paths))
        seen = SeenStars()
        # Given the input folder (as the CLI does), the outputs mirror it: those of partitions
        # no longer in it go. (Without it, ``paths`` may be some of a folder's partitions.)
        gone = _orphans(out_dir, set(outputs.values())) if root is not None else []
        if gone:
            print(f"{out_dir}: removed {len(gone):,} output(s) whose input partition is no longer "
                  f"in the input folder (removed or renamed since), so that the folder holds this "
                  f"input's predictions only: {first_few(gone, 3)}", file=sys.stderr)
        _refuse_split_stars_first(paths, reading.columns, outputs, progress)
        todo = _to_predict(outputs, seen, summary)
        redone = summary.redone_line()
        if redone:
            print(redone, file=sys.stderr)

        from lcformer.progress import tqdm

        options = {"device": device, "batch_size": batch_size, "pad_short": pad_short,
                   "flags": flags, "chunk_stars": chunk_stars, "n_jobs": n_jobs}
        began = time.perf_counter()
        # One pool of --jobs processes for all partitions (not one each, a second's start each).
        with (shared_workers(n_jobs), columns_said_once(),  # a column warning once, not each
              tqdm(total=len(todo), unit="partition", desc="predict", disable=not progress) as bar):
            for path, out in todo:
                report, existed = DropReport(), out.is_file()  # existed: its input changed
                made_from = input_fingerprint(path)  # before reading: a rewrite during it shows
                lcs = _read_partition(path, reading, report)
                if lcs.n_curves == 0 and report.problems:
                    if out.is_file():  # made from the input before it changed: wrong now
                        out.unlink()
                        report.problems[-1] += (f" (its output {out}, made before the input "
                                                f"changed, was removed)")
                    summary.failed.append(report.problems[-1])
                    summary.report.merge(report)
                    bar.update(1)
                    continue
                refuse_split_stars(seen, lcs.ids, path, outputs)
                table, predicted = predict_frame(model, metadata, lcs, **options)
                report.merge(predicted)
                write_output(table, report, out, source=path, made_from=made_from)
                summary.redone += existed
                summary.add(table, report)
                summary.stars_now += len(table)
                summary.seconds = time.perf_counter() - began
                bar.set_postfix_str(f"{summary.stars_now:,} stars, "
                                    f"{summary.stars_per_second:,.0f} stars/s", refresh=False)
                bar.update(1)
                if after_partition is not None:
                    after_partition(out)
        summary.seconds = time.perf_counter() - began
        return summary


def _to_predict(outputs: dict[Path, Path], seen: SeenStars, summary: StreamSummary
                ) -> list[tuple[Path, Path]]:
    """The (input, output) pairs still to predict; an output made from its input as it is
    now is kept, its stars and counts added to ``summary``."""
    todo = []
    for path, out in outputs.items():
        if out.is_file():
            table, report, made_from = read_output(out)
            if made_from is not None and made_from == input_fingerprint(path):
                refuse_split_stars(seen, table["id"].to_numpy(dtype=object), path, outputs)
                summary.add(table, report)
                summary.skipped += 1
                continue
            summary.changed += 1  # unknown (no record) counts as changed: never a stale output
            summary.unrecorded += made_from is None
        todo.append((path, out))
    return todo


def _read_partition(path: Path, reading: ReadConfig, report: DropReport) -> LightCurves:
    """A partition's curves, or none where it cannot be used whole (unreadable, fluxes
    refused, rows without a star id): then ``report`` says why, and no output is written,
    so that the next run retries it."""
    lcs, usable = LightCurves.empty(), True
    try:
        unread_hive_columns(Path(path), reading.columns)
        lcs = read_long_table(path, columns=reading.columns, report=report)
        # Fluxes refused (or --flux): this partition fails, the others go on. (Not through
        # read_partition: the curves read before a refusal are counted as not predicted.)
        lcs = to_magnitudes(lcs, reading, str(path), report)
    except InputError as error:
        report.problem(str(error))
        usable = False
    if report.points["missing_id"]:  # rows lost: retried once fixed
        usable = False  # (the reader's problem names the file, its row and count)
    if not usable:  # the curves it was read into are not predicted either: counted
        report.drop_curves("in_a_partition_not_predicted", lcs.n_curves)
        lcs = LightCurves.empty()
    return lcs


def _orphans(out_dir: Path, current: set[Path]) -> list[Path]:
    """Remove (and return) the outputs in ``out_dir`` that no input partition of this run
    names: their stars are gone from the input, or now in a partition of another name, and
    ``pd.read_parquet(out_dir)`` would still read them, some twice. Only files lcformer wrote
    (its metadata key in the Parquet footer) are outputs."""
    import pyarrow.parquet as pq

    def ours(path: Path) -> bool:
        try:
            return METADATA_KEY in (pq.read_schema(path).metadata or {})
        except (OSError, ValueError):
            return False

    stale = sorted(p for p in walk_files(out_dir) if p.suffix == ".parquet" and p not in current
                   and ours(p))
    for path in stale:
        path.unlink()
    return stale


def _apart(out_dir: Path, inputs: Path) -> None:
    """Refuse an output folder that is, holds or lies in the input folder: outputs would be
    read as partitions (and judged changed, or gone, and removed) on the next run."""
    out, source = out_dir.resolve(), inputs.resolve()
    if out == source or source in out.parents or out in source.parents:
        raise ConfigError(f"--out {out_dir}: the output folder and the input folder {inputs} "
                          f"overlap (one is, or holds, the other); give an output folder "
                          f"outside the input")


def _refuse_split_stars_first(paths: Sequence[Path], columns: Columns,
                              outputs: dict[Path, Path], progress: bool = False) -> None:
    """Every partition's star ids, read alone, checked before any partition is predicted
    (:func:`refuse_split_stars`): a HATS catalogue can hold a star at a pixel's edge whose first
    part would be predicted, and kept, when the run stops at another clash. A partition whose
    ids cannot be read alone, or that holds no light curves (a labels file among them), is
    checked as it is read. ``progress``: a bar of its own (a pass over 100,000 stars can
    take 1.7 s on a busy machine before the first output, so minutes at survey size)."""
    from lcformer.progress import tqdm

    seen = SeenStars()
    for path in tqdm(paths, desc="star ids", unit="partition", leave=False,
                     disable=not progress or len(paths) < 2):
        if (ids := _ids_alone(path, columns)) is not None:
            refuse_split_stars(seen, ids, path, outputs)


def _ids_alone(path: Path, columns: Columns) -> np.ndarray | None:
    """A Parquet partition's distinct star ids, read from its id column alone, as text as the
    readers take them (stripped; a float column of whole numbers as integers); None where
    the file has no top-level id column, no time and magnitudes beside it (flat, in bands or
    nested), folders naming a column it lacks, or cannot be read so."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        unread_hive_columns(path, columns)
        schema = pq.read_schema(path)
        names = list(schema.names)
        named = columns.resolve(names)
        points = ({named.time, *(mag for _, mag, _ in named.mags)} <= set(names)
                  or bool(nested_columns(schema, columns) or list_columns(schema, columns)))
        if named.id not in names or not points:
            return None
        ids = pc.unique(pq.read_table(path, columns=[named.id]).column(named.id)
                        .combine_chunks()).to_pandas()
    except (OSError, ValueError, InputError, pa.ArrowException):
        return None
    return distinct_ids(ids).to_numpy()


def refuse_split_stars(seen: SeenStars, ids: np.ndarray, path: Path,
                       outputs: dict[Path, Path]) -> None:
    """Record the stars of partition ``path``, or stop on one met in an earlier partition: an
    :class:`InputError` after removing the outputs (``outputs``: input -> output) of the
    partitions that hold rows of the split stars, this run's or an earlier one's.

    Those were predicted from part of a star's rows (one band of two, say): wrong, and a
    rerun would keep them as done when only the later partition is fixed, so none stays."""
    message = seen.clash(ids, path)
    if message is None:
        return
    involved = [path, *seen.owners(ids)]
    removed = []
    for partition in dict.fromkeys(involved):
        out = outputs.get(partition)
        if out is not None and out.is_file():
            out.unlink()  # one unlink: the output is there, whole, or gone
            removed.append(str(out))
    if removed:
        message += (f"; removed the output(s) of the partitions holding split stars' rows "
                    f"(predicted from part of them): {first_few(removed, 3)}")
    raise InputError(message)


def weights_digest(model: Model) -> str:
    """SHA-256 of a model's weights (in state-dict order): the same digest, the same model."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def input_fingerprint(path: Path) -> dict[str, int] | None:
    """What an output partition was made from: its input's size in bytes and modification time
    (ns), which make and rsync judge a file changed by (None if it cannot be read).

    A stat, not a hash: a rerun of a survey would otherwise read every partition only to skip
    it. Compared for equality, so any change counts, a time set back (``cp -p``, ``rsync -t``
    of an older copy) too, and a ``touch`` predicts again for nothing (the safe way to err). It
    misses only a rewrite to the very same size within the file system's time resolution
    (nanoseconds on ext4/XFS/APFS, 1-2 s on FAT and some network file systems)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return {"size": int(stat.st_size), "mtime_ns": int(stat.st_mtime_ns)}


def write_output(table: pd.DataFrame, report: DropReport, path: Path, source: Path,
                 made_from: dict[str, int] | None = None) -> Path:
    """One output partition, atomically, with its drop report and ``made_from`` (its input's
    :func:`input_fingerprint`, taken before it was read) in the Parquet metadata: one rename
    makes both appear, so an output never lacks the record of its input."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(table, preserve_index=False)
    extra = json.dumps({"source": source.name, "input": made_from,
                        "report": report.to_dict()}).encode()
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), METADATA_KEY: extra})
    with atomic.temporary_path(path) as tmp:
        pq.write_table(arrow, tmp)
    return path


def read_output(path: Path) -> tuple[pd.DataFrame, DropReport, dict[str, int] | None]:
    """An output partition's summary columns (and SEEN where it has it), its drop report and
    the fingerprint of the input it was made from (None: not recorded, as by lcformer before
    fingerprints)."""
    import pyarrow.parquet as pq

    try:
        seen = [SEEN] if SEEN in pq.read_schema(path).names else []
        stored = pq.read_table(path, columns=[*STRING_COLUMNS, *seen])
    except (OSError, ValueError) as error:  # pyarrow's errors are OSError / ValueError
        raise InputError(f"{path}: not a readable prediction partition ({error}); remove it "
                         f"to predict its input again") from None
    meta = json.loads((stored.schema.metadata or {}).get(METADATA_KEY) or b"{}")
    report = DropReport.from_dict(meta.get("report", {}))
    made_from = meta.get("input")
    return stored.to_pandas(), report, made_from if isinstance(made_from, dict) else None


def _differences(before: Any, now: dict[str, Any]) -> str:
    """The settings that differ, as ``name: old -> new`` (one level into a group such as
    ``flags``; a digest or a whole group just by its name)."""
    before = before if isinstance(before, dict) else {}
    parts = []
    for key in sorted(set(now) | set(before)):
        old, new = before.get(key), now.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            parts += [f"{key}.{k}: {old.get(k)!r} -> {new.get(k)!r}"
                      for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        elif isinstance(new, dict | list) or "sha256" in key:
            parts.append(f"{key} differ")
        else:
            parts.append(f"{key}: {old!r} -> {new!r}")
    return "; ".join(parts) or "unreadable record"


def _without_their_input(done: list[Path], outputs: dict[Path, Path]) -> list[Path]:
    """The outputs in ``done`` that no partition of ``outputs`` (input -> output) made as it is
    now: none of the same name, or one whose size or time changed."""
    import pyarrow.parquet as pq

    inputs = {out: path for path, out in outputs.items()}
    stale = []
    for out in done:
        path = inputs.get(out)
        try:
            meta = json.loads((pq.read_schema(out).metadata or {}).get(METADATA_KEY) or b"{}")
        except (OSError, ValueError):
            meta = {}
        if path is None or meta.get("input") != input_fingerprint(path):
            stale.append(out)
    return stale


def _claim(out_dir: Path, outputs: dict[Path, Path], settings: dict[str, Any]) -> None:
    """Make ``out_dir`` ours: record the settings, or check them against an earlier run's, and
    remove the temporary files a killed run left. ``outputs``: input -> output partition.

    An input folder that moved (a copy to a node's scratch disk, a link pointed elsewhere) is
    the same input when every finished output has its partition there, unchanged: the run
    continues (a requeued job staged to /scratch keeps its finished partitions)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{out_dir}: --out must be a folder for partitioned input")
    manifest = out_dir / MANIFEST
    settings = json.loads(json.dumps(settings, default=str))  # as it reads back
    done = ([p for p in out_dir.rglob("*.parquet") if not p.name.startswith(".")]
            if out_dir.is_dir() else [])
    if manifest.is_file() and done:
        try:
            before = json.loads(manifest.read_text())
        except ValueError:
            before = None
        if isinstance(before, dict) and isinstance(before.get("reading"), dict):
            # A reading setting added since, at its default, is no option given otherwise
            # (an older manifest's class_names None is no change to []).
            defaults = json.loads(json.dumps(ReadConfig().to_dict(), default=str))
            before["reading"] = {**{k: v for k, v in defaults.items()
                                    if k not in before["reading"]}, **before["reading"]}
        if (isinstance(before, dict) and before.get("input") != settings["input"]
                and {**before, "input": settings["input"]} == settings):
            stale = _without_their_input(done, outputs)
            if stale:
                raise ConfigMismatchError(
                    f"{out_dir}: holds predictions of the partitions in {before.get('input')}, "
                    f"and {len(stale):,} of its outputs have no unchanged partition of the same "
                    f"name in {settings['input']} ({first_few(stale, 2)}); give another --out "
                    f"folder, or remove it to start again")
            print(f"{out_dir}: continuing the predictions of {before.get('input')}, now read "
                  f"from {settings['input']}: every finished output's partition is there, "
                  f"unchanged (same name, size and modification time)", file=sys.stderr)
            atomic.write_json(manifest, settings)
            before = settings
        if before != settings:
            # What an update changes: these, and settings it added (at their defaults)
            code = {"data_code", "readers", "flag_rules", "flag_kinds", "columns"}
            defaults = json.loads(json.dumps(
                {"prepare": PrepareConfig().to_dict(), "reading": ReadConfig().to_dict(),
                 "flags": FlagConfig().to_dict()}, default=str))
            updated = isinstance(before, dict) and all(
                k in code or before.get(k) == settings[k]
                or (isinstance(before.get(k), dict) and isinstance(settings[k], dict)
                    and earlier_settings(before[k], settings[k], defaults.get(k, {})))
                for k in settings) and before.keys() <= settings.keys()
            earlier = ("by an earlier lcformer, " if isinstance(before, dict)
                       and "readers" not in before else
                       "by another version of lcformer's code (none of your options differ), "
                       if updated else "")
            raise ConfigMismatchError(
                f"{out_dir}: holds predictions made {earlier}with other settings "
                f"({_differences(before, settings)}); give another --out folder, or remove it "
                f"to start again")
    elif done:
        import pyarrow.parquet as pq

        try:
            ours = METADATA_KEY in (pq.read_schema(done[0]).metadata or {})
        except (OSError, ValueError):
            ours = False
        raise ConfigMismatchError(
            f"{out_dir}: holds predictions whose settings ({MANIFEST}) are gone; remove it "
            f"to start again, or give another --out folder" if ours else
            f"{out_dir}: holds Parquet files that lcformer predict did not write; give "
            f"another --out folder")
    else:  # no prediction yet (every partition failed, say): these settings from now on
        atomic.write_json(manifest, settings)
    # Killed writers' temporary files (Dask cannot read a folder holding one), by
    # remove_orphans' rule: a writer of this machine no longer running, others after a day
    for folder in {p.parent for p in out_dir.rglob(".*.tmp*") if atomic.is_temporary(p.name)}:
        atomic.remove_orphans(folder)
