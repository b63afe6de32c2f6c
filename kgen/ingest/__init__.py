"""Stage 1 of the pipeline: read and check the inputs.

Each kind of input has its own reader (:mod:`.openapi`, :mod:`.crd`, :mod:`.cluster`); all of them produce
:class:`Inputs`, which :func:`kgen.model.build.build_model` turns into the API model. Nothing downstream reads
files again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kgen.errors import SpecError
from kgen.ingest.crd import CRDDocument, read_crds
from kgen.ingest.documents import LoadedDocument, iter_files, load_documents
from kgen.ingest.openapi import OpenAPIDocument, read_openapi

__all__ = ["CRDDocument", "Inputs", "OpenAPIDocument", "read_inputs"]


@dataclass(slots=True)
class Inputs:
    openapi: list[OpenAPIDocument] = field(default_factory=list)
    crds: list[CRDDocument] = field(default_factory=list)
    # Documents in --spec and --crd directories that are not inputs: (file, why), reported.
    skipped: list[tuple[str, str]] = field(default_factory=list)

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
    # A directory may hold files that are not inputs (a served-documents index, provenance notes; a
    # kubebuilder config/crd has kustomization.yaml and CRD patches): those are skipped and reported,
    # never half-read. A file named on its own is an input, whatever is wrong with it: named files are
    # read first, and a file is read once (named twice, or also inside a named directory).
    read: set[Path] = set()
    for file, named in _files(specs, "--spec"):
        if file.resolve() in read:
            continue
        for doc in _documents(file, named=named):
            if not named and not _claims_openapi(doc.content):
                inputs.skipped.append((_where(doc), "not an OpenAPI document"))
                continue
            inputs.openapi.append(
                read_openapi(doc.content, file=doc.file, index=doc.index, validate=validate)
            )
            read.add(file.resolve())
    read.clear()  # a file may hold both (a List of a CRD and ...): each kind of input reads it
    for file, named in _files(crds, "--crd"):
        if file.resolve() in read:
            continue
        for doc in _documents(file, named=named):
            why = None if named else _not_a_crd(doc.content)
            if why is not None:
                inputs.skipped.append((_where(doc), why))
                continue
            read.add(file.resolve())
            for crd in read_crds(doc.content, file=doc.file, index=doc.index):
                if any(version.get("served") for version in crd.crd["spec"]["versions"]):
                    inputs.crds.append(crd)
                else:
                    inputs.skipped.append((f"{_where(doc)}: {crd.name}", "no version is served"))
    inputs.skipped = list(dict.fromkeys(inputs.skipped))  # a directory named twice: said once
    return inputs


def _files(paths: Iterable[Path], what: str) -> list[tuple[Path, bool]]:
    """The files to read, each with whether it was named on its own: those first."""
    given = [Path(path) for path in paths]
    named = [(f, True) for path in given if not path.is_dir() for f in iter_files(path, what=what)]
    found = [(f, False) for path in given if path.is_dir() for f in iter_files(path, what=what)]
    return named + found


def _documents(file: Path, *, named: bool) -> list[LoadedDocument]:
    documents = list(load_documents(file))
    if named and not documents:
        raise SpecError("the file holds no documents", file=str(file))
    return documents


def _where(doc: LoadedDocument) -> str:
    return doc.file if doc.index is None else f"{doc.file} (document {doc.index})"


def _claims_openapi(content: object) -> bool:
    return isinstance(content, dict) and ("swagger" in content or "openapi" in content)


def _not_a_crd(content: object) -> str | None:
    """Why a document found in a --crd directory is not read as CRDs, or None if it is one."""
    if not isinstance(content, dict):
        return "not a CustomResourceDefinition"
    kind = content.get("kind")
    if kind == "List" and isinstance(content.get("items"), list):
        return None
    if kind != "CustomResourceDefinition":
        return (
            f"not a CustomResourceDefinition (kind {kind})" if kind else "not a Kubernetes object"
        )
    spec = content.get("spec")
    # kubebuilder's patches: webhook_in_* sets spec.conversion, cainjection_in_* only annotations.
    if not isinstance(spec, dict) or ("names" not in spec and "versions" not in spec):
        return "a patch to a CustomResourceDefinition (no spec.names or spec.versions)"
    return None
