"""A DET (detection error trade-off) plot for open-set identification, written as a PNG.

Both axes are error rates on log scales, as NIST FRTE plots them: FPIR across, FNIR up;
lower-left is better. Several curves (for example Muster and a reference) share one plot.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a display; must precede pyplot

import matplotlib.pyplot as plt
import numpy as np

from muster.eval.metrics import DetCurve

_FLOOR = 1e-4
"""Rates of exactly 0 cannot sit on a log axis; they are drawn at this floor."""


def write_det_plot(
    curves: Mapping[str, DetCurve],
    path: Path,
    *,
    title: str = "Open-set identification (DET)",
    marks_fpir: tuple[float, ...] = (0.01, 0.003),
) -> None:
    """Draws every curve (legend = mapping key) with dotted verticals at `marks_fpir`."""
    figure, axes = plt.subplots(figsize=(6.4, 4.8), dpi=120)
    try:
        for label, curve in curves.items():
            axes.plot(
                np.clip(curve.fpir, _FLOOR, 1.0),
                np.clip(curve.fnir, _FLOOR, 1.0),
                label=label,
                drawstyle="steps-post",
            )
        for fpir in marks_fpir:
            axes.axvline(fpir, linestyle=":", color="grey", linewidth=0.8)
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlim(_FLOOR, 1.0)
        axes.set_ylim(0.01, 1.0)
        axes.set_xlabel("FPIR (unknown probes accepted)")
        axes.set_ylabel("FNIR (known probes missed)")
        axes.set_title(title)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(loc="lower left")
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, bbox_inches="tight")
    finally:
        plt.close(figure)
