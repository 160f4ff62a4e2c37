"""Sweeps and ensembles: many runs of one scenario on a Dask cluster, into one file.

>>> from nwn.engine.sweep import run_sweep                     # doctest: +SKIP
>>> result = run_sweep(scenario, vary={"junction.params.eta_p": [5, 10, 20],
...                                    "network.n_wires": [1000, 2000]},
...                    seeds=range(8), output="sweep.h5")
>>> result["conductance"]          # dims (junction.params.eta_p, network.n_wires, seed, time)

Modules: :mod:`~nwn.engine.sweep.keys` (key paths, the sweep definition and its members),
:mod:`~nwn.engine.sweep.member` (what runs on a worker), :mod:`~nwn.engine.sweep.cluster`
(which Dask cluster), :mod:`~nwn.engine.sweep.store` (the results file, its layout),
:mod:`~nwn.engine.sweep.result` (reading it back) and :mod:`~nwn.engine.sweep.runner`
(:func:`run_sweep`, tying them together).

Guarantees
----------
* Validated before launch: every member's scenario is parsed on the client before any work is
  sent; one bad value refuses the whole sweep, naming the member and the key path.
* Deterministic: a member (key values, seed) gives bit-identical arrays run serially, on one
  worker or on many, in any order, and the same as ``nwn run`` with those values and seed.
* Fault tolerant: a member that raises is recorded as failed with a one-line reason while the
  others complete; a worker process that dies takes nothing with it (the scheduler reruns its
  members elsewhere).
* Resumable: each finished member is flushed to the file; running the same sweep with the same
  output again runs only the members still missing, and a file holding another sweep is
  refused, never overwritten.

The runner contract
-------------------
``run_sweep(..., runner=f)`` runs ``f(scenario)`` on a worker for each member instead of the
default simulation (other packages score, for instance, reservoir-computing tasks this way).

* ``scenario`` is the member's validated :class:`~nwn.engine.scenario.Scenario`: the base
  scenario with the member's key values, and its ``seed`` set to the member's seed.
* ``f`` returns a ``dict`` mapping output names to numeric arrays (or scalars). Each becomes a
  float64 variable of the results file with dimensions (the sweep's dimensions, then its own:
  names such as ``conductance`` or ``terminal_current`` get the default runner's dimension
  names, any other name ``<name>_dim0``, ``<name>_dim1``, ...). Shapes may differ between
  members; shorter arrays are NaN-padded.
* ``f`` must be picklable (a module-level function or an instance of a module-level class,
  importable on the workers) and deterministic in the scenario (use ``scenario.seed`` for any
  randomness), so that the sweep's guarantees hold for it too.
* An exception raised by ``f`` marks that member failed with the exception's first line.
* The file records ``f``'s qualified name; resuming with another runner is refused.
"""

from nwn.engine.sweep.keys import MAX_MEMBERS, Member, SweepDefinition, parse_values
from nwn.engine.sweep.member import OUTPUTS, default_runner
from nwn.engine.sweep.result import SweepResult, open_sweep
from nwn.engine.sweep.runner import SERIAL, run_sweep

__all__ = ["MAX_MEMBERS", "OUTPUTS", "SERIAL", "Member", "SweepDefinition", "SweepResult",
           "default_runner", "open_sweep", "parse_values", "run_sweep"]
