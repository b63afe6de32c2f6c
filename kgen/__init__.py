"""kgen: typed Kubernetes clients for Python, generated from OpenAPI and CRDs.

``kgen generate`` (the generator: :mod:`kgen.ingest` -> :mod:`kgen.model` -> :mod:`kgen.emit`) writes
ordinary Python packages that stand on :mod:`kgen.runtime`, the hand-written runtime.
"""

__version__ = "0.1.0"
