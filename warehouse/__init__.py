"""The DuckDB warehouse: SQL per layer (sql/raw, core, marts, audit, as Jinja templates over the
vocabulary), the schema that creates it, the one loader, the atomic publisher and the named queries."""
