"""The half of the verb engine that does no I/O: how answers become objects, and the checks made before
a request is sent. The sync and async engines (``_sync/engine.py``, ``_async/engine.py``) share it.

The engine reads answers through a codec, the one seam between the typed and the dynamic client:

- :class:`TypedCodec` decodes generated models, each keeping the fields its model does not know, so that
  an update sends them back (:mod:`kgen.runtime._preserve`);
- :data:`UNSTRUCTURED` keeps the JSON as :class:`~kgen.runtime._unstructured.Unstructured`, which loses
  nothing and needs no generated code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import msgspec

import kgen.runtime._codec as codec
import kgen.runtime._preserve as preserve
from kgen.runtime._errors import DecodeError, ResourceNotSupported
from kgen.runtime._meta import KubernetesList, KubernetesObject, Status
from kgen.runtime._request import Result
from kgen.runtime._resources import GroupVersionKind, ResourceInfo
from kgen.runtime._unstructured import Unstructured, UnstructuredList
from kgen.runtime._watchevent import WatchEventDecoder

__all__ = [
    "UNSTRUCTURED",
    "Codec",
    "TypedCodec",
    "UnstructuredCodec",
    "apply_body",
    "check_namespace",
    "check_verb",
    "read_model",
    "read_model_or_status",
]

T = TypeVar("T")
L = TypeVar("L")
B = TypeVar("B")
M = TypeVar("M", bound=KubernetesObject)
LM = TypeVar("LM", bound=KubernetesList[Any])


class Codec(ABC, Generic[T, L]):
    """How one client reads its objects (``T``) and lists (``L``) from answers, and writes objects."""

    @abstractmethod
    def read_object(self, result: Result) -> T:
        """The object an answer carries."""

    @abstractmethod
    def read_object_or_status(self, result: Result) -> T | Status:
        """The object, or the Status some writes answer with instead (deletes, evictions)."""

    @abstractmethod
    def read_list(self, result: Result) -> L:
        """The list an answer carries."""

    @abstractmethod
    def items(self, page: L) -> list[T]:
        """The objects of a list."""

    @abstractmethod
    def list_meta(self, page: L) -> tuple[str | None, str | None]:
        """A list's resourceVersion and continue token."""

    @abstractmethod
    def watch_decoder(self) -> WatchEventDecoder[T]:
        """A decoder of watch events carrying this client's objects."""

    @abstractmethod
    def encode(self, obj: Any, *, preserving: bool = False) -> Any:
        """The body sent for ``obj``; ``preserving``: with the fields it was read with (updates)."""

    @abstractmethod
    def metadata(self, obj: Any) -> tuple[str | None, str | None]:
        """The name and namespace of an object to be sent."""

    def name_of(self, obj: Any) -> str:
        name, _ = self.metadata(obj)
        if not name:
            what = "object" if isinstance(obj, Mapping) else type(obj).__name__
            raise ValueError(f"this {what} has no metadata.name")
        return name


def read_model(result: Result, tp: type[B]) -> B:
    """Decode one object (it keeps the fields its model lacks, for an update)."""
    return result.into(tp)


def read_model_or_status(result: Result, tp: type[B]) -> B | Status:
    if codec.kind_of(result.body) == "Status":
        return result.into(Status)
    return result.into(tp)


