"""Feedback plots: matplotlib (Agg, no pyplot state) figures turned into small PNG data URIs.

Why: some mistakes are seen faster than read: a derivative that is wrong only
for z < 0, a gradient wrong in one tensor, a loss that does not go down. Each
plot is a PNG embedded in the page (it works offline) and kept under
MAX_PNG_BYTES by lowering the resolution when needed.
"""
from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from nncourse.feedback.probes import Curve, GradientCheck, Training

MAX_PNG_BYTES = 100_000
REFERENCE, STUDENT, WRONG = "#555555", "#1f77b4", "#d62728"
GRAD_TOLERANCE = 1e-5


def png_bytes(fig: Figure, dpi: int = 90, limit: int = MAX_PNG_BYTES) -> bytes:
    """The figure as PNG, at the highest of a few resolutions that stays under `limit` bytes."""
    FigureCanvasAgg(fig)
    for trial in (dpi, 72, 56, 40):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=trial, metadata={"Software": None})
        data = buffer.getvalue()
        if len(data) < limit:
            return data
    return data


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index runs where mask is True."""
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def _shade_wrong(ax, z: np.ndarray, wrong: np.ndarray) -> None:
    step = (z[1] - z[0]) / 2 if len(z) > 1 else 0.0
    for i, (start, stop) in enumerate(_runs(wrong)):
        ax.axvspan(z[start] - step, z[stop - 1] + step, color=WRONG, alpha=0.15, lw=0,
                   label="differs from the correct curve" if i == 0 else None)


def _finite(values: np.ndarray) -> np.ndarray:
    """Values to draw: NaN and inf removed, and huge values clipped so the correct curve stays visible."""
    out = np.where(np.isfinite(values), values, np.nan)
    return np.clip(out, -1e3, 1e3)


def _args(curve: Curve) -> str:
    return "".join(f", {k}={v:g}" for k, v in curve.kwargs.items())


def curve_figure(curve: Curve) -> Figure:
    """The activation and its derivative: correct curves, the student's dashed, wrong regions shaded."""
    fig = Figure(figsize=(7.2, 2.7), layout="constrained")
    for ax, which, want, got, label in (
            (fig.add_subplot(1, 2, 1), "value", curve.ref, curve.got, f"{curve.name}(z{_args(curve)})"),
            (fig.add_subplot(1, 2, 2), "grad", curve.ref_grad, curve.got_grad, f"{curve.name}_grad(z{_args(curve)})")):
        ax.plot(curve.z, want, color=REFERENCE, lw=3, alpha=0.6, label="correct")
        if got is not None:
            ax.plot(curve.z, _finite(got), color=STUDENT, lw=1.5, ls="--", label="yours")
            wrong = curve.wrong(which)
            _shade_wrong(ax, curve.z, wrong)
            if wrong.any() and wrong.mean() < 0.1:  # a wrong single point (z == 0) is too thin to see as a band
                ax.plot(curve.z[wrong], np.nan_to_num(_finite(got)[wrong], nan=0.0), "x", color=WRONG, ms=5,
                        mew=1.5, label="your wrong values" if which == "value" or not curve.wrong("value").any()
                        else None)
            lo, hi = np.nanmin(want), np.nanmax(want)
            pad = 0.15 * (hi - lo or 1.0)
            got_f = _finite(got)
            if np.isfinite(got_f).any():
                lo, hi = min(lo, np.nanmin(got_f)), max(hi, np.nanmax(got_f))
            ax.set_ylim(lo - pad, hi + pad)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("z", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in fig.axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="best")
    return fig


def gradient_figure(check: GradientCheck) -> Figure:
    """Per parameter tensor: |analytic - numeric| relative error (log scale) and the error vs the reference."""
    keys = list(check.errors)
    fig = Figure(figsize=(6.4, 0.5 + 0.45 * max(len(keys), 1) + 0.8), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(keys))
    floor = 1e-16
    for offset, values, label, base in ((-0.18, check.errors, "your gradient vs numeric", STUDENT),
                                        (0.18, check.against_reference, "your gradient vs the reference's",
                                         "#9467bd")):
        heights = np.array([max(min(values.get(k, np.inf), 1e3), floor) for k in keys])
        colors = [WRONG if h > GRAD_TOLERANCE else base for h in heights]
        ax.barh(y + offset, heights, height=0.34, color=colors, label=label, left=floor)
    ax.axvline(GRAD_TOLERANCE, color="black", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlim(floor, 1e1)
    ax.set_yticks(y, keys, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("relative error (red: above the tolerance)", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.legend(handles=[Patch(color=STUDENT, label="your gradient vs numeric differences"),
                       Patch(color="#9467bd", label="your gradient vs the reference's"),
                       Patch(color=WRONG, label="above the tolerance"),
                       Line2D([], [], color="black", ls=":", label=f"tolerance {GRAD_TOLERANCE:g}")],
              fontsize=7, loc="lower right")
    ax.set_title("Gradient check, MLP([3, 4, 1], tanh) on 12 points", fontsize=10)
    return fig


def loss_figure(training: Training) -> Figure:
    fig = Figure(figsize=(5.4, 2.8), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(training.ref_losses, color=REFERENCE, lw=3, alpha=0.6, label="reference")
    if training.losses:
        ax.plot(_finite(np.asarray(training.losses, float)), color=STUDENT, lw=1.5, ls="--", label="yours")
    values = np.asarray(list(training.ref_losses) + list(training.losses or []), float)
    values = values[np.isfinite(values)]
    if values.size and values.min() > 0 and values.max() / values.min() > 50:
        ax.set_yscale("log")  # one diverging curve must not flatten the other
    ax.set_xlabel("epoch", fontsize=9)
    ax.set_ylabel("mean loss", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Training loss on make_moons, MLP([2, 16, 16, 1], relu)", fontsize=10)
    return fig


def boundary_figure(training: Training) -> Figure:
    fig = Figure(figsize=(4.6, 3.6), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    ax.contourf(training.xx, training.yy, training.grid_pred.astype(float), levels=[-0.5, 0.5, 1.5],
                colors=["#c6dbef", "#fbd0c4"], alpha=0.9)
    ax.contour(training.xx, training.yy, training.ref_grid_pred.astype(float), levels=[0.5], colors="black",
               linestyles="--", linewidths=1)
    ax.scatter(training.X[:, 0], training.X[:, 1], c=np.where(training.y == 1, WRONG, STUDENT), s=7,
               edgecolors="none")
    acc = f", training accuracy {training.accuracy:.0%}" if training.accuracy is not None else ""
    ax.set_title(f"Your decision regions (dashed: reference){acc}", fontsize=9)
    ax.legend(handles=[Patch(color="#c6dbef", label="you predict 0"), Patch(color="#fbd0c4", label="you predict 1"),
                       Line2D([], [], color="black", ls="--", label="reference boundary")], fontsize=7,
              loc="lower left")
    ax.tick_params(labelsize=8)
    return fig


def histogram_figure(scores: list[float], max_score: float, title: str) -> Figure:
    """How many students scored what: 10 bins from 0 to the maximum."""
    fig = Figure(figsize=(5.6, 2.6), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    top = max_score or max(scores, default=1.0) or 1.0
    ax.hist(scores, bins=np.linspace(0, top, 11), color=STUDENT, edgecolor="white")
    ax.set_xlim(0, top)
    ax.set_xlabel("final score", fontsize=9)
    ax.set_ylabel("students", fontsize=9)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3, axis="y")
    ax.set_title(title, fontsize=10)
    return fig
