"""The training loop: one explicit function, no framework.

Per epoch: set the learning rate, reseed, run the batches, evaluate the validation stars, keep
the best checkpoint (star-level validation macro-F1) and the last one (with the optimizer), stop
early if asked, or when the next epoch would end past the time limit. Each epoch is seeded
from (seed, epoch), so a run resumed from its last checkpoint continues with exactly the random
numbers the uninterrupted run would have used (a time limit is wall-clock time, so where it
stops depends on the machine's speed).

The autoencoder models add reconstruction epochs: Model 2 (``ae_frozen``) pretrains for
``pretrain_epochs`` and then trains only the head; Model 3 (``ae_finetune``) alternates rounds
of ``alternate_every`` reconstruction and classification epochs with everything trainable.

Under ``torchrun`` (:mod:`lcformer.training.distributed`) every rank runs this same loop on
the same data: each global batch of ``batch_size`` samples, from the one seeded permutation,
is split between the ranks, DistributedDataParallel averages their gradients, and each rank's
loss is its share of the global batch's loss (a sum over its samples divided by the global
batch's normaliser, times the number of ranks), so a step is the single-process step. Rank 0
validates, sends the epoch's history row to the others (so all agree on the best epoch and on
stopping early) and writes the run folder.
"""

from __future__ import annotations

import csv
import io
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from lcformer import atomic
from lcformer.data.splits import SampleSet, class_weights
from lcformer.errors import CorruptFileError, RunNotFoundError, TrainingDivergedError
from lcformer.evaluation.metrics import classification_metrics
from lcformer.hardware import hardware, pick_device
from lcformer.models.inference import star_level, trim_padding, window_probabilities
from lcformer.models.periodic import PeriodicClassifier
from lcformer.progress import tqdm
from lcformer.training import distributed
from lcformer.training.checkpoints import load_checkpoint, save_checkpoint
from lcformer.training.config import TrainConfig
from lcformer.training.run_folder import BEST_FILE, HISTORY_FILE, LAST_FILE

if TYPE_CHECKING:
    from lcformer.models.registry import Model

Phase = Literal["classify", "reconstruct"]


class EpochLogger(Protocol):
    """Where train() also reports each epoch (lcformer.reporting.tensorboard.TensorBoardLogger)."""

    def epoch(self, row: dict[str, Any], confusion: np.ndarray | None) -> None: ...


@dataclass
class TrainResult:
    history: list[dict[str, Any]] = field(default_factory=list)
    # An index into history (0-based): its row's "epoch" is the epoch's number (1-based).
    best_epoch: int | None = None
    best_score: float = -math.inf
    stopped_early: bool = False
    time_limit_reached: bool = False  # stopped before its planned epochs by the time limit
    # Stopped because the trees gave the network no share for ``patience`` epochs.
    network_unneeded: bool = False
    # Seconds the run spent in earlier processes (killed, then resumed): with this one's, the
    # run's whole training time.
    earlier_seconds: float = 0.0
    # [first epoch, hardware in words] of each stretch of epochs a process ran: more than one
    # where a run was resumed on another device or number of threads.
    ran_on: list[list[Any]] = field(default_factory=list)

    def hardware(self, now: str) -> str:
        """``now`` (this process's hardware), with the earlier stretches' where they differ
        (an ensemble's members' stretches one after the other: the hardware alone)."""
        texts = list(dict.fromkeys(text for _, text in self.ran_on))
        if len(texts) < 2:
            return now
        firsts = [first for first, _ in self.ran_on]
        if firsts != sorted(set(firsts)):  # several members' epochs
            return f"{now} (resumed; on {'; then '.join(texts)})"
        ends = [first - 1 for first, _ in self.ran_on[1:]] + [None]
        parts = [f"epochs {first}-{end}: {text}" if end else f"epochs {first} on: {text}"
                 for (first, text), end in zip(self.ran_on, ends, strict=True)]
        return f"{now} (resumed; {'; '.join(parts)})"


