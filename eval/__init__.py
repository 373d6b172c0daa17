"""Evaluation: gold questions -> system runs -> grounding and retrieval metrics."""
