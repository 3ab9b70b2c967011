"""A random forest on a star's per-star values, averaged with the network's probabilities.

Why: on a few hundred to a few thousand labelled stars, trees use tabular values (period,
amplitude, colour, the light-curve features) better than any network does, while the network
sees the shape of the folded curve; their errors differ. Averaging the two classifiers'
probabilities was better than either alone on every real survey here (docs/results.md). The
forest is scikit-learn's ``RandomForestClassifier``, fitted on the training stars after the
network; its weight against the network is chosen on the validation stars.

The fitted trees are copied into tensors (from scikit-learn's public ``tree_`` arrays), so
the forest is part of the model: it is saved in the safetensors checkpoint with the weights
(no pickle) and runs wherever the model runs (``predict``, Dask, ONNX export, CUDA). A star
walks every tree at once, one level per step; a leaf points to itself, so the walk stops there.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

#: Candidate weights of the network against the forest (chosen on the validation stars).
WEIGHTS = tuple(np.round(np.linspace(0.0, 1.0, 11), 1))
_PROBABILITY_FLOOR = 1e-6  # log-loss of a probability of 0 is infinite


class TreeForest(nn.Module):
    """Class probabilities of a fitted scikit-learn forest, from tensors.

    Buffers (sizes depend on the fitted trees, so loading a state dict sizes them): the
    training medians that fill unknown values, and every node of every tree side by side.
    """

    def __init__(self) -> None:
        super().__init__()
        for name, dtype in (("fill", torch.float64), ("feature", torch.int64),
                            ("threshold", torch.float64), ("left", torch.int64),
                            ("right", torch.int64), ("value", torch.float32),
                            ("roots", torch.int64)):
            self.register_buffer(name, torch.zeros(0, dtype=dtype))
        self.register_buffer("depth", torch.zeros((), dtype=torch.int64))
        self.levels = 0  # = depth, as a Python int: graph exporters unroll the walk

    @classmethod
    def fit(cls, extra: np.ndarray, labels: np.ndarray, n_classes: int, trees: int,
            seed: int = 0, n_jobs: int = 1) -> TreeForest:
        """A forest as the feature baseline fits one (balanced, ``trees`` trees), unknown
        values filled with the training medians."""
        from sklearn.ensemble import RandomForestClassifier

        extra = np.asarray(extra, dtype=np.float64)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: no colour
            fill = np.nanmedian(np.where(np.isfinite(extra), extra, np.nan), axis=0)
        fill = np.nan_to_num(fill).astype(np.float32)  # a value no training star has: 0
        forest = RandomForestClassifier(n_estimators=trees, class_weight="balanced_subsample",
                                        random_state=seed, n_jobs=n_jobs)
        forest.fit(_filled(extra, fill).astype(np.float32), labels)
        return cls.from_sklearn(forest, fill, n_classes)

    @classmethod
    def from_sklearn(cls, forest: Any, fill: np.ndarray, n_classes: int) -> TreeForest:
        """Copy the nodes of a fitted ``RandomForestClassifier`` (classes ``0..n-1``, or some
        of them) into tensors."""
        feature, threshold, left, right, value, roots = [], [], [], [], [], []
        offset, depth = 0, 0
        columns = np.asarray(forest.classes_, dtype=np.int64)
        for estimator in forest.estimators_:
            tree = estimator.tree_
            n = tree.node_count
            leaf = tree.children_left < 0
            own = np.arange(n)
            feature.append(np.where(leaf, 0, tree.feature))
            threshold.append(np.where(leaf, np.inf, tree.threshold))
            left.append(offset + np.where(leaf, own, tree.children_left))
            right.append(offset + np.where(leaf, own, tree.children_right))
            counts = tree.value[:, 0, :]
            v = np.zeros((n, n_classes), dtype=np.float32)
            v[:, columns] = counts / np.maximum(counts.sum(1, keepdims=True), 1e-12)
            value.append(v)
            roots.append(offset)
            offset += n
            depth = max(depth, tree.max_depth)
        model = cls()
        model.fill = torch.as_tensor(fill, dtype=torch.float64)
        model.feature = torch.as_tensor(np.concatenate(feature), dtype=torch.int64)
        model.threshold = torch.as_tensor(np.concatenate(threshold), dtype=torch.float64)
        model.left = torch.as_tensor(np.concatenate(left), dtype=torch.int64)
        model.right = torch.as_tensor(np.concatenate(right), dtype=torch.int64)
        model.value = torch.as_tensor(np.concatenate(value))
        model.roots = torch.as_tensor(roots, dtype=torch.int64)
        model.depth = torch.tensor(depth, dtype=torch.int64)
        model.levels = depth
        return model

    def _load_from_state_dict(self, state_dict: dict[str, Tensor], prefix: str,
                              *args: Any, **kwargs: Any) -> None:
        for name in self._buffers:  # size every buffer as the stored forest's
            stored = state_dict.get(prefix + name)
            if stored is not None:
                self._buffers[name] = torch.empty_like(stored, device=self.feature.device)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self.levels = int(self.depth)

    def forward(self, extra: Tensor) -> Tensor:
        """(B, classes) probabilities: the mean of the trees' leaf class shares."""
        # As scikit-learn compares: the value as float32, against a float64 threshold.
        x = torch.where(torch.isfinite(extra), extra.double(), self.fill).float().double()
        node = self.roots.expand(x.shape[0], -1)  # (B, trees)
        for _ in range(self.levels):
            go_left = x.gather(1, self.feature[node]) <= self.threshold[node]
            node = torch.where(go_left, self.left[node], self.right[node])
        return self.value[node].mean(1)