def epoch_plan(pretrain: str | None, config: TrainConfig) -> list[Phase]:
    """What each epoch trains: classification, or reconstruction for the autoencoders."""
    if pretrain == "frozen":
        return ["reconstruct"] * config.pretrain_epochs + ["classify"] * config.epochs
    if pretrain == "finetune":
        k = config.alternate_every
        return [("reconstruct" if (e // k) % 2 == 0 else "classify") for e in range(config.epochs)]
    return ["classify"] * config.epochs


def learning_rate(config: TrainConfig, epoch: int, n_epochs: int) -> float:
    if config.schedule == "step":
        return config.lr * config.lr_decay ** (epoch // config.lr_decay_every)
    if epoch < config.warmup_epochs:
        return config.lr * (epoch + 1) / config.warmup_epochs
    progress = (epoch - config.warmup_epochs) / max(n_epochs - config.warmup_epochs, 1)
    return config.lr * 0.5 * (1 + math.cos(math.pi * progress))


def train(
    model: Model,
    train_set: SampleSet,
    val_set: SampleSet | None,
    classes: list[str],
    config: TrainConfig,
    run_dir: str | Path | None = None,
    metadata: dict[str, Any] | None = None,
    resume: bool = False,
    progress: bool = True,
    stop_after: int | None = None,
    logger: EpochLogger | None = None,
    runs_after: int | None = 0,
    share: Callable[[Model], float] | None = None,
) -> TrainResult:
    """Train ``model`` in place and leave it holding the best (or last) weights.

    With ``run_dir``, checkpoints ``best.safetensors`` and ``last.safetensors`` and
    ``history.csv`` are written there; ``resume=True`` continues from ``last``.
    ``stop_after`` ends after that many epochs in this call (used to test resuming).
    ``logger`` gets each epoch's history row (and the validation stars' confusion matrix)
    once the run folder has it. ``runs_after``: how many more runs like this one follow it
    (an ensemble's members), for the hint a long run prints; None: no hint (a later member).
    ``share``: for a network fused with trees, the weight the trees would give it now
    (:class:`lcformer.training.fitting.NetworkShare`). When it was 0 for ``patience`` epochs in a
    row the network stops: the trees do not need it, and more epochs would cost time only.
    """
    device = pick_device(config.device)
    model.to(device)
    run_dir = Path(run_dir) if run_dir is not None else None
    parallel = distributed.is_distributed()
    writes = run_dir is not None and distributed.is_main()  # under torchrun only rank 0
    step: tuple[tuple[Phase, bool], nn.Module] | None = None  # the DDP-wrapped step
    optimizer = make_optimizer(model, config)
    plan = epoch_plan(model.pretrain, config)
    result = TrainResult()
    metadata = dict(metadata or {})

    start = 0
    last_epoch = 0.0  # seconds of the last epoch done, its saves included
    session_began = time.perf_counter()
    ran_on = hardware(str(device), distributed.world_size())
    if resume:
        start, result, last_epoch = _restore(run_dir, model, optimizer)
        if distributed.is_main():  # said even when quiet (else it looks like a new run)
            print(f"--resume: {run_dir}: {start} of {len(plan)} epochs were done; continuing "
                  f"from epoch {start + 1}" if start < len(plan) else
                  f"--resume: {run_dir}: all {len(plan)} epochs were done", file=sys.stderr)
        before = result.ran_on[-1][1] if result.ran_on else None
        if before not in (None, ran_on) and start < len(plan) and distributed.is_main():
            # (a resume without --threads takes all cores, say)
            print(f"--resume: epochs 1-{start} ran on {before}, these on {ran_on}: sums taken "
                  f"in another order differ in their last bits, so the result may differ "
                  f"slightly from an uninterrupted run's; resume with the same --threads and "
                  f"--device to reproduce it", file=sys.stderr)
    if start < len(plan) and (not result.ran_on or result.ran_on[-1][1] != ran_on):
        result.ran_on.append([start + 1, ran_on])

    weights = loss_class_weights(train_set, len(classes), config, device)
    best_state: dict[str, torch.Tensor] | None = None
    start, since_best, unneeded = _where_it_stood(result, config, start, len(plan), last_epoch)
    # Seconds spent, saves included, as the last checkpoint records them: with a time limit,
    # rank 0's clock, broadcast, so that every rank stops at the same epoch.
    spent = result.earlier_seconds
    # Updated by hand after each epoch: an iterated bar counts an epoch only when the next
    # one begins, so an early stop showed one epoch fewer than ran.
    bar = tqdm(desc="train", disable=not progress or not distributed.is_main(), unit="epoch",
               initial=start, total=len(plan))
    for epoch in range(start, len(plan)):
        phase = plan[epoch]
        lr = learning_rate(config, epoch, len(plan))
        for group in optimizer.param_groups:
            group["lr"] = lr
        epoch_seed = config.seed * 100_003 + epoch  # dropout and shifts: new each epoch
        torch.manual_seed(epoch_seed)
        rng = np.random.default_rng([config.seed, epoch])
        frozen = model.pretrain == "frozen" and phase == "classify"
        for p in model.encoder_parameters():
            p.requires_grad_(not frozen)

        began = time.perf_counter()
        if parallel:
            # DDP syncs what is trainable when it wraps the step: wrap anew when that changes
            # (one wrapper at a time: DDP misbehaved when two took turns on one model).
            if step is None or step[0] != (phase, frozen):
                step = None
                step = ((phase, frozen), wrap_step(model, phase, device))
            loss = run_epoch_distributed(model, step[1], train_set, optimizer, phase,
                                         config, weights, rng, device, epoch_seed)
        else:
            loss = run_epoch(model, train_set, optimizer, phase, config, weights, rng, device)
        row: dict[str, Any] = {"epoch": epoch + 1, "phase": phase, "lr": lr, "train_loss": loss}
        scores, confusion = _validation_scores(model, val_set, classes, config, weights,
                                               device, phase, loss, share)
        row |= scores
        row["seconds"] = round(time.perf_counter() - began, 3)
        row = distributed.broadcast_json(row)  # rank 0's validation: all ranks agree
        _check_finite(row, config, run_dir)
        result.history.append(row)

        score = epoch_score(row, phase, loss)
        improved = phase == "classify" and score > result.best_score
        if improved:
            result.best_score, result.best_epoch = score, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            if writes:
                save_checkpoint(run_dir / BEST_FILE, model,
                                metadata | {"epoch": epoch + 1, "score": score})
        since_best, unneeded = patience_counts(result)
        now = _seconds_so_far(result, session_began, config)
        last_epoch, spent = now - spent, now
        if writes:
            _save_epoch(run_dir, model, optimizer, metadata, epoch, result, now, last_epoch)
        if logger is not None and distributed.is_main():
            logger.epoch(row, confusion)
        shown = {k: f"{v:.3f}" for k, v in row.items()
                 if k in ("train_loss", "val_loss", "val_macro_f1")}
        if config.time_limit is not None:  # the bar's estimate counts every planned epoch
            shown["time left"] = f"{max(0.0, 60.0 * config.time_limit - spent) / 60:.1f} min"
        bar.set_postfix(shown, refresh=False)
        bar.update(1)
        if epoch == start and not bar.disable and runs_after is not None and (
                hint := _long_run_hint(config, epoch, len(plan), row["seconds"], runs_after)):
            bar.write(hint, file=sys.stderr)
        stop = stop_reason(config, epoch, len(plan), since_best, unneeded, spent, last_epoch,
                           epochs_run=epoch + 1 - start, stop_after=stop_after)
        if stop == "patience":
            result.stopped_early = epoch + 1 < len(plan)  # not when no epoch was left
            result.network_unneeded = result.stopped_early and _unneeded(result, unneeded,
                                                                         config.patience)
        elif stop == "time_limit":
            result.time_limit_reached = True
        if stop is not None:
            break
    bar.close()

    if writes and result.history and start >= len(plan):  # a resumed run with no epoch left
        write_history(run_dir / HISTORY_FILE, result.history)  # (killed before it wrote it)
    for p in model.parameters():
        p.requires_grad_(True)
    best_state = _best_weights(best_state, run_dir)
    if best_state is not None and stop_after is None:  # (a partial run keeps its last ones)
        model.load_state_dict(best_state)
    return result


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """Adam, as the research code; with weight decay, AdamW (decoupled decay)."""
    if config.weight_decay:
        return torch.optim.AdamW(model.parameters(), lr=config.lr,
                                 weight_decay=config.weight_decay)
    return torch.optim.Adam(model.parameters(), lr=config.lr)


def loss_class_weights(train_set: SampleSet, n_classes: int, config: TrainConfig,
                       device: torch.device) -> torch.Tensor:
    """The class weights of the loss (or of the sampler), from the classes an epoch sees: of
    every sample, or of every star with ``one_chunk_per_star``."""
    counted = (train_set.labels[np.unique(train_set.star, return_index=True)[1]]
               if config.one_chunk_per_star else train_set.labels)
    return torch.tensor(class_weights(counted, n_classes), dtype=torch.float32, device=device)


def _validation_scores(model: Model, val_set: SampleSet | None,
                       classes: list[str], config: TrainConfig, weights: torch.Tensor,
                       device: torch.device, phase: Phase, loss: float,
                       share: Callable[[Model], float] | None
                       ) -> tuple[dict[str, float], np.ndarray | None]:
    """What an epoch's history row gets from the validation stars (rank 0, classification
    epochs): the scores of :func:`validate` and, beside trees, the share they would give the
    network; with the validation confusion matrix. ({}, None) for other epochs."""
    if not (phase == "classify" and val_set is not None and len(val_set)
            and distributed.is_main()):
        return {}, None
    scores, confusion = validate(model, val_set, classes, config,
                                 weights if config.balance == "loss" else None, device)
    if share is not None and math.isfinite(loss) and math.isfinite(scores["val_loss"]):
        scores["network_weight"] = share(model)  # (diverged: stopped by _check_finite)
    return scores, confusion


def epoch_score(row: dict[str, Any], phase: Phase, loss: float) -> float:
    """What chooses the best epoch: the star-level validation macro-F1, or without validation
    stars the negative training loss; a reconstruction epoch is never the best."""
    return row.get("val_macro_f1", -loss if phase == "classify" else -math.inf)


def patience_counts(result: TrainResult) -> tuple[int, int]:
    """What patience counts, from the history (as the loop goes and on ``--resume`` alike):
    the classification epochs since the best, and the last ones in a row in which the trees
    gave the network no share (a reconstruction epoch changes neither)."""
    since_best = 0 if result.best_epoch is None else sum(
        row["phase"] == "classify" for row in result.history[result.best_epoch + 1:])
    return since_best, _epochs_without_share(result.history)


def _seconds_so_far(result: TrainResult, session_began: float, config: TrainConfig) -> float:
    """The run's training seconds until now, earlier processes' included; with a time limit
    rank 0's, so that every rank stops at the same epoch."""
    now = round(result.earlier_seconds + time.perf_counter() - session_began, 3)
    if config.time_limit is not None:
        now = float(distributed.broadcast_json(now))
    return now


StopReason = Literal["patience", "time_limit", "stop_after"]


def stop_reason(config: TrainConfig, epoch: int, n_epochs: int, since_best: int,
                unneeded: int, spent: float, last_epoch: float, epochs_run: int,
                stop_after: int | None) -> StopReason | None:
    """Why the loop stops after ``epoch`` (None: it goes on). ``patience``: that many epochs
    without a better one, or in a row in which the trees gave the network no share;
    ``time_limit``: one more epoch as long as the last would end past it; ``stop_after``:
    this call ran the epochs it was asked to (``epochs_run``)."""
    if config.patience is not None and (since_best >= config.patience
                                        or unneeded >= config.patience):
        return "patience"
    if epoch + 1 < n_epochs and _past_limit(config, spent, last_epoch):
        return "time_limit"
    if stop_after is not None and epochs_run >= stop_after:
        return "stop_after"
    return None


def _best_weights(best_state: dict[str, torch.Tensor] | None,
                  run_dir: Path | None) -> dict[str, torch.Tensor] | None:
    """The best weights: this call's best epoch's, else (a resumed run whose best came
    earlier) those of the run folder's best.safetensors; None where there are none."""
    if best_state is None and run_dir is not None and (run_dir / BEST_FILE).exists():
        return load_checkpoint(run_dir / BEST_FILE)[0]
    return best_state


def _where_it_stood(result: TrainResult, config: TrainConfig, start: int, n_epochs: int,
                    last_epoch: float) -> tuple[int, int, int]:
    """(first epoch to run, classification epochs since the best, epochs in a row in which
    the trees gave the network no share), as the uninterrupted loop counts them: a resumed
    run that had already stopped early or at its time limit runs no epoch (``start`` is
    ``n_epochs``), and says why in ``result``."""
    since_best, unneeded = patience_counts(result)
    if config.patience is not None and start < n_epochs and (
            since_best >= config.patience or unneeded >= config.patience):
        start, result.stopped_early = n_epochs, True
        result.network_unneeded = _unneeded(result, unneeded, config.patience)
    if start < n_epochs and _past_limit(config, result.earlier_seconds, last_epoch):
        start, result.time_limit_reached = n_epochs, True
    return start, since_best, unneeded


def _check_finite(row: dict[str, Any], config: TrainConfig, run_dir: Path | None) -> None:
    """Stop with a TrainingDivergedError where an epoch's loss is not finite: NaN weights
    would score as "always the first class", and be kept."""
    diverged = [k for k in ("train_loss", "val_loss") if not math.isfinite(row.get(k, 0.0))]
    if diverged:
        where = f"{run_dir}: " if run_dir is not None else ""
        clip = "" if config.clip_grad else " or clip the gradients (--clip-grad 1)"
        raise TrainingDivergedError(
            f"{where}training diverged at epoch {row['epoch']} ({diverged[0]} "
            f"{row[diverged[0]]}): the network's weights overflowed; lower --lr (now "
            f"{config.lr:g}){clip}")


def _restore(run_dir: Path | None, model: Model,
             optimizer: torch.optim.Optimizer) -> tuple[int, TrainResult, float]:
    """``--resume``: the weights and optimiser of ``last.safetensors``, and the epochs done,
    the history so far and the last epoch's seconds, as the interrupted run left them."""
    if run_dir is None or not (run_dir / LAST_FILE).exists():
        raise RunNotFoundError(f"nothing to resume: no last.safetensors in {run_dir}; "
                               f"start the run without --resume")
    last = run_dir / LAST_FILE
    state, saved, optim_state = load_checkpoint(last)
    training = saved.get("training")
    try:  # a verified checkpoint fits; an unverified (0.1.0) or foreign one may not
        model.load_state_dict(state)
        if optim_state is not None:
            optimizer.load_state_dict(optim_state)
        start = int(training["epochs_done"])
        # Checkpoints before this field: the epochs' own seconds, a slight undercount.
        earlier = training.get("seconds", sum(r.get("seconds", 0.0)
                                              for r in training["history"]))
        result = TrainResult(training["history"], training["best_epoch"],
                             training["best_score"], earlier_seconds=float(earlier),
                             ran_on=list(training.get("ran_on", [])))
        return start, result, float(training.get("last_epoch_seconds", 0.0))
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise CorruptFileError(f"{last}: not the last checkpoint of this run ({reason}); "
                               f"train again without --resume") from None


def _save_epoch(run_dir: Path, model: Model, optimizer: torch.optim.Optimizer,
                metadata: dict[str, Any], epoch: int, result: TrainResult, seconds: float,
                last_epoch: float) -> None:
    """``last.safetensors`` (what ``--resume`` continues from) and ``history.csv``."""
    training = {"epochs_done": epoch + 1, "history": result.history,
                "best_epoch": result.best_epoch, "best_score": result.best_score,
                "seconds": seconds, "last_epoch_seconds": round(last_epoch, 3),
                "ran_on": result.ran_on}
    save_checkpoint(run_dir / LAST_FILE, model,
                    metadata | {"epoch": epoch + 1, "training": training}, optimizer)
    write_history(run_dir / HISTORY_FILE, result.history)


def _unneeded(result: TrainResult, unneeded: int, patience: int) -> bool:
    """Whether the run stopped for want of a share: ``patience`` epochs without one, and
    none for the network kept either (its best epoch may have had one, before it overfit)."""
    best = result.history[result.best_epoch] if result.best_epoch is not None else {}
    return unneeded >= patience and best.get("network_weight") == 0


def _epochs_without_share(history: list[dict[str, Any]]) -> int:
    """The last classification epochs in a row whose network the trees gave no share."""
    n = 0
    for row in reversed(history):
        if row.get("phase") != "classify":
            continue
        if row.get("network_weight") != 0:
            break
        n += 1
    return n


#: A run whose planned epochs look longer than this is told of the time limit once.
LONG_RUN_MINUTES = 30.0


def _long_run_hint(config: TrainConfig, epoch: int, n_epochs: int, seconds: float,
                   runs_after: int = 0) -> str:
    """After the first epoch of a call: how long the epochs left (and ``runs_after`` more
    runs like this one) would take, where that is long and no time limit is set ("" else)."""
    left = n_epochs - epoch - 1 + runs_after * n_epochs
    if config.time_limit is not None or seconds * left <= 60.0 * LONG_RUN_MINUTES:
        return ""
    more = f" (with {runs_after} more ensemble member{'s' if runs_after > 1 else ''})" \
        if runs_after else ""
    stops = " (an early stop may end them sooner)" if config.patience else ""
    return (f"epoch {epoch + 1} took {seconds:.0f} s: the {left} planned epochs left{more} would "
            f"take up to about {seconds * left / 60:.0f} min{stops}; --time-limit MINUTES "
            f"(time_limit in Python) bounds the training, keeping its best epoch")


def _past_limit(config: TrainConfig, spent: float, last_epoch: float) -> bool:
    """Would one more epoch, as long as the last, end past the time limit?"""
    return config.time_limit is not None and spent + last_epoch > 60.0 * config.time_limit


def epoch_order(data: SampleSet, phase: Phase, config: TrainConfig, weights: torch.Tensor,
                rng: np.random.Generator) -> np.ndarray:
    """The samples of one epoch, in order: class-weighted draws with ``balance="sampler"``
    (classification epochs), else a permutation (of one random chunk per star with
    ``one_chunk_per_star``). Every rank of a DDP run draws the same."""
    if config.balance == "sampler" and phase == "classify":
        if config.one_chunk_per_star:  # draw stars by class weight, then one chunk of each
            rows = np.argsort(data.star, kind="stable")
            stars, first, count = np.unique(data.star[rows], return_index=True,
                                            return_counts=True)
            p = weights.cpu().numpy()[data.labels[rows[first]]]
            drawn = rng.choice(len(stars), size=len(stars), replace=True, p=p / p.sum())
            chunk = (rng.random(len(drawn)) * count[drawn]).astype(np.int64)
            return rows[first[drawn] + chunk]
        p = weights.cpu().numpy()[data.labels]
        return rng.choice(len(data), size=len(data), replace=True, p=p / p.sum())
    order = rng.permutation(len(data))
    if config.one_chunk_per_star:  # each star's first sample in the shuffled order
        first = np.unique(data.star[order], return_index=True)[1]
        order = order[np.sort(first)]
    return order


def load_batch(data: SampleSet, idx: np.ndarray, device: torch.device
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Tokens, mask, labels and per-star values of the samples ``idx``, on ``device``, cut
    to the batch's longest sample: padded positions are ignored by every model."""
    tokens, mask = trim_padding(np.asarray(data.tokens[idx]), np.asarray(data.mask[idx]))
    extra = (None if data.extra is None
             else torch.from_numpy(np.asarray(data.extra[idx])).to(device))
    return (torch.from_numpy(tokens).to(device), torch.from_numpy(mask).to(device),
            torch.from_numpy(data.labels[idx]).to(device), extra)


def take_step(model: nn.Module, optimizer: torch.optim.Optimizer, objective: torch.Tensor,
              config: TrainConfig) -> None:
    """One optimiser step on ``objective``, its gradients clipped as ``config`` says."""
    optimizer.zero_grad(set_to_none=True)
    objective.backward()
    if config.clip_grad:
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip_grad)
    optimizer.step()


def classification_loss(log_p: torch.Tensor, y: torch.Tensor, weights: torch.Tensor | None,
                        smoothing: float, norm: float | None = None) -> torch.Tensor:
    """The class-weighted NLL of a batch, with ``smoothing`` of the cross-entropy with a
    uniform target mixed in (label smoothing; each sample weighted by its own class, as in
    the NLL): the weighted mean over the batch, or under DDP, the sum over this rank's part
    divided by ``norm``, the global batch's summed class weights (or its size), so that the
    ranks' parts add up to the loss of one process. (One process keeps PyTorch's weighted
    mean: the sum divided rounds otherwise, and a run would not repeat its earlier self.)"""
    uniform = (-(log_p * (weights[y, None] if weights is not None else 1.0)).mean(1)
               if smoothing else None)
    if norm is None:
        loss = F.nll_loss(log_p, y, weight=weights)
        if uniform is not None:
            mean_weight = weights[y].mean() if weights is not None else 1.0
            loss = (1 - smoothing) * loss + smoothing * uniform.mean() / mean_weight
        return loss
    loss = F.nll_loss(log_p, y, weight=weights, reduction="sum") / norm
    if uniform is not None:
        loss = (1 - smoothing) * loss + smoothing * uniform.sum() / norm
    return loss


def run_epoch(model: Model, data: SampleSet, optimizer: torch.optim.Optimizer,
              phase: Phase, config: TrainConfig, weights: torch.Tensor,
              rng: np.random.Generator, device: torch.device) -> float:
    """One pass over the training windows; returns the mean loss."""
    model.train()
    order = epoch_order(data, phase, config, weights, rng)
    loss_weights = weights if config.balance == "loss" else None
    total, seen = 0.0, 0
    for start in range(0, len(order), config.batch_size):
        idx = np.sort(order[start:start + config.batch_size])  # sorted: faster memmap reads
        tokens, mask, y, extra = load_batch(data, idx, device)
        if phase == "classify":
            log_p = model.classify(tokens, mask, extra)
            loss = classification_loss(log_p, y, loss_weights, config.label_smoothing)
        else:
            recon = model.reconstruct(tokens, mask)
            loss = F.mse_loss(recon[mask], model.inputs(tokens, mask)[mask])
        take_step(model, optimizer, loss + model.l2_penalty(phase), config)
        total += loss.item() * len(idx)
        seen += len(idx)
    return total / max(seen, 1)


class TrainStep(nn.Module):
    """One training step's forward, as DDP needs it: what the loss is computed from
    (``classify`` or ``reconstruct``, the model's methods) and the L2 penalty, in one call,
    so that DDP sees every parameter that gets a gradient."""

    def __init__(self, model: nn.Module, phase: Phase) -> None:
        super().__init__()
        self.model, self.phase = model, phase

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor, extra: torch.Tensor | None,
                shift: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        penalty = self.model.l2_penalty(self.phase)
        if self.phase == "reconstruct":
            return self.model.reconstruct(tokens, mask), penalty
        if shift is not None:
            return self.model.classify(tokens, mask, extra, shift=shift), penalty
        return self.model.classify(tokens, mask, extra), penalty


def wrap_step(model: nn.Module, phase: Phase, device: torch.device) -> nn.Module:
    """The DDP-wrapped training step of ``phase``. Some parameters go unused where an
    autoencoder's decoder sits out a classification epoch (its head a reconstruction epoch),
    or a model has no per-star values (empty parameters): DDP must then look for them."""
    unused = (getattr(model, "pretrain", None) is not None
              or any(p.numel() == 0 for p in model.parameters()))
    return DistributedDataParallel(
        TrainStep(model, phase), device_ids=[device.index] if device.type == "cuda" else None,
        forward_sync_buffers=False,  # buffers never change in training and start equal
        find_unused_parameters=unused)


def shard(batch: np.ndarray, n: int, rank: int) -> tuple[slice, float]:
    """The positions of ``rank``'s part of a global batch (contiguous, sizes differing by at
    most one) and its weight: a rank left without samples recomputes the first one with
    weight 0, because DDP needs every rank to take part in every step."""
    bounds = np.linspace(0, len(batch), n + 1).round().astype(int)
    a, b = int(bounds[rank]), int(bounds[rank + 1])
    return (slice(a, b), 1.0) if b > a else (slice(0, 1), 0.0)


def run_epoch_distributed(model: Model, step: nn.Module, data: SampleSet,
                          optimizer: torch.optim.Optimizer, phase: Phase, config: TrainConfig,
                          weights: torch.Tensor, rng: np.random.Generator,
                          device: torch.device, seed: int) -> float:
    """:func:`run_epoch` with each global batch split between the ranks.

    The random numbers match the single-process run: the permutation comes from the same
    ``rng`` on every rank, and the periodic model's phase shifts are drawn for the whole
    global batch, in the order one process draws them, and sliced. Dropout cannot match (one
    process draws one mask for the whole batch): each rank draws its own.
    """
    model.train()
    n, me = distributed.world_size(), distributed.rank()
    shifts = torch.Generator(device=device)
    shifts.manual_seed(seed)  # the phase-shift stream of the single-process epoch
    if me:  # dropout: another stream on each rank (rank 0 keeps the single-process one)
        torch.manual_seed(int(np.random.SeedSequence([seed, me]).generate_state(1)[0]))
    draws_shift = isinstance(model, PeriodicClassifier) and model.config.phase_shift
    order = epoch_order(data, phase, config, weights, rng)
    loss_weights = weights if config.balance == "loss" else None
    total = torch.zeros((), dtype=torch.float64)
    seen = 0
    for start in range(0, len(order), config.batch_size):
        batch = np.sort(order[start:start + config.batch_size])
        part, share = shard(batch, n, me)
        tokens, mask, y, extra = load_batch(data, batch[part], device)
        if phase == "classify":
            shift = (torch.rand(len(batch), 1, 1, generator=shifts, device=device)[part]
                     if draws_shift else None)
            log_p, penalty = step(tokens, mask, extra, shift)
            # The global batch's normaliser: its summed class weights (or its size).
            norm = (float(weights.cpu()[data.labels[batch]].sum())
                    if loss_weights is not None else float(len(batch)))
            loss = classification_loss(log_p, y, loss_weights, config.label_smoothing, norm)
        else:
            recon, penalty = step(tokens, mask, None, None)
            norm = float(np.count_nonzero(data.mask[batch])) * recon.shape[-1]
            loss = (recon[mask] - model.inputs(tokens, mask)[mask]).square().sum() / norm
        loss = loss * share
        # DDP averages the ranks' gradients: n times each share sums to the global loss's.
        take_step(model, optimizer, n * loss + penalty, config)
        total += loss.detach().double().cpu() * len(batch)
        seen += len(batch)
    return float(distributed.all_reduce_sum(total)) / max(seen, 1)


def validate(model: Model, data: SampleSet, classes: list[str],
             config: TrainConfig, weights: torch.Tensor | None,
             device: torch.device) -> tuple[dict[str, float], np.ndarray]:
    """Validation loss (per window, class-weighted as the training loss is) and star-level
    scores, with the star-level confusion matrix kept apart: history rows hold scalars
    only."""
    probs = window_probabilities(model, data.tokens, data.mask, 2 * config.batch_size, device,
                                 data.extra)
    with torch.no_grad():
        loss = F.nll_loss(torch.from_numpy(np.log(probs + 1e-12)),
                          torch.from_numpy(data.labels),
                          weight=None if weights is None else weights.cpu()).item()
    _, y_star, p_star = star_level(probs, data.star, data.star_labels())
    metrics = classification_metrics(y_star, p_star.argmax(1), classes)
    scores = {"val_loss": loss, "val_accuracy": metrics.accuracy,
              "val_macro_f1": metrics.macro_f1}
    return scores, np.asarray(metrics.confusion)


def write_history(path: Path, history: list[dict[str, Any]]) -> None:
    columns: list[str] = []
    for row in history:
        columns += [k for k in row if k not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(history)
    atomic.write_text(path, buffer.getvalue())

