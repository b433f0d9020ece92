"""Dashboard reads, one module per page; each returns a `Page` of `Table`s, scoped."""
