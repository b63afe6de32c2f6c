"""The one door from kgen.testing to the generator's front end (:mod:`kgen.ingest`, :mod:`kgen.model`).

Spec and CRD files a user names (``APIServer.from_inputs``, ``python -m kgen.testing``), and
CustomResourceDefinitions created at run time (:mod:`kgen.testing.crds`), are read and built into the
API model exactly as ``kgen generate`` reads and builds them. Everything else of kgen.testing reads only
the model (:mod:`kgen.apimodel`), which is what a generated package embeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kgen.apimodel.ir import APIModel
from kgen.errors import KgenError, SpecError
from kgen.ingest import Inputs, read_inputs
from kgen.ingest.crd import read_crds
from kgen.model.build import build_model

__all__ = ["KgenError", "crd_model", "crd_problem", "read_crd_files", "read_spec_files"]


def read_spec_files(
    specs: Iterable[Path | str], crds: Iterable[Path | str]
) -> tuple[APIModel | None, list[dict[str, Any]]]:
    """The model of OpenAPI documents (``--spec``; None without any) and the CRD objects of ``--crd``
    files, which the server creates as if at run time."""
    inputs = read_inputs(specs=[Path(p) for p in specs], crds=[Path(p) for p in crds])
    model = build_model(Inputs(openapi=inputs.openapi)) if inputs.openapi else None
    return model, [doc.crd for doc in inputs.crds]


def read_crd_files(paths: Iterable[Path | str]) -> list[dict[str, Any]]:
    """The CustomResourceDefinition objects of CRD files or directories."""
    return [doc.crd for doc in read_inputs(crds=[Path(p) for p in paths]).crds]


def crd_model(crd: dict[str, Any], name: str) -> APIModel:
    """The model of the resources one CustomResourceDefinition object serves."""
    documents = list(read_crds(crd, file=f"customresourcedefinitions/{name}"))
    return build_model(Inputs(crds=documents))


def crd_problem(crd: dict[str, Any]) -> tuple[str, str] | None:
    """What makes a CustomResourceDefinition object unusable, as (JSON pointer, message), or None."""
    try:
        list(read_crds(crd, file="CustomResourceDefinition"))
    except SpecError as exc:
        return exc.pointer, exc.message
    return None