class ForestFusion(nn.Module):
    """``weight`` x the network's probabilities + (1 - ``weight``) x the forest's."""

    pretrain = None
    reconstruction = None
    arch = None

    def __init__(self, network: nn.Module, forest: TreeForest | None = None) -> None:
        super().__init__()
        self.network = network
        self.forest = forest if forest is not None else TreeForest()
        self.config = network.config
        self.register_buffer("weight", torch.tensor(0.5))

    def classify(self, tokens: Tensor, mask: Tensor, extra: Tensor | None = None) -> Tensor:
        """log of the weighted mean probabilities, (B, C)."""
        if extra is None:
            raise ValueError("the forest needs the per-star extra values")
        p = (self.weight * self.network.classify(tokens, mask, extra).exp()
             + (1 - self.weight) * self.forest(extra).to(tokens.dtype))
        return p.clamp(min=_PROBABILITY_FLOOR * 1e-3).log()

    def forward(self, tokens: Tensor, mask: Tensor, extra: Tensor | None = None) -> Tensor:
        return self.classify(tokens, mask, extra)

    def encoder_parameters(self) -> Iterator[nn.Parameter]:
        return self.network.encoder_parameters()

    def l2_penalty(self) -> Tensor:
        return self.network.l2_penalty()


def choose_weight(network_p: np.ndarray, forest_p: np.ndarray, labels: np.ndarray) -> float:
    """The weight of :data:`WEIGHTS` whose mix has the lowest log-loss on these (validation)
    stars; ties go to the weight nearest 0.5."""
    losses = []
    for w in WEIGHTS:
        p = w * network_p + (1 - w) * forest_p
        chosen = p[np.arange(len(labels)), labels]
        losses.append(-np.mean(np.log(np.maximum(chosen, _PROBABILITY_FLOOR))))
    best = min(losses)
    candidates = [w for w, loss in zip(WEIGHTS, losses, strict=True)
                  if math.isclose(loss, best, rel_tol=1e-9)]
    return float(min(candidates, key=lambda w: abs(w - 0.5)))


def _filled(x: np.ndarray, fill: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), x, fill)
