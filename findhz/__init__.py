"""findhz: the coordinators' side of the FIND HZ planner (the web app in ``findhz.web``)."""
