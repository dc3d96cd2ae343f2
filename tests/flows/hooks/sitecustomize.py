"""Loaded at the start of every Python process of a test run (the CLI, its process-pool workers) when this
folder is on PYTHONPATH. It slows one stage of a run down so a test can send a stop signal into it:

- KEPU_TEST_STAGE: which stage (`scan`, `parse`, `core`, `publish`, `outputs`, `notices`; default `parse`);
- KEPU_TEST_PARSE_DELAY: how many seconds longer the stage takes (for `parse`: each file's parse);
- KEPU_TEST_PARSE_LOG: a file that gets one line each time the slowed stage begins (for `parse`: each file;
  the store is no measure, sources copy every file into it before parsing).

`core` spends its delay inside DuckDB queries on the run's staged warehouse, so the signal lands in a query
(DuckDB then reports "Query interrupted", whatever the signal handler raised); the other stages sleep in
Python, in the thread that runs them."""

import os

try:
    import kepu.flows.parsing as parsing
except ImportError:  # a helper process without kepu on its path (multiprocessing's resource tracker)
    parsing = None

if parsing is not None and os.environ.get("KEPU_TEST_PARSE_DELAY"):
    import threading
    import time

    _delay = float(os.environ["KEPU_TEST_PARSE_DELAY"])
    _stage = os.environ.get("KEPU_TEST_STAGE", "parse")
    _log = os.environ.get("KEPU_TEST_PARSE_LOG")

    def _begun() -> None:
        if _log:  # one line per slowed stage that began (O_APPEND: whole lines from any process)
            with open(_log, "a", encoding="utf-8") as log:
                log.write(f"{_stage} {threading.current_thread().name}\n")

    _calls = []

    def _slowed(function, every: bool = False):
        """`function`, slowed the first time it is called (`every`: each time): recording the stopped run
        publishes again, and that publish is not the stage under test."""

        def slow(*args, **kwargs):
            if every or not _calls:
                _calls.append(1)
                _begun()
                time.sleep(_delay)
            return function(*args, **kwargs)

        return slow

    def _slowed_in_queries(function):
        def slow(con, *args, **kwargs):
            _begun()
            deadline = time.monotonic() + _delay
            while time.monotonic() < deadline:  # many short queries: a signal lands inside one of them
                con.execute("select sum(i % 7) from range(3000000) t(i)").fetchall()
            return function(con, *args, **kwargs)

        return slow

    if _stage in ("scan", "core", "notices"):
        import sys

        from kepu.flows import prefect_env

        prefect_env.configure(verbose="--verbose" in sys.argv)  # as the CLI does before Prefect is imported
        import kepu.flows.nightly as nightly

    if _stage == "parse":
        parsing.parse_book = _slowed(parsing.parse_book, every=True)
    elif _stage == "scan":
        nightly.take_in_source = _slowed(nightly.take_in_source)
    elif _stage == "core":
        nightly.rebuild_core = _slowed_in_queries(nightly.rebuild_core)
    elif _stage == "publish":
        import kepu.warehouse.publisher as publisher

        publisher._publish = _slowed(publisher._publish)
    elif _stage == "outputs":
        import kepu.deliverables.publish as deliverables

        deliverables.write_all = _slowed(deliverables.write_all)
    elif _stage == "notices":
        nightly.send_notices = _slowed(nightly.send_notices)

if os.environ.get("KEPU_TRACE_HOOK"):
    exec(open(os.environ["KEPU_TRACE_HOOK"]).read())
