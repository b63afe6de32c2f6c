"""Stage 1 of the pipeline: read and check the inputs.

Each kind of input has its own reader (:mod:`.openapi`, :mod:`.crd`, :mod:`.cluster`); all of them produce
:class:`Inputs`, which :func:`kgen.model.build.build_model` turns into the API model. Nothing downstream reads
files again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kgen.ingest.crd import CRDDocument, read_crds
from kgen.ingest.documents import iter_files, load_documents
from kgen.ingest.openapi import OpenAPIDocument, read_openapi

__all__ = ["CRDDocument", "Inputs", "OpenAPIDocument", "read_inputs"]


@dataclass(slots=True)
class Inputs:
    openapi: list[OpenAPIDocument] = field(default_factory=list)
    crds: list[CRDDocument] = field(default_factory=list)
    # Files in --spec directories that are not OpenAPI documents.
    skipped: list[str] = field(default_factory=list)

    def extend(self, other: Inputs) -> None:
        self.openapi.extend(other.openapi)
        self.crds.extend(other.crds)
        self.skipped.extend(other.skipped)

    @property
    def files(self) -> list[str]:
        return sorted({d.file for d in self.openapi} | {d.file for d in self.crds})


def read_inputs(
    specs: Iterable[Path] = (), crds: Iterable[Path] = (), *, validate: bool = True
) -> Inputs:
    """Read ``--spec`` paths (Swagger 2.0 or OpenAPI 3 files, or directories of them) and ``--crd`` paths
    (CRD files or directories; YAML streams and Lists allowed)."""
    inputs = Inputs()
    for path in specs:
        in_directory = Path(path).is_dir()
        for file in iter_files(Path(path), what="--spec"):
            for doc in load_documents(file):
                if in_directory and not _claims_openapi(doc.content):
                    # A directory of documents as a server serves them may hold other files (an index,
                    # provenance notes): those are skipped and reported, never half-read.
                    inputs.skipped.append(doc.file)
                    continue
                inputs.openapi.append(
                    read_openapi(doc.content, file=doc.file, index=doc.index, validate=validate)
                )
    for path in crds:
        for file in iter_files(Path(path), what="--crd"):
            for doc in load_documents(file):
                inputs.crds.extend(read_crds(doc.content, file=doc.file, index=doc.index))
    return inputs


def _claims_openapi(content: object) -> bool:
    return isinstance(content, dict) and ("swagger" in content or "openapi" in content)
