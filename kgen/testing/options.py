"""What a request asks for, as the server reads it: the API's ListOptions (:class:`ListQuery`),
CreateOptions/UpdateOptions/PatchOptions (:class:`WriteQuery`) and DeleteOptions (:class:`DeleteQuery`),
parsed from query parameters or bodies and validated with the apiserver's messages.

(The client's side of the same options is :class:`kgen.runtime.ListOptions` and
:class:`kgen.runtime.WriteOptions`: what a client sends. These are what the server received.)"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kgen.runtime._labels import ParsedLabelSelector, SelectorError
from kgen.runtime._violation import go_q
from kgen.runtime._selectors import ParsedFieldSelector, parse_field_selector, parse_label_selector
from kgen.testing import errors
from kgen.testing.errors import FieldError, StatusError

__all__ = [
    "DeleteQuery",
    "ListQuery",
    "WriteQuery",
    "check_delete_options",
    "parse_delete_query",
    "parse_list_query",
    "parse_write_query",
]

Query = Mapping[str, str]

_TRUE = {"true", "1", "True"}


def _bool(query: Query, key: str) -> bool | None:
    if key not in query:
        return None
    return query[key] in _TRUE


_GO_INT = re.compile(r"[+-]?[0-9]+\Z", re.ASCII)


def _int(query: Query, key: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), with its errors."""
    if key not in query or query[key] == "":
        return None
    text = query[key]
    if not _GO_INT.match(text):
        raise errors.bad_request(f"strconv.ParseInt: parsing {go_q(text)}: invalid syntax")
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise errors.bad_request(f"strconv.ParseInt: parsing {go_q(text)}: value out of range")
    return value


@dataclass(slots=True)
class ListQuery:
    """A list's or a watch's ListOptions: selectors parsed, numbers read."""

    label_selector: ParsedLabelSelector = field(default_factory=ParsedLabelSelector)
    field_selector: ParsedFieldSelector = field(default_factory=ParsedFieldSelector)
    resource_version: str = ""
    resource_version_match: str = ""
    limit: int = 0
    continue_: str = ""
    watch: bool = False
    allow_watch_bookmarks: bool = False
    send_initial_events: bool | None = None
    timeout_seconds: int | None = None

    @property
    def filtered(self) -> bool:
        return not (self.label_selector.empty and self.field_selector.empty)


def parse_list_query(query: Query, *, watch: bool | None = None) -> ListQuery:
    """The ListOptions of a query; 400 for selectors that do not parse, 422 for invalid combinations."""
    try:
        labels = parse_label_selector(query.get("labelSelector", ""))
        fields = parse_field_selector(query.get("fieldSelector", ""))
    except SelectorError as exc:
        raise errors.bad_request(exc.message) from None
    opts = ListQuery(
        label_selector=labels,
        field_selector=fields,
        resource_version=query.get("resourceVersion", ""),
        resource_version_match=query.get("resourceVersionMatch", ""),
        limit=max(_int(query, "limit") or 0, 0),
        continue_=query.get("continue", ""),
        watch=bool(_bool(query, "watch")) if watch is None else watch,
        allow_watch_bookmarks=bool(_bool(query, "allowWatchBookmarks")),
        send_initial_events=_bool(query, "sendInitialEvents"),
        timeout_seconds=_int(query, "timeoutSeconds"),
    )
    problems = _validate_watch(opts) if opts.watch else _validate_list(opts)
    if problems:
        raise errors.invalid("ListOptions", "meta.k8s.io", "", problems)
    return opts


def _validate_list(opts: ListQuery) -> list[FieldError]:
    problems = []
    match = opts.resource_version_match
    if match:
        if not opts.resource_version:
            problems.append(
                FieldError.forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden unless resourceVersion is provided",
                )
            )
        if opts.continue_:
            problems.append(
                FieldError.forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                )
            )
        if match not in ("Exact", "NotOlderThan"):
            problems.append(
                FieldError.not_supported(
                    "resourceVersionMatch", match, ("Exact", "NotOlderThan", "")
                )
            )
        if match == "Exact" and opts.resource_version == "0":
            problems.append(
                FieldError.forbidden(
                    "resourceVersionMatch",
                    'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
                )
            )
    if opts.send_initial_events is not None:
        problems.append(
            FieldError.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list")
        )
    return problems


