"""Side panels of the studio, one module each: parameters, electrodes, plots, inspector,
deposition counters and the trace analysis panel. Each takes the document (or plain data) and
only calls its methods; :mod:`nwn.app.widgets.studio` wires them together."""
