"""Where submissions come from and how their bytes become a Book.

`folder` lists the inbox folder; `store` keeps every received file's bytes under its sha256 beside the
warehouse; `books` reads one file's bytes into a `transforms.grid.Book` of cells. This is the one place
that touches received files; everything after the Book is pure.
"""
