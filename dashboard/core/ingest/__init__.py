"""Ingest: parse export files into canonical rows, enrich them, store them in one transaction."""
