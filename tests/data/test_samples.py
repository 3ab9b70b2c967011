"""Samples of a training set and of new stars are made alike: same channels, same columns."""

from __future__ import annotations

import numpy as np
import pytest

from lcformer.data.cleaning import clean
from lcformer.data.prepared import PrepareConfig
from lcformer.data.report import DropReport
from lcformer.data.samples import SampleInfo, make_samples
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.data.views import scalar_names


def test_star_samples_with_features_keep_the_training_columns() -> None:
    train, _ = clean(make_synthetic(SyntheticConfig(n_per_class=3, num=84)))
    config = PrepareConfig(inputs="stars", features=True)
    samples, info = make_samples(train, config, DropReport())
    assert len(samples) == 9 and info.bands == ["V"]
    assert info.extra_names[:len(scalar_names(["V"]))] == scalar_names(["V"])
    assert "V_amplitude" in info.extra_names  # the feature baseline's features follow
    assert samples.extra.shape == (9, len(info.extra_names))
    assert info.periods is not None and len(info.periods) == 9
    # New stars: the training set's columns, in its order, whatever the new data holds.
    new, _ = clean(make_synthetic(SyntheticConfig(n_per_class=1, num=84, seed=4)))
    new_samples, new_info = make_samples(new, config, DropReport(), info=info)
    assert new_info.extra_names == info.extra_names
    assert new_samples.tokens.shape[1:] == samples.tokens.shape[1:]
    assert np.isfinite(new_samples.extra[:, :5]).all()


def test_window_samples_carry_no_extra_values() -> None:
    train, _ = clean(make_synthetic(SyntheticConfig(n_per_class=2, num=84)))
    samples, info = make_samples(train, PrepareConfig(), DropReport())
    assert samples.extra.shape == (len(samples), 0) and info.periods is None


def test_star_features_leave_the_periodogram_to_the_period_search() -> None:
    train, _ = clean(make_synthetic(SyntheticConfig(n_per_class=2, num=84)))
    _, info = make_samples(train, PrepareConfig(inputs="stars"), DropReport())
    assert info.feature_span is None
    assert not any("period_s_to_n" in name for name in info.extra_names)
    assert {"log_period", "power", "V_r21", "V_phi21"} <= set(info.extra_names)


def test_new_stars_get_an_older_models_columns_or_a_clear_error() -> None:
    """A model trained with fewer per-star values gets exactly its columns; one that needs a
    value these inputs cannot give is refused, by name."""
    train, _ = clean(make_synthetic(SyntheticConfig(n_per_class=2, num=84)))
    config = PrepareConfig(inputs="stars", features=False)
    samples, info = make_samples(train, config, DropReport())
    older = SampleInfo(info.bands, [*info.extra_names[:5], "log_period"], None)
    again, again_info = make_samples(train, config, DropReport(), info=older)
    assert again_info.extra_names == older.extra_names
    np.testing.assert_array_equal(again.extra[:, :5], samples.extra[:, :5])
    np.testing.assert_array_equal(again.extra[:, 5], samples.extra[:, info.extra_names.index(
        "log_period")])
    unknown = SampleInfo(info.bands, [*info.extra_names, "V_no_such_value"], None)
    with pytest.raises(ValueError, match="V_no_such_value"):
        make_samples(train, config, DropReport(), info=unknown)


def test_star_samples_tell_their_progress_chunk_by_chunk(monkeypatch) -> None:
    """The period search is most of a preparation: its bar moves with each chunk of stars,
    and the chunks change nothing of the samples."""
    from lcformer.data import samples as module

    stars, _ = clean(make_synthetic(SyntheticConfig(n_per_class=3, num=84)))
    config = PrepareConfig(inputs="stars")
    whole, _ = make_samples(stars, config, DropReport())
    monkeypatch.setattr(module, "MIN_CHUNK_STARS", 1)
    told: list[tuple[int, int]] = []
    chunked, _ = make_samples(stars, config, DropReport(),
                              on_stars=lambda done, total: told.append((done, total)))
    assert told == [(1, 9), (2, 9), (3, 9), (4, 9), (5, 9), (6, 9), (7, 9), (8, 9), (9, 9)]
    assert np.array_equal(whole.tokens, chunked.tokens, equal_nan=True)
    assert np.array_equal(whole.extra, chunked.extra, equal_nan=True)
