"""kepu: consolidates 全国科普日 activity reports into a DuckDB warehouse and the city's outputs.

Everything lives under this one import root, layered so that imports point down only
(tests/test_layers.py holds them to it):

    kepu.cli                    the `kepu` command                      (and kepu.demo, the demo city)
    kepu.flows                  Prefect: the nightly run, its schedule, the parse batch
    kepu.sources                where submissions come from, how bytes become a Book; the file store
    kepu.deliverables           what the city receives: workbook, CSV/Parquet, 情况说明, 回执, 报告.html
    kepu.form                   the official form (`kepu template`)
    kepu.settings, kepu.terminal, kepu.progress
    kepu.warehouse              DuckDB: SQL per layer, the loader, the publisher, the named queries
    kepu.transforms             pure rules: a grid of cells in, typed rows, core tables and issues out
    kepu.schemas                the vocabulary, the issue catalogue, the synonym tables, pandera models

flows/, schemas/, transforms/ and warehouse/ sit at the top of the repository and are installed as
kepu.flows, kepu.schemas, kepu.transforms and kepu.warehouse (pyproject's package-dir).
"""