class TypedCodec(Codec[M, LM]):
    """Generated models: ``kind`` and ``list_kind``."""

    __slots__ = ("kind", "list_kind")

    def __init__(self, kind: type[M], list_kind: type[LM]) -> None:
        self.kind = kind
        self.list_kind = list_kind

    def read_object(self, result: Result) -> M:
        return read_model(result, self.kind)

    def read_object_or_status(self, result: Result) -> M | Status:
        return read_model_or_status(result, self.kind)

    def read_list(self, result: Result) -> LM:
        return result.into(self.list_kind)

    def items(self, page: LM) -> list[M]:
        return page.items

    def list_meta(self, page: LM) -> tuple[str | None, str | None]:
        meta = page.metadata
        return (meta.resource_version, meta.continue_) if meta is not None else (None, None)

    def watch_decoder(self) -> WatchEventDecoder[M]:
        return WatchEventDecoder(self.kind)

    def encode(self, obj: Any, *, preserving: bool = False) -> Any:
        return preserve.encode_preserving(obj) if preserving else obj

    def metadata(self, obj: Any) -> tuple[str | None, str | None]:
        if isinstance(obj, Mapping):  # an apply configuration, or a payload given as JSON
            meta = obj.get("metadata") or {}
            return meta.get("name"), meta.get("namespace")
        meta = getattr(obj, "metadata", None)
        return getattr(meta, "name", None), getattr(meta, "namespace", None)


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise DecodeError(f"the server's answer is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise DecodeError("the server did not answer with a JSON object")
    return value


class UnstructuredCodec(Codec[Unstructured, UnstructuredList]):
    """JSON objects as :class:`Unstructured` (a Status too: the dynamic client never needs a model)."""

    __slots__ = ()

    def read_object(self, result: Result) -> Unstructured:
        return Unstructured(_json_object(result.body))

    def read_object_or_status(self, result: Result) -> Unstructured:
        return self.read_object(result)

    def read_list(self, result: Result) -> UnstructuredList:
        return UnstructuredList(_json_object(result.body))

    def items(self, page: UnstructuredList) -> list[Unstructured]:
        return page.items

    def list_meta(self, page: UnstructuredList) -> tuple[str | None, str | None]:
        return page.resource_version, page.continue_

    def watch_decoder(self) -> WatchEventDecoder[Unstructured]:
        return WatchEventDecoder(None, wrap=Unstructured)

    def encode(self, obj: Any, *, preserving: bool = False) -> Any:
        # Nothing to preserve: an Unstructured is all of the JSON it was read from.
        return obj.object if isinstance(obj, Unstructured) else obj

    def metadata(self, obj: Any) -> tuple[str | None, str | None]:
        meta = (obj.get("metadata") if isinstance(obj, Mapping) else None) or {}
        return meta.get("name"), meta.get("namespace")


#: The dynamic client's codec.
UNSTRUCTURED = UnstructuredCodec()


def check_verb(
    info: ResourceInfo | None, namespace: str | None, verb: str, subresource: str | None = None
) -> None:
    """Refuse, before any request, a verb that ``info`` (the API model) says the resource does not
    have, and anything but list and watch across every namespace. With no ``info`` (the dynamic
    client) the server decides."""
    if info is None:
        return
    every_namespace = info.namespaced and namespace is None
    if every_namespace and (verb not in ("list", "watch") or subresource is not None):
        raise ResourceNotSupported(
            f"{info.plural} across every namespace: only list and watch (give a namespace)"
        )
    if subresource is None:
        if verb not in info.verbs:
            raise ResourceNotSupported(f"{info.plural} do not support {verb}")
        return
    sub = info.subresource(subresource)
    if sub is None or verb not in sub.verbs:
        raise ResourceNotSupported(f"{info.plural}/{subresource} does not support {verb}")


def check_namespace(given: str | None, namespace: str | None) -> None:
    """An object sent to a client of one namespace must be in it (or say no namespace)."""
    if given and namespace and given != namespace:
        raise ValueError(
            f"the object is in namespace {given!r} but this client is for {namespace!r}"
        )


def apply_body(obj: Any, gvk: GroupVersionKind | None) -> Any:
    """The body of a server-side apply of ``obj``.

    A mapping is an apply configuration as JSON: only what it names is managed, where a model would
    need its required fields (and would then own them); ``apiVersion`` and ``kind`` are filled from
    ``gvk`` when it lacks them."""
    if not isinstance(obj, Mapping):
        return obj
    body = dict(obj.object if isinstance(obj, Unstructured) else obj)
    if gvk is not None:
        body.setdefault("apiVersion", gvk.api_version)
        body.setdefault("kind", gvk.kind)
    return body
