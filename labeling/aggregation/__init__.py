"""Consensus and agreement math: numpy arrays in, plain results out.

No Django model, query or setting is imported here (import-linter checks it), so the same estimators
serve the resolution services, the agreement selectors, the benchmarks and the tests, and each can be
checked against its reference package (krippendorff, crowd-kit) without a database.
"""
