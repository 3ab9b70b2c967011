"""A trained model as an ONNX graph, for serving the classifier without torch.

The graph is the classifier only: its inputs (star views or windows, and for star models the
per-star values of the period search, shape fit and light-curve features) are made by
lcformer (:func:`lcformer.data.samples.make_samples`), so serving still needs lcformer's
preparation, or a faithful port of it, in front of the graph.

``lcformer export RUN model.onnx`` writes the model's classifier: the per-sample arrays the
model reads (the output of :func:`lcformer.data.samples.make_samples`, which the reader and
the period search of ``lcformer predict`` produce) in, class log-probabilities out:

========  ======================  =======  ==============================================
name      shape                   type     what
========  ======================  =======  ==============================================
tokens    (batch, T, F)           float32  a sample's tokens (a star view, or a window)
mask      (batch, T)              bool     True on real tokens
extra     (batch, n_extra)        float32  per-star values, NaN if unknown (star models)
log_probs (batch, n_classes)      float32  log of the class probabilities
========  ======================  =======  ==============================================

The batch is dynamic; ``T`` is fixed by the model's preparation (``max_obs`` points of a
star view, or the tokens of a window). A star with several samples (chunks of a long star,
windows) is classified by the mean of its samples' probabilities, as lcformer does. The graph
carries ``classes``, the preparation and the lcformer version in its metadata
(``metadata_props``), so nothing else is needed to read its output.

torch's own exporter (``torch.onnx.export(dynamo=True)``, through ``onnxscript``; the
TorchScript one is deprecated) writes it at its default opset (18: at opset 23 the attention
becomes ONNX's ``Attention``, whose key mask onnxruntime 1.32 refuses). The period-aware and
attention models export; the recurrent ones (``lstm``, ``gru``) do not trace. The result is
checked against torch with onnxruntime before it is written, and refused if any output
differs by more than ``tolerance``. Install with ``pip install "lcformer[onnx]"``.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from lcformer import __version__, atomic
from lcformer.data.cleaning import clean
from lcformer.data.report import DropReport
from lcformer.data.samples import SampleInfo, Samples, make_samples
from lcformer.errors import ConfigError
from lcformer.evaluation.predict import model_prepare_config
from lcformer.models.inference import BATCH

if TYPE_CHECKING:
    from lcformer.models.registry import Model

INPUTS = ("tokens", "mask", "extra")
OUTPUT = "log_probs"
TOLERANCE = 1e-5
#: Samples of a run's prepared data the graph is checked on (a few seconds of CPU).
CHECK_SAMPLES = 512


@dataclass
class Exported:
    path: Path
    inputs: dict[str, tuple[str | int, ...]]  # name -> shape ("batch" is dynamic)
    max_difference: float  # largest |onnxruntime - torch| of the check
    checked_on: str  # the samples of the check, in words
    speeds: tuple[float, float]  # samples/s of the check's samples: onnxruntime, torch


class _Classify(torch.nn.Module):
    """The classifier alone, with the inputs as plain positional tensors."""

    def __init__(self, model: torch.nn.Module, with_extra: bool) -> None:
        super().__init__()
        self.model = model
        self.with_extra = with_extra

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor,
                extra: torch.Tensor | None = None) -> torch.Tensor:
        return self.model.classify(tokens, mask, extra if self.with_extra else None)


def require_onnx() -> None:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as error:
        raise ConfigError(f"ONNX export needs {error.name}: pip install \"lcformer[onnx]\"") \
            from None


def example_samples(metadata: dict[str, Any], n_stars: int = 6, seed: int = 0) -> Samples:
    """Model inputs of a few synthetic stars made the way ``predict`` makes them: real
    shapes and realistic values, to trace and to check the graph."""
    from lcformer.data.synthetic import SyntheticConfig, make_synthetic

    config = model_prepare_config(metadata)
    config = config.replace(tokens=config.tokens.replace(pad_short=True))  # short: one window
    lcs = make_synthetic(SyntheticConfig(n_per_class=max(1, n_stars // 3), seed=seed))
    bands = list(metadata.get("bands", []))
    if bands:  # the model's first band, so the band channels are used
        lcs = type(lcs)(lcs.ids, np.full(lcs.n_curves, bands[0], dtype=object), lcs.offsets,
                        lcs.time, lcs.mag, lcs.err)
    report = DropReport()
    cleaned, report = clean(lcs, config.cleaning, report)
    info = SampleInfo(bands, list(metadata.get("extra_names", [])), None,
                      metadata.get("feature_span"))
    samples, _ = make_samples(cleaned, config, report, info=info)
    return samples


def prepared_samples(run_dir: str | Path, n: int = CHECK_SAMPLES, seed: int = 0
                     ) -> Samples | None:
    """Up to ``n`` samples, drawn at random, of the prepared dataset a run was trained on (its
    stars of every class and band, as the model saw them), or None where it is gone."""
    from lcformer.data.prepared import PreparedDataset
    from lcformer.errors import LcformerError
    from lcformer.training.run_folder import read_run_config

    prepared = read_run_config(Path(run_dir)).get("dataset", {}).get("prepared")
    if not prepared or not Path(prepared).is_dir():
        return None
    try:
        data = PreparedDataset.open(prepared, verify=False)
    except LcformerError:
        return None
    count = len(data.window_curve)
    rows = np.sort(np.random.default_rng(seed).choice(count, min(n, count), replace=False))
    return Samples(np.asarray(data.tokens[rows]), np.asarray(data.mask[rows]),
                   np.asarray(data.window_curve[rows]), np.asarray(data.window_extra[rows]))


def export_onnx(model: Model, metadata: dict[str, Any], out: str | Path,
                tolerance: float = TOLERANCE, opset: int | None = None,
                check: Samples | None = None) -> Exported:
    """Write ``model`` as ONNX to ``out`` (atomically), after checking it against torch on
    ``check`` (:func:`prepared_samples`), or else on a few synthetic stars made for it."""
    require_onnx()
    out = Path(out)
    if out.suffix.lower() != ".onnx":
        raise ConfigError(f"{out}: an ONNX file is named *.onnx")
    # Before the export's work: a folder in the way, or a file where a folder must be.
    if out.is_dir():
        raise ConfigError(f"{out}: is a folder; give the ONNX file's name")
    blocking = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ConfigError(f"{out}: {blocking} is a file, not a folder")
    model = model.cpu().eval()
    with_extra = bool(getattr(model.config, "n_extra", None) or 0)
    samples = example_samples(metadata)
    arrays = {"tokens": samples.tokens, "mask": samples.mask, "extra": samples.extra}
    names = INPUTS if with_extra else INPUTS[:2]
    shapes = {n: ("batch", *arrays[n].shape[1:]) for n in names}
    example = tuple(torch.from_numpy(np.ascontiguousarray(arrays[n])) for n in names)
    batch = torch.export.Dim("batch", min=1)
    wrapper = _Classify(model, with_extra).eval()
    with atomic.temporary_path(out) as tmp, _quiet():
        try:
            program = torch.onnx.export(
                wrapper, example, None, dynamo=True, input_names=list(names),
                output_names=[OUTPUT], opset_version=opset, verbose=False,
                dynamic_shapes=tuple({0: batch} for _ in names))
        except Exception as error:  # torch.export cannot trace it (the recurrent models)
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ConfigError(f"{out}: torch's ONNX exporter cannot export the "
                              f"{model.config.name} model ({type(error).__name__}: {first}); "
                              f"the periodic and attention models can be exported") from None
        _describe(program.model, metadata)
        program.save(str(tmp))
        checked_on = f"{len(samples.curve)} synthetic example stars"
        if check is not None and len(check.curve):
            arrays = {"tokens": check.tokens, "mask": check.mask, "extra": check.extra}
            checked_on = f"{len(check.curve):,} samples of the run's prepared data"
        difference = check_onnx(tmp, model, {n: arrays[n] for n in names})
        if not difference <= tolerance:
            raise ConfigError(f"{out}: the ONNX graph differs from torch by {difference:.2g} "
                              f"(more than {tolerance:g}); not written")
        speeds = speeds_on(tmp, model, {n: arrays[n] for n in names})
    return Exported(out, shapes, difference, checked_on, speeds)


def _describe(graph: Any, metadata: dict[str, Any]) -> None:
    """What a user of the graph needs: classes, preparation, version (ONNX metadata_props)."""
    graph.metadata_props.update({
        "lcformer_version": __version__,
        "classes": json.dumps(list(metadata["classes"])),
        "bands": json.dumps(list(metadata.get("bands", []))),
        "extra_names": json.dumps(list(metadata.get("extra_names", []))),
        "prepare": json.dumps(model_prepare_config(metadata).to_dict()),
        "model": json.dumps(metadata.get("model", {})),
        "output": f"{OUTPUT}: log class probabilities, columns in the order of classes",
    })


def onnx_session(path: str | Path, threads: int | None = None) -> Any:
    """An onnxruntime CPU session of an exported graph (``threads``: intra-op threads)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_log_probs(session: Any, tokens: np.ndarray, mask: np.ndarray,
                   extra: np.ndarray | None = None, batch_size: int = BATCH) -> np.ndarray:
    """(n, n_classes) log-probabilities from an exported graph, in batches."""
    names = {i.name for i in session.get_inputs()}
    out = []
    for start in range(0, len(tokens), batch_size):
        rows = slice(start, start + batch_size)
        feed = {"tokens": np.ascontiguousarray(tokens[rows], np.float32),
                "mask": np.ascontiguousarray(mask[rows], bool)}
        if "extra" in names and extra is not None:
            feed["extra"] = np.ascontiguousarray(extra[rows], np.float32)
        out.append(session.run([OUTPUT], feed)[0])
    return np.concatenate(out) if out else np.empty((0, 0), np.float32)


