"""Offscreen drawing with Qt and pyqtgraph, but no windows: the Qt application for headless use
(:mod:`~nwn.app.render.offscreen`), SI units and ticks (:mod:`~nwn.app.render.units`), the
network view and its bulk layers, movies, report and bridge figures, and figure/table export."""
