"""The coordinators' web app (``findhz serve``), over the ``planner`` and ``maps`` packages."""