@torch.no_grad()
def check_onnx(path: str | Path, model: Model,
               arrays: dict[str, np.ndarray]) -> float:
    """Largest |onnxruntime - torch| of the log-probabilities on ``arrays``."""
    session = onnx_session(path, torch.get_num_threads())  # (as torch's: --threads)
    got = onnx_log_probs(session, arrays["tokens"], arrays["mask"], arrays.get("extra"))
    inputs = [torch.from_numpy(np.ascontiguousarray(arrays[n])) for n in INPUTS if n in arrays]
    expected = model.eval().classify(*inputs).numpy()
    return float(np.max(np.abs(got - expected))) if got.size else 0.0


def speeds_on(path: str | Path, model: Model,
              arrays: dict[str, np.ndarray]) -> tuple[float, float]:
    """Samples/s (wall clock, after a first run of each) of onnxruntime and of torch as
    ``predict`` runs it (:func:`window_probabilities`), on ``arrays``, with this process's
    threads: what the graph buys on this machine. benchmarks/export.py measures it at
    length."""
    from lcformer.models.inference import window_probabilities

    session = onnx_session(path, torch.get_num_threads())  # (as torch's: --threads)
    runs = {"onnxruntime": lambda: onnx_log_probs(session, arrays["tokens"], arrays["mask"],
                                                  arrays.get("extra")),
            "torch": lambda: window_probabilities(model, arrays["tokens"], arrays["mask"],
                                                  extra=arrays.get("extra"))}
    rates = []
    for run in runs.values():
        run()  # first plans, caches
        began = time.perf_counter()
        run()
        rates.append(len(arrays["tokens"]) / max(time.perf_counter() - began, 1e-9))
    return rates[0], rates[1]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter's progress lines and warnings (torchvision absent, deprecations) are not
    the user's business: a failure still raises."""
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch._dynamo", "torch.export",
                                              "onnxscript")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
