"""Loaded at the start of every Python process of a test run (the CLI, its process-pool workers) when this
folder is on PYTHONPATH: with KEPU_TEST_PARSE_DELAY set, each file's parse takes that many seconds longer, so
a test can stop a run in the middle of its parse stage; with KEPU_TEST_PARSE_LOG set, each parse that
begins adds a line to that file (the store is no measure: sources copy every file into it before parsing)."""

import os

try:
    import kepu.flows.parsing as parsing
except ImportError:  # a helper process without kepu on its path (multiprocessing's resource tracker)
    parsing = None

if parsing is not None and os.environ.get("KEPU_TEST_PARSE_DELAY"):
    import time

    _delay = float(os.environ["KEPU_TEST_PARSE_DELAY"])
    _parse_book = parsing.parse_book

    _parse_log = os.environ.get("KEPU_TEST_PARSE_LOG")

    def _slow_parse_book(*args, **kwargs):
        if _parse_log:  # one line per file whose parse began (O_APPEND: whole lines from any process)
            with open(_parse_log, "a", encoding="utf-8") as log:
                log.write("parse\n")
        time.sleep(_delay)
        return _parse_book(*args, **kwargs)

    parsing.parse_book = _slow_parse_book

if os.environ.get("KEPU_TRACE_HOOK"):
    exec(open(os.environ["KEPU_TRACE_HOOK"]).read())
