"""gutbrain.explorer: an interactive page that runs the model, served beside the diary.

Choose an archetype, place antibiotic courses, probiotics, diet changes and stress periods on a
timeline, and watch the axis states and mood respond (plotly). The page, its bounded model
endpoint and its evidence pages are added to an app by :func:`add_explorer`; ``gutbrain serve``
builds the diary and adds them (:func:`gutbrain.webapp.create_app`), so the diary never imports
the model. A research and teaching simulation, not medical advice. See ``docs/explorer.md``.
"""

from __future__ import annotations

from gutbrain.explorer.routes import add_explorer as add_explorer

__all__ = ["add_explorer"]
