"""Feature statistics of training and serving data, pure (no Django): the consumer and the checks share it.

`profile` flattens feature snapshots and builds mergeable statistics (exact category counts, Apache
DataSketches KLL sketches for numbers), `distances` holds Chebyshev and Jensen-Shannon, `schema` infers
a schema from reference statistics and `checks` compares a serving window with the reference.
"""
