"""Ingestion: files -> clean text -> documents -> chunks -> embeddings -> index."""
