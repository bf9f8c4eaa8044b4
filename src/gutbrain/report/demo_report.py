"""The flagship demo end to end: the JS2025 trial in silico, then its analysis report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gutbrain.report.analyze_report import run_analyze
from gutbrain.trials.demo import DemoResult, run_demo
from gutbrain.trials.run import ProgressFn

__all__ = ["FullDemo", "run_full_demo"]


@dataclass(frozen=True)
class FullDemo:
    """The demo trial and where its analysis report was written."""

    trial: DemoResult
    report_dir: Path

    def lines(self) -> list[str]:
        return [*self.trial.lines(), f"analysis -> {self.report_dir / 'report.html'}"]


def run_full_demo(
    out: str | Path, seed: int = 2025, progress: ProgressFn | None = None
) -> FullDemo:
    """Run the JS2025 design into ``<out>/bundle`` and analyse it into ``<out>/analysis``."""
    trial = run_demo(out, seed=seed, progress=progress)
    report = Path(out) / "analysis"
    run_analyze(Path(out) / "bundle", report)
    return FullDemo(trial, report)
