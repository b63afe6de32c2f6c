"""kgen: typed Kubernetes clients for Python, generated from OpenAPI and CRDs.

``kgen generate`` (the generator: :mod:`kgen.ingest` -> :mod:`kgen.model` -> :mod:`kgen.emit`) writes
ordinary Python packages that stand on :mod:`kgen.runtime`, the hand-written runtime.
"""

__version__ = "0.1.0"

#: The contract between generated code and the runtime (kgen.runtime._compat): what a package generated
#: by this kgen records, bumped when generated code changes in a way an older runtime cannot serve.
RUNTIME_FORMAT = 2
