"""The outputs of ``gutbrain power``: ``results.json`` and ``report.html``.

``results.json`` holds the design, a ``curve`` list (one entry per design point and alpha:
``participants``, ``days``, ``effect``, ``compliance``, ``dropout``, ``alpha``, ``power``, its
95% Clopper-Pearson Monte Carlo interval ``ci_low``/``ci_high``, ``mc_se``, ``reps`` analysed,
``rejections``, ``failed`` and ``nonconverged`` fits) and ``smallest``: per setting, the
smallest design (fewest diary days in all) reaching the target power. The report draws the
curves against participants with their Monte Carlo bands, one line per other setting.
"""

from __future__ import annotations

import dataclasses
import html
import io
import json
from pathlib import Path
from typing import Any

from gutbrain._outdir import atomic_dir
from gutbrain._version import __version__
from gutbrain.power.run import PowerResult

__all__ = ["results_json", "write_power"]

COMMAND = "power"


def results_json(result: PowerResult) -> dict[str, Any]:
    """The content of ``results.json``."""
    d = result.design
    failed = sum(r["failed"] for r in result.curve if r["alpha"] == d.grid.alpha[0])
    nonconv = sum(r["nonconverged"] for r in result.curve if r["alpha"] == d.grid.alpha[0])
    return {
        "gutbrain_version": __version__,
        "design": d.name,
        "seed": d.seed,
        "reps_per_point": d.reps,
        "target": d.target,
        "generator": dataclasses.asdict(d.generator),
        "analysis": dataclasses.asdict(d.analysis),
        "failed_fits": failed,
        "nonconverged_fits": nonconv,
        "curve": result.curve,
        "smallest": result.smallest,
    }


def _figure_svg(result: PowerResult) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.2))
    ax = fig.subplots()
    keys = ("days", "effect", "compliance", "dropout", "alpha")
    lines: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in result.curve:
        if r["power"] is not None:
            lines.setdefault(tuple(r[k] for k in keys), []).append(r)
    for setting, rows in lines.items():
        rows.sort(key=lambda r: r["participants"])
        n = [r["participants"] for r in rows]
        label = ", ".join(f"{k} {v}" for k, v in zip(keys, setting, strict=True))
        (line,) = ax.plot(n, [r["power"] for r in rows], marker="o", label=label)
        ax.fill_between(
            n,
            [r["ci_low"] for r in rows],
            [r["ci_high"] for r in rows],
            color=line.get_color(),
            alpha=0.2,
            linewidth=0,
        )
    ax.axhline(result.design.target, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("participants")
    ax.set_ylabel("power")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    return buf.getvalue()


def report_html(result: PowerResult) -> str:
    """A self-contained HTML report: the curves with Monte Carlo bands, and the table."""
    d = result.design
    cols = (
        "participants",
        "days",
        "effect",
        "compliance",
        "dropout",
        "alpha",
        "power",
        "ci_low",
        "ci_high",
        "reps",
        "failed",
        "nonconverged",
    )

    def cell(v: Any) -> str:
        return f"{v:.3f}" if isinstance(v, float) else html.escape(str(v))

    rows = "\n".join(
        "<tr>" + "".join(f"<td>{cell(r[c])}</td>" for c in cols) + "</tr>" for r in result.curve
    )
    smallest = "; ".join(
        f"alpha {s['alpha']}, effect {s['effect']}, compliance {s['compliance']}, "
        f"dropout {s['dropout']}: "
        + (
            f"{s['participants']} participants x {s['days']} days (power {s['power']:.3f})"
            if s["participants"] is not None
            else "not reached on this grid"
        )
        for s in result.smallest
    )
    failed = sum(r["failed"] for r in result.curve if r["alpha"] == d.grid.alpha[0])
    nonconv = sum(r["nonconverged"] for r in result.curve if r["alpha"] == d.grid.alpha[0])
    svg = _figure_svg(result)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(d.name)}: power</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:1em auto}}
td,th{{padding:2px 8px;text-align:right}}</style></head><body>
<h1>{html.escape(d.name)}</h1>
<p>Analysis: {html.escape(d.analysis.kind)} <code>{html.escape(d.analysis.formula)}</code>,
test of <code>{html.escape(d.analysis.test)}</code>
({html.escape(d.analysis.df)} df{", CAR(1) in day" if d.analysis.ar1 else ""}).
{d.reps} replicates per design point, seed {d.seed}. Bands: 95% Monte Carlo intervals
(Clopper-Pearson).</p>
<p>Smallest design reaching power {d.target}: {html.escape(smallest)}.</p>
<p>Failed fits: {failed}; fits that did not converge (kept, counted): {nonconv}.</p>
{svg}
<table><tr>{"".join(f"<th>{c}</th>" for c in cols)}</tr>
{rows}
</table>
<p>gutbrain {__version__}. Research and teaching only; not medical advice.</p>
</body></html>
"""


def write_power(result: PowerResult, out: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``results.json`` and ``report.html`` into the folder ``out`` (atomically)."""
    out = Path(out)
    with atomic_dir(out, COMMAND, overwrite=overwrite) as tmp:
        (tmp / "results.json").write_text(json.dumps(results_json(result), indent=1) + "\n")
        (tmp / "report.html").write_text(report_html(result), encoding="utf-8")
    return out
