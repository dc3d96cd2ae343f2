"""The bottom layer, importing nothing of kepu above it: the domain vocabulary, the received-file record,
the issue catalogue, the synonym tables (synonyms.toml), the pandera models checked between layers and
kepu's exceptions."""
