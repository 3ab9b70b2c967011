import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from lcformer.data.splits import SampleSet
from lcformer.models import build_model
from lcformer.reporting import figures
from lcformer.training.loop import TrainConfig, TrainResult

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CLASSES = ["RR Lyrae ab (fundamental mode)", "Delta Scuti", "EB"]
B, T, F = 12, 16, 4


@pytest.fixture(autouse=True)
def low_resolution(monkeypatch):
    """Layout and PNG encoding dominate the run time; the content is the same at low DPI."""
    monkeypatch.setattr(figures, "DPI", 40)


def assert_png(path: Path) -> None:
    data = Path(path).read_bytes()
    assert len(data) > 500 and data.startswith(PNG_MAGIC), path


def assert_no_temp_files(folder: Path) -> None:
    leftovers = [p.name for p in folder.rglob("*") if p.name.startswith(".") or ".tmp" in p.name]
    assert leftovers == []


def tiny_model(name: str):
    torch.manual_seed(0)
    options = {"rnn_units": 8} if name in ("lstm", "gru") else {"emb": 16, "heads": 2}
    return build_model(name, n_classes=3, max_tokens=32, **options)


@pytest.fixture
def windows(rng) -> SampleSet:
    tokens = rng.normal(size=(B, T, F)).astype(np.float32)
    mask = np.ones((B, T), dtype=bool)
    mask[::3, T - 5:] = False  # some padded windows
    return SampleSet(tokens, mask, rng.integers(0, 3, B), np.repeat(np.arange(B // 2), 2))


def history(phases: list[str]) -> list[dict]:
    rows = []
    for e, phase in enumerate(phases):
        row = {"epoch": e + 1, "phase": phase, "lr": 1e-3 * 0.7 ** (e // 3),
               "train_loss": 1.0 / (e + 1)}
        if phase == "classify":
            row |= {"val_loss": 1.2 / (e + 1), "val_accuracy": 0.1 * e, "val_macro_f1": 0.08 * e}
        rows.append(row)
    return rows


def test_confusion_matrix_counts_normalised_and_many_long_classes(tmp_path):
    confusion = [[5, 1, 0], [0, 3, 2], [0, 0, 0]]  # a class without test stars
    assert_png(figures.confusion_matrix_figure(confusion, CLASSES, tmp_path / "c.png",
                                               normalise=False, title="counts"))
    assert_png(figures.confusion_matrix_figure(confusion, CLASSES, tmp_path / "n.png",
                                               normalise=True, title="recall"))
    many = [f"very long variable star class name {i}" for i in range(30)]
    big = np.random.default_rng(0).integers(0, 50, (30, 30)).tolist()
    assert_png(figures.confusion_matrix_figure(big, many, tmp_path / "big.png", True, "30"))
    assert_no_temp_files(tmp_path)


def test_training_curves_with_reconstruction_epochs(tmp_path):
    path = figures.training_curves_figure(history(["reconstruct"] * 3 + ["classify"] * 5),
                                          tmp_path / "sub" / "curves.png")
    assert_png(path)
    assert path == tmp_path / "sub" / "curves.png"


def test_a_lone_epochs_learning_rate_is_drawn_and_epochs_are_whole(tmp_path, monkeypatch):
    """After one epoch the learning-rate panel drew a step line of one point: nothing."""
    drawn = []
    monkeypatch.setattr(figures, "_save", lambda fig, path: drawn.append(fig) or Path(path))
    figures.training_curves_figure(history(["classify"]), tmp_path / "one.png")
    lr_ax = drawn[0].axes[2]
    assert lr_ax.get_ylabel() == "lr" and lr_ax.lines[0].get_marker() == "o"
    drawn[0].canvas.draw()  # ticks are placed at drawing time
    assert all(float(t).is_integer() for t in lr_ax.get_xticks())


def test_position_accuracy_with_unreached_positions(tmp_path):
    accuracy = np.r_[np.linspace(0.3, 0.9, 10), np.nan, np.nan]
    assert_png(figures.position_accuracy_figure(accuracy, tmp_path / "p.png", n_windows=7))


def test_reconstruction_and_attention(tmp_path, windows):
    ae = tiny_model("ae_frozen")
    ae.train()
    assert_png(figures.reconstruction_figure(ae, windows.tokens, windows.mask,
                                             tmp_path / "r.png", n=3))
    assert ae.training  # the caller's mode is restored
    for heads in (2, 16):
        model = build_model("encoder", n_classes=3, emb=16, heads=heads)
        assert_png(figures.attention_figure(model, windows.tokens[0], windows.mask[0],
                                            tmp_path / f"a{heads}.png", "star-1"))


def test_attention_refused_for_recurrent_model(tmp_path, windows):
    with pytest.raises(ValueError, match="self-attention"):
        figures.attention_figure(tiny_model("lstm"), windows.tokens, windows.mask,
                                 tmp_path / "a.png", "s")
    assert not (tmp_path / "a.png").exists()
    assert_no_temp_files(tmp_path)


def test_dataset_figures(tmp_path, rng):
    labels = np.array(["a"] * 300 + ["b long class name"] * 2 + ["c"] * 20)
    curves = pd.DataFrame({"id": np.arange(len(labels)).astype(str), "label": labels,
                           "n_points": rng.integers(20, 5000, len(labels))})
    assert_png(figures.class_distribution_figure(curves, tmp_path / "classes.png"))
    assert_png(figures.length_distribution_figure(curves, tmp_path / "lengths.png"))
    assert_png(figures.length_distribution_figure(curves.drop(columns="label"),
                                                  tmp_path / "unlabelled.png"))


BASE = {"confusion_star_counts.png", "confusion_star_normalised.png", "training_curves.png",
        "accuracy_by_position.png"}


@pytest.mark.parametrize(("name", "extra"), [
    ("encoder", {"attention.png"}),
    ("ae_frozen", {"attention.png", "reconstruction.png"}),
    ("lstm", set()),
])
def test_run_figures_writes_the_expected_set(tmp_path, windows, name, extra):
    data = types.SimpleNamespace(classes=CLASSES,
                                 stars=pd.DataFrame({"id": [f"s{i}" for i in range(B)]}))
    sets = {"train": windows, "val": windows, "test": windows}
    phases = (["reconstruct"] * 2 if name == "ae_frozen" else []) + ["classify"] * 3
    result = TrainResult(history=history(phases))
    confusion = [[2, 0, 0], [1, 1, 0], [0, 1, 1]]
    written = figures.run_figures(tmp_path, tiny_model(name), data, sets, result, confusion,
                                  TrainConfig(device="cpu"))
    assert {p.name for p in written} == BASE | extra
    assert {p.name for p in (tmp_path / "figures").iterdir()} == BASE | extra
    for path in written:
        assert_png(path)


def test_run_figures_skips_empty_parts(tmp_path):
    empty = SampleSet(np.zeros((0, T, F), np.float32), np.zeros((0, T), bool),
                      np.zeros(0, np.int64), np.zeros(0, np.int64))
    data = types.SimpleNamespace(classes=CLASSES, stars=pd.DataFrame({"id": []}))
    written = figures.run_figures(tmp_path, tiny_model("encoder"), data, {"test": empty},
                                  TrainResult(), [[0] * 3] * 3,
                                  TrainConfig(device="cpu"))
    assert written == []


def drawn_titles(monkeypatch) -> list:
    """Every figure ``_save`` writes, kept to check its layout afterwards."""
    saved = []
    original = figures._save

    def keep(fig, path):
        saved.append(fig)
        return original(fig, path)

    monkeypatch.setattr(figures, "_save", keep)
    return saved


def assert_titles_inside(fig) -> None:
    """The figure title and every axes title lie within the canvas (as laid out when saved)."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    titles = [fig._suptitle] + [t for ax in fig.axes
                                for t in (ax.title, ax._left_title, ax._right_title)]
    box = fig.bbox
    checked = 0
    for title in titles:
        if title is None or not title.get_text():
            continue
        extent = title.get_window_extent(renderer)
        assert box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1, title.get_text()
        assert box.y0 - 1 <= extent.y0 and extent.y1 <= box.y1 + 1, title.get_text()
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("n_classes", [2, 3, 12])
def test_confusion_matrix_title_fits_the_canvas(tmp_path, monkeypatch, n_classes):
    saved = drawn_titles(monkeypatch)
    names = CLASSES[:n_classes] if n_classes <= 3 else [f"class name {i}" for i in
                                                         range(n_classes)]
    confusion = np.ones((n_classes, n_classes), dtype=int).tolist()
    long = "encoder-h4-e32, fold0 of the asas_richards2012 sweep: recall per true class"
    for title in ("Test stars: recall per true class (6 stars)", long):
        figures.confusion_matrix_figure(confusion, names, tmp_path / "c.png", True, title)
    assert len(saved) == 2
    for fig in saved:
        assert_titles_inside(fig)
    if n_classes <= 3:  # a small figure: the long title is wrapped
        assert "\n" in saved[1]._suptitle.get_text()


def test_dataset_figure_titles_fit_the_canvas(tmp_path, monkeypatch):
    saved = drawn_titles(monkeypatch)
    stars = pd.DataFrame({"label": ["RR Lyrae ab (fundamental mode)"] * 3 + ["EB"] * 2,
                          "n_points": [10, 200, 3000, 40, 50]})
    title = "asas_richards2012 (the ASAS training set of Richards et al. 2012): stars per class"
    figures.class_distribution_figure(stars, tmp_path / "a.png", title)
    figures.length_distribution_figure(stars, tmp_path / "b.png", title, unit="star")
    figures.position_accuracy_figure(np.linspace(0.2, 0.9, 30), tmp_path / "p.png", 123456)
    assert len(saved) == 3
    for fig in saved:
        assert_titles_inside(fig)


def test_recall_of_a_class_without_test_stars_is_a_dash_not_zero(tmp_path, monkeypatch):
    """As `lcformer evaluate` prints it: 0/0 is no recall, and a row of 0.00 would say the
    class was never recognised."""
    saved = drawn_titles(monkeypatch)
    confusion = [[5, 1, 0], [0, 3, 2], [0, 0, 0]]  # EB: no test star
    figures.confusion_matrix_figure(confusion, CLASSES, tmp_path / "n.png", normalise=True)
    figures.confusion_matrix_figure(confusion, CLASSES, tmp_path / "c.png", normalise=False)
    rows = []
    for fig in saved:
        cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
                 for t in fig.axes[0].texts}
        rows.append([[cells[i, j] for j in range(3)] for i in range(3)])
    assert rows[0] == [["0.83", "0.17", "0.00"], ["0.00", "0.60", "0.40"], ["-", "-", "-"]]
    assert rows[1][2] == ["0", "0", "0"]  # counts: zero test stars is a count of 0


def test_training_curves_beside_trees_say_they_are_the_networks(tmp_path, monkeypatch):
    """At network weight 0 the model is its trees (0.956 on synthetic) while these curves are
    the network's own (0.33 to 0.49): the figure says whose they are and draws the weight."""
    saved = drawn_titles(monkeypatch)
    rows = [r | {"network_weight": 0.0} for r in history(["classify"] * 4)]
    figures.training_curves_figure(rows, tmp_path / "fused.png")
    figures.training_curves_figure(history(["classify"] * 4), tmp_path / "alone.png")
    fused, alone = saved
    assert fused.axes[0].get_title().startswith("Training curves of the network")
    assert alone.axes[0].get_title() == "Training curves"
    weight = [line for line in fused.axes[1].get_lines()
              if line.get_label() == "the network's weight beside the trees"]
    assert len(weight) == 1 and list(weight[0].get_ydata()) == [0.0] * 4
    assert len(alone.axes[1].get_lines()) == 2
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fused)  # the longer title, laid out as saved
    assert_titles_inside(fused)


def test_an_ensembles_members_are_lines_of_their_own(tmp_path, monkeypatch):
    """Members' epochs follow each other in the history (1..4, 1..4): no line joins one
    member's last epoch to the next one's first, and the title says how many there are."""
    saved = drawn_titles(monkeypatch)
    rows = [r | {"member": m} for m in (0, 1) for r in history(["classify"] * 4)]
    figures.training_curves_figure(rows, tmp_path / "ensemble.png")
    (fig,) = saved
    assert fig.axes[0].get_title() == "Training curves; 2 ensemble members, a line each"
    loss = fig.axes[0].get_lines()[0]
    x = np.asarray(loss.get_xdata(), dtype=float)
    assert len(x) == 9 and np.isnan(x[4]) and list(x[:4]) == list(x[5:]) == [1, 2, 3, 4]


def test_a_folded_star_draws_its_bands_in_one_phase(tmp_path, monkeypatch):
    """Each band folded from the star's first time, as the star views are: from its own first
    time, a band that starts later was drawn up to half a cycle off (eros1's B and R)."""
    from lcformer.data.lightcurves import LightCurves

    saved = drawn_titles(monkeypatch)
    period = 0.7
    t_b = np.linspace(0.0, 30.0, 80)
    t_r = t_b[6:] + 0.35  # R begins later, by a part of a cycle
    curves = LightCurves.from_list(
        [("s", band, t, 15 + np.sin(2 * np.pi * t / period), np.full(len(t), 0.01))
         for band, t in (("B", t_b), ("R", t_r))])
    stars = pd.DataFrame({"id": ["s"], "label": ["a"], "predicted": ["a"]})
    periods = pd.DataFrame({"id": ["s"], "period": [period], "power": [0.9]})
    figures.folded_curves_figure(curves, periods, stars, tmp_path / "folded.png")
    (fig,) = saved
    lines = fig.axes[1].get_lines()
    assert [line.get_label() for line in lines] == ["B", "R"]
    for line in lines:  # the same magnitude at the same phase in each band
        phase = np.asarray(line.get_xdata(), dtype=float)
        np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float),
                                   15 + np.sin(2 * np.pi * (phase + t_b[0] / period)),
                                   atol=1e-6)