def _validate_watch(opts: ListQuery) -> list[FieldError]:
    problems = []
    match = opts.resource_version_match
    if opts.send_initial_events is not None:
        if match != "NotOlderThan":
            problems.append(
                FieldError.forbidden(
                    "resourceVersionMatch",
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                )
            )
    if match:
        if opts.send_initial_events is None:
            problems.append(
                FieldError.forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is "
                    "provided",
                )
            )
        if match != "NotOlderThan":
            problems.append(
                FieldError.not_supported("resourceVersionMatch", match, ("NotOlderThan",))
            )
        if opts.continue_:
            problems.append(
                FieldError.forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                )
            )
    return problems


@dataclass(slots=True)
class WriteQuery:
    """A write's CreateOptions, UpdateOptions or PatchOptions."""

    dry_run: bool = False
    field_manager: str = ""  # as given by the client (apply requires one)
    field_validation: str = "Warn"
    force: bool | None = None
    # The manager recorded when none is given: the User-Agent up to its first "/".
    default_manager: str = ""
    # managedFields already computed (apply creating an object): keep them.
    keep_managed: bool = False

    @property
    def manager(self) -> str:
        return self.field_manager or self.default_manager


def _dry_run(values: list[str], kind: str) -> bool:
    # ValidateDryRun reports the whole []string once (printed with %#v), not each bad value.
    if any(value != "All" for value in values):
        problem = FieldError.not_supported("dryRun", errors.go_string_slice(values), ("All",))
        raise errors.invalid(kind, "meta.k8s.io", "", [problem])
    return bool(values)


def parse_write_query(
    query: Query, dry_run_values: list[str], *, kind: str, default_manager: str = ""
) -> WriteQuery:
    """``kind`` is CreateOptions, UpdateOptions or PatchOptions (it names the Invalid error)."""
    validation = query.get("fieldValidation", "") or "Warn"
    if validation not in ("Ignore", "Warn", "Strict"):
        raise errors.bad_request(
            f"fieldValidation must be one of Ignore, Warn, or Strict, got {validation}"
        )
    opts = WriteQuery(
        dry_run=_dry_run(dry_run_values, kind),
        field_manager=query.get("fieldManager", ""),
        field_validation=validation,
        force=_bool(query, "force"),
        default_manager=default_manager,
    )
    manager = query.get("fieldManager", "")
    if len(manager) > 128:
        raise errors.invalid(
            kind,
            "meta.k8s.io",
            "",
            [
                FieldError(
                    "FieldValueTooLong", "fieldManager", manager, "may not be more than 128 bytes"
                )
            ],
        )
    return opts


@dataclass(slots=True)
class DeleteQuery:
    """A delete's DeleteOptions (from its body or its query)."""

    grace_period_seconds: int | None = None
    propagation_policy: str | None = None
    orphan_dependents: bool | None = None
    preconditions_uid: str | None = None
    preconditions_rv: str | None = None
    dry_run: bool = False


# DeleteOptions' fields as Go's JSON decoder sees them: (JSON check, Go type in its errors).
_DELETE_FIELDS: dict[str, str] = {
    "kind": "string",
    "apiVersion": "string",
    "gracePeriodSeconds": "int64",
    "preconditions": "v1.Preconditions",
    "orphanDependents": "bool",
    "propagationPolicy": "v1.DeletionPropagation",
    "dryRun": "[]string",
}
_PRECONDITION_FIELDS = {"uid": "types.UID", "resourceVersion": "string"}
_INT64 = (-(2**63), 2**63 - 1)


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "array"


