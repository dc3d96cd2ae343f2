"""The demo city: a realistic, deterministic registry and inbox for `kepu demo` and the tests.

Not the product: only the command line imports it (tests/test_layers.py holds it to that).
`city` plans the city and its answer key, `layouts` how its offices fill in their forms, `forms` the
official form filled in as a unit would, and `writers` turns grids of cells into .xlsx, .xls and CSV
files (the tests write their fixture workbooks with it too).
"""
