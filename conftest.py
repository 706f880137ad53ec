"""Repository-level pytest configuration, shared by `pytest suites` and `pytest tests`.

Generated reports and benchmarks are never collected as tests.
"""

collect_ignore = ["reports", "benchmarks", "build", "dist"]
