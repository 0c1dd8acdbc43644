"""findhz: the FIND HZ planner, one installed name for everything importable.

* ``findhz.planner``: models, loading, travel times, assignment, scheduling, verification,
  re-planning and the exports (the ``planner/`` folder of the repository);
* ``findhz.maps``: the interactive HTML maps and pages (``maps/``);
* ``findhz.benchmarks``: ``findhz bench`` (``benchmarks/``);
* ``findhz.web``: the coordinators' web app;
* ``findhz.cli``: the command line, the one module that joins them (the composition root).

The wheel maps the repository's top-level folders into this package; a source checkout
reaches them through the links in ``findhz/``. Importing ``findhz`` loads nothing else.
"""
