"""Orchestration with Prefect: the nightly flow (thin tasks calling the layers below), its schedule,
the parse batch every task runner executes, and the Prefect settings and local server kepu runs with."""
