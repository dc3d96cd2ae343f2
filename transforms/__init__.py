"""Pure functions, no file, database or network: a grid of cells in (grid), typed rows and issues out
(values, labels, detail, declared, submission); the inventory of a night's files; the core rules
(identity, core, dedup, checks, units) and the 情况说明 paragraph (narrative)."""