def _type_error(value: Any, field: str, go_type: str) -> StatusError:
    found = _json_kind(value)
    if found == "number" and go_type == "int64":
        found = f"number {value}"  # a fraction or an overflow: Go quotes the number
    return errors.bad_request(
        f"json: cannot unmarshal {found} into Go struct field {field} of type {go_type}"
    )


def _fits(value: Any, go_type: str) -> bool:
    if value is None:
        return True
    if go_type == "int64":
        return type(value) is int and _INT64[0] <= value <= _INT64[1]
    if go_type == "bool":
        return isinstance(value, bool)
    if go_type in ("string", "types.UID", "v1.DeletionPropagation"):
        return isinstance(value, str)
    if go_type == "v1.Preconditions":
        return isinstance(value, dict)
    if go_type == "[]string":
        return isinstance(value, list)
    return True


def check_delete_options(body: dict[str, Any], struct: str = "DeleteOptions") -> None:
    """Decode a DeleteOptions body into its Go type: a value of the wrong JSON type is a 400 (as
    since Kubernetes 1.35; older servers answered these with a 500)."""
    for key, go_type in _DELETE_FIELDS.items():
        value = body.get(key)
        if not _fits(value, go_type):
            raise _type_error(value, f"{struct}.{key}", go_type)
    for item in body.get("dryRun") or []:
        if not isinstance(item, str):
            raise _type_error(item, f"{struct}.dryRun", "string")
    for key, go_type in _PRECONDITION_FIELDS.items():
        value = (body.get("preconditions") or {}).get(key)
        if not _fits(value, go_type):
            raise _type_error(value, f"{struct}.preconditions.{key}", go_type)


def parse_delete_query(body: Any, query: Query, dry_run_values: list[str]) -> DeleteQuery:
    """The DeleteOptions of the body when there is one, else of the query (as the apiserver does)."""
    if body:
        if not isinstance(body, dict):
            raise errors.bad_request(
                "couldn't get version/kind; json parse error: json: cannot unmarshal "
                f"{_json_kind(body)} into Go value of type struct {{ APIVersion string "
                '"json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
            )
        check_delete_options(body)
        kind = body.get("kind")
        if kind not in (None, "", "DeleteOptions"):
            raise errors.bad_request(
                f'{kind} in version "{body.get("apiVersion", "v1")}" cannot be handled as a '
                "DeleteOptions: the object provided is unrecognized"
            )
        pre = body.get("preconditions") or {}
        dry = body.get("dryRun") or []
        grace = body.get("gracePeriodSeconds")
        opts = DeleteQuery(
            grace_period_seconds=int(grace) if grace is not None else None,
            propagation_policy=body.get("propagationPolicy"),
            orphan_dependents=body.get("orphanDependents"),
            preconditions_uid=pre.get("uid") if isinstance(pre, dict) else None,
            preconditions_rv=pre.get("resourceVersion") if isinstance(pre, dict) else None,
            dry_run=_dry_run(list(dry), "DeleteOptions"),
        )
    else:
        opts = DeleteQuery(
            grace_period_seconds=_int(query, "gracePeriodSeconds"),
            propagation_policy=query.get("propagationPolicy") or None,
            orphan_dependents=_bool(query, "orphanDependents"),
            dry_run=_dry_run(dry_run_values, "DeleteOptions"),
        )
    problems = []
    if opts.orphan_dependents is not None and opts.propagation_policy is not None:
        problems.append(
            FieldError.invalid(
                "propagationPolicy",
                opts.propagation_policy,
                "orphanDependents and deletionPropagation cannot be both set",
            )
        )
    if opts.propagation_policy is not None and opts.propagation_policy not in (
        "Foreground",
        "Background",
        "Orphan",
    ):
        problems.append(
            FieldError.not_supported(
                "propagationPolicy",
                opts.propagation_policy,
                ("Foreground", "Background", "Orphan", "nil"),
            )
        )
    if problems:
        raise errors.invalid("DeleteOptions", "meta.k8s.io", "", problems)
    return opts
