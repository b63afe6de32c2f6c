"""Manifests in: multi-document YAML and JSON into typed objects (or unstructured ones).

    manifests = load_manifests("deploy/")                 # every .yaml, .yml and .json file, sorted
    manifests = load_manifests("app.yaml", scheme=SCHEME) # kinds the scheme knows become its models
    manifests = parse_manifests(text)                     # a string (or bytes)

Documents are read with the runtime's YAML loader (kubectl's reading of YAML 1.1, go-yaml's alias
limit); ``List`` kinds (``v1 List``, ``PodList``...) are expanded into their items. A kind the scheme
knows is decoded into its model (a field of the wrong type is a problem); any other kind stays an
:class:`~kgen.runtime._unstructured.Unstructured`. Every object keeps where it came from: the file, the
document (from 1) and the item of a List (from 0). Every problem found (bad YAML, a document that names
no apiVersion or kind, a field of the wrong type) is collected and raised as one
:class:`~kgen.runtime._errors.ManifestError`.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Union

import msgspec
import yaml

import kgen.runtime._codec as codec
from kgen.runtime._errors import ManifestError, ManifestProblem
from kgen.runtime._meta import KubernetesObject
from kgen.runtime._resources import GroupVersionKind
from kgen.runtime._scheme import Scheme
from kgen.runtime._unstructured import Unstructured
from kgen.runtime._yamlsafe import KubernetesLoader

__all__ = ["Manifest", "ManifestSource", "load_manifests", "parse_manifests"]

#: What :func:`load_manifests` reads: a file or directory (a path), or an open stream.
ManifestSource = Union[str, "os.PathLike[str]", IO[str], IO[bytes]]

_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(eq=False)
class Manifest:
    """One object of a set of manifests, and where it was read from.

    ``object`` is a model of the scheme's package when the scheme knows its kind, else an
    :class:`~kgen.runtime._unstructured.Unstructured`. ``source`` is the file (or ``<string>``,
    ``<stream>``), ``document`` its place in the stream (from 1), ``item`` its place in a ``List``
    document (from 0; None when the document is the object itself)."""

    object: Any
    source: str = "<string>"
    document: int = 1
    item: int | None = None

    @classmethod
    def of(cls, obj: Any, source: str = "<object>", document: int = 1) -> Manifest:
        """A manifest of an object made in code (a model, an Unstructured or a dict)."""
        if isinstance(obj, Manifest):
            return obj
        if isinstance(obj, dict):
            obj = Unstructured(obj)
        return cls(obj, source, document)

    def body(self) -> dict[str, Any]:
        """The object as JSON (a fresh copy: changing it does not change the manifest)."""
        if isinstance(self.object, Unstructured):
            return copy.deepcopy(self.object.object)
        data = codec.to_builtins(self.object)
        assert isinstance(data, dict)
        return data

    @property
    def api_version(self) -> str:
        return str(_get(self.object, "apiVersion") or "")

    @property
    def kind(self) -> str:
        return str(_get(self.object, "kind") or "")

    @property
    def gvk(self) -> GroupVersionKind:
        group, _, version = self.api_version.rpartition("/")
        return GroupVersionKind(group, version, self.kind)

    @property
    def name(self) -> str:
        return str(_meta(self.object, "name") or "")

    @property
    def namespace(self) -> str | None:
        value = _meta(self.object, "namespace")
        return str(value) if value else None

    @property
    def where(self) -> str:
        """``app.yaml, document 2`` (``, item 0`` for an item of a List)."""
        text = f"{self.source}, document {self.document}"
        return text if self.item is None else f"{text}, item {self.item}"

    def describe(self) -> str:
        """``Deployment web -n shop (app.yaml, document 2)``: what and where, for messages."""
        namespace = f" -n {self.namespace}" if self.namespace else ""
        return f"{self.kind} {self.name}{namespace} ({self.where})"

    def problem(self, path: str, message: str) -> ManifestProblem:
        return ManifestProblem(self.source, self.document, path, message, self.item)


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, (Unstructured, dict)):
        return obj.get(key)
    return getattr(obj, {"apiVersion": "api_version"}.get(key, key), None)


def _meta(obj: Any, key: str) -> Any:
    if isinstance(obj, (Unstructured, dict)):
        metadata = obj.get("metadata")
        return metadata.get(key) if isinstance(metadata, dict) else None
    return getattr(getattr(obj, "metadata", None), key, None)


# --- reading ----------------------------------------------------------------------------------------


def load_manifests(
    *sources: ManifestSource, scheme: Scheme | None = None, recursive: bool = False
) -> list[Manifest]:
    """Every object of the files, directories and streams named, in order (a directory's files
    sorted by name: ``.yaml``, ``.yml`` and ``.json``; with ``recursive``, its subdirectories' too).
    Raises :class:`~kgen.runtime._errors.ManifestError` listing every problem of every file."""
    out: list[Manifest] = []
    problems: list[ManifestProblem] = []
    for source in sources:
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if path.is_dir():
                pattern = "**/*" if recursive else "*"
                files = sorted(
                    p for p in path.glob(pattern) if p.suffix in _SUFFIXES and p.is_file()
                )
            elif path.exists():
                files = [path]
            else:
                problems.append(ManifestProblem(str(path), 0, "", "no such file or directory"))
                continue
            for file in files:
                try:
                    text = file.read_bytes()
                except OSError as exc:
                    problems.append(ManifestProblem(str(file), 0, "", exc.strerror or str(exc)))
                    continue
                _parse(text, str(file), scheme, out, problems)
        else:
            name = getattr(source, "name", None)
            _parse(
                source.read(), name if isinstance(name, str) else "<stream>", scheme, out, problems
            )
    if problems:
        raise ManifestError(problems)
    return out


def parse_manifests(
    text: str | bytes, *, scheme: Scheme | None = None, source: str = "<string>"
) -> list[Manifest]:
    """Every object of a YAML or JSON text (``source`` names it in messages)."""
    out: list[Manifest] = []
    problems: list[ManifestProblem] = []
    _parse(text, source, scheme, out, problems)
    if problems:
        raise ManifestError(problems)
    return out


def _parse(
    text: str | bytes,
    source: str,
    scheme: Scheme | None,
    out: list[Manifest],
    problems: list[ManifestProblem],
) -> None:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(ManifestProblem(source, 1, "", f"not UTF-8 text: {exc.reason}"))
            return
    document = 0
    try:
        for document, data in enumerate(_documents(text), start=1):
            _read_document(data, source, document, scheme, out, problems)
    except yaml.YAMLError as exc:
        problems.append(ManifestProblem(source, document + 1, "", _yaml_message(exc)))


def _documents(text: str) -> Iterable[Any]:
    if text.lstrip().startswith(("{", "[")):
        # JSON: one value (an object, or an array of objects read as a List's items). Text that is
        # not JSON after all (YAML's flow style, several documents) is read as YAML, whose errors
        # say where the problem is.
        try:
            value = msgspec.json.decode(text.encode())
        except msgspec.DecodeError:
            pass
        else:
            if isinstance(value, list):
                return [{"apiVersion": "v1", "kind": "List", "items": value}]
            return [value]
    return yaml.load_all(text, Loader=KubernetesLoader)  # noqa: S506 - a safe loader


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"{context}: {problem}" if context else str(problem)
    if mark is not None:
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {text}"
    return f"invalid YAML: {text}"


def _read_document(
    data: Any,
    source: str,
    document: int,
    scheme: Scheme | None,
    out: list[Manifest],
    problems: list[ManifestProblem],
) -> None:
    if data is None:
        return  # an empty document ("---" twice, a trailing separator, only comments)
    if not isinstance(data, dict):
        problems.append(
            ManifestProblem(
                source, document, "", f"a document must be an object, not {_kind_of(data)}"
            )
        )
        return
    if not _names_kind(data, source, document, None, "", problems):
        return
    if str(data["kind"]).endswith("List") and "items" in data:
        if scheme is None or (data["apiVersion"], data["kind"]) not in scheme:
            items = data.get("items")
            if not isinstance(items, list):
                problems.append(
                    ManifestProblem(
                        source, document, "items", f"must be a list, not {_kind_of(items)}"
                    )
                )
                return
            for index, item in enumerate(items):
                prefix = f"items[{index}]"
                if not isinstance(item, dict):
                    problems.append(
                        ManifestProblem(
                            source,
                            document,
                            prefix,
                            f"must be an object, not {_kind_of(item)}",
                            index,
                        )
                    )
                elif _names_kind(item, source, document, index, prefix + ".", problems):
                    _decode(item, source, document, index, scheme, out, problems)
            return
        # A typed list (PodList...): its items are of one kind, and say so or not.
        kind = str(data["kind"])[: -len("List")]
        for index, item in enumerate(data.get("items") or []):
            if isinstance(item, dict):
                item = {"apiVersion": data["apiVersion"], "kind": kind, **item}
            prefix = f"items[{index}]"
            if not isinstance(item, dict):
                problems.append(
                    ManifestProblem(
                        source, document, prefix, f"must be an object, not {_kind_of(item)}", index
                    )
                )
                continue
            _decode(item, source, document, index, scheme, out, problems)
        return
    _decode(data, source, document, None, scheme, out, problems)


def _names_kind(
    data: dict[str, Any],
    source: str,
    document: int,
    item: int | None,
    prefix: str,
    problems: list[ManifestProblem],
) -> bool:
    ok = True
    for key in ("apiVersion", "kind"):
        value = data.get(key)
        if not value:
            message = "Required value: every object names its apiVersion and kind"
            problems.append(ManifestProblem(source, document, prefix + key, message, item))
            ok = False
        elif not isinstance(value, str):
            message = f"must be a string, not {_kind_of(value)}"
            problems.append(ManifestProblem(source, document, prefix + key, message, item))
            ok = False
    return ok


def _decode(
    data: dict[str, Any],
    source: str,
    document: int,
    item: int | None,
    scheme: Scheme | None,
    out: list[Manifest],
    problems: list[ManifestProblem],
) -> None:
    prefix = f"items[{item}]." if item is not None else ""
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        message = f"must be an object, not {_kind_of(metadata)}"
        problems.append(ManifestProblem(source, document, prefix + "metadata", message, item))
        return
    key = (data["apiVersion"], data["kind"])
    if scheme is not None and key in scheme:
        try:
            obj: Any = codec.from_builtins(data, scheme.type_for(*key))
        except msgspec.ValidationError as exc:
            path, message = _split_validation(str(exc))
            problems.append(ManifestProblem(source, document, prefix + path, message, item))
            return
        if isinstance(obj, KubernetesObject):
            out.append(Manifest(obj, source, document, item))
            return
    out.append(Manifest(Unstructured(data), source, document, item))


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


def _split_validation(text: str) -> tuple[str, str]:
    """msgspec's ``Expected `int`, got `str` - at `$.spec.replicas``` as (``spec.replicas``, the
    message)."""
    match = _AT.match(text)
    assert match is not None
    path = (match.group("path") or "").lstrip(".")
    return path, match.group("message")


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
