"""Answering: question -> evidence -> cited answer -> CLI and web chat."""
