"""``x-kubernetes-validations`` on an OpenAPI structural schema, as kube-apiserver runs them.

``CompiledSchema(schema)`` takes a CRD version's ``openAPIV3Schema`` (a plain dict with its
``x-kubernetes-*`` extensions), types ``self``/``oldSelf`` at every node as the apiserver does
(k8s.io/apiserver/pkg/cel/common/schemas.go, in :mod:`kgen.cel._schematypes`), compiles every rule once with the static cost
limits of apiextensions validation, and ``validate(obj, old)`` evaluates them with the runtime
budget, returning every violation with the apiserver's field path and message.

Errors are reported in the text of kube-apiserver's field errors (``spec: Invalid value:
"object": <message>``; ``Forbidden: ...``; ``Required value: ...``), Kubernetes 1.30 wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field
from typing import Any, Mapping

from kgen.cel._env import Env, Program
from kgen.cel._errors import CompileError, CostLimitExceeded, EvalError
from kgen.cel._schematypes import (
    MAX_REQUEST_SIZE_BYTES,
    Converter,
    converter,
    escape,
    schema_decl_type,
    size_estimator,
    zero_if_negative,
)
from kgen.cel._types import BOOL, STRING, optional_of
from kgen.cel._values import Optional
from kgen.runtime._violation import Violation, go_q

__all__ = [
    "CompiledSchema",
    "MAX_REQUEST_SIZE_BYTES",
    "PER_CALL_LIMIT",
    "RUNTIME_CEL_COST_BUDGET",
    "STATIC_ESTIMATED_COST_LIMIT",
    "STATIC_ESTIMATED_CRD_COST_LIMIT",
    "Violation",
    "escape",
]

# k8s.io/apiserver/pkg/apis/cel/config.go
PER_CALL_LIMIT = 1_000_000
RUNTIME_CEL_COST_BUDGET = 10_000_000
MAX_EVALUATED_MESSAGE_EXPRESSION_SIZE_BYTES = 5 * 1024
# k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation
STATIC_ESTIMATED_COST_LIMIT = 10_000_000
STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000
# -- violations -------------------------------------------------------------------------------


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def _key(path: str, k: str) -> str:
    return f"{path}[{k}]"


def _cost_message(name: str, cost: int, limit: int) -> str:
    factor = cost / limit
    if factor > 100.0:
        text = "more than 100x"
    elif factor < 1.5:
        text = f"{factor:f}x"
    else:
        text = f"{factor:.1f}x"
    return (
        f"{name} exceeds budget by factor of {text} (try simplifying the rule, or adding maxItems, "
        "maxProperties, and maxLength where arrays, maps, and strings are declared)"
    )


# -- compiled rules ---------------------------------------------------------------------------


@dataclass
class CompiledRule:
    rule: str
    message: str
    reason: str | None
    field_path: str
    optional_old_self: bool
    program: Program | None = None
    message_program: Program | None = None
    uses_old_self: bool = False
    max_cost: int = 0
    message_max_cost: int = 0
    error: str | None = None
    message_error: str | None = None

    def error_string(self) -> str:
        return self.message.strip() if self.message else self.rule.strip()

    def message_or_default(self) -> str:
        return self.message.strip() if self.message else f"failed rule: {self.rule.strip()}"


@dataclass
class _Node:
    schema: Mapping[str, Any]
    type: str
    rules: list[CompiledRule] = dc_field(default_factory=list)
    properties: dict[str, _Node] = dc_field(default_factory=dict)
    additional: _Node | None = None
    items: _Node | None = None
    convert: Converter | None = None
    list_type: str | None = None
    map_keys: tuple[str, ...] = ()
    map_atomic: bool = False

    def has_rules(self) -> bool:
        """Whether this node or one below it has rules (children without any are dropped)."""
        return bool(
            self.rules or self.properties or self.additional is not None or self.items is not None
        )


_ENV_CACHE: list[Env] = []


def _base_env() -> Env:
    if not _ENV_CACHE:
        _ENV_CACHE.append(Env())
    return _ENV_CACHE[0]


_FIELD_PATH_TOKEN = re.compile(r"\.([^.\[\]]+)|\['((?:[^'\\]|\\.)*)'\]")


def _normalize_field_path(path: str, schema: Mapping[str, Any]) -> str | None:
    """ValidFieldPath: the rule's fieldPath as a field path relative to the node, or None."""
    pos = 0
    out = ""
    s: Mapping[str, Any] | None = schema
    while pos < len(path):
        m = _FIELD_PATH_TOKEN.match(path, pos)
        if m is None or s is None:
            return None
        name = (
            m.group(1)
            if m.group(1) is not None
            else m.group(2).replace("\\'", "'").replace("\\\\", "\\")
        )
        props = s.get("properties")
        ap = s.get("additionalProperties")
        if props is not None:
            if name not in props:
                return None
            out = _child(out, name)
            s = props[name]
        elif isinstance(ap, Mapping):
            out = _key(out, name)
            s = ap
        else:
            return None
        pos = m.end()
    return out


class CompiledSchema:
    """Every ``x-kubernetes-validations`` rule of a structural schema, compiled once.

    ``errors`` lists what kube-apiserver would refuse the CRD for (compile errors, estimated cost
    over the limits), as field-error strings; rules that failed to compile are reported again,
    as the apiserver does, when an object is validated.
    """

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        is_resource_root: bool = True,
        path: str = "openAPIV3Schema",
        env: Env | None = None,
    ) -> None:
        self.schema = schema
        self.env = env or _base_env()
        self.errors: list[str] = []
        self.total_cost = 0
        self.rule_costs: list[tuple[str, int]] = []
        self.rule_count = 0
        self.root = self._build(schema, is_resource_root, path, 1)
        if self.total_cost > STATIC_ESTIMATED_CRD_COST_LIMIT:
            self.errors.append(
                f"{path}: Forbidden: "
                + _cost_message(
                    "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
                    self.total_cost,
                    STATIC_ESTIMATED_CRD_COST_LIMIT,
                )
            )

    # -- compilation
    def _build(
        self, s: Mapping[str, Any], is_root: bool, path: str, cardinality: int | None
    ) -> _Node:
        node = _Node(schema=s, type=str(s.get("type") or ""))
        node.convert = converter(s)
        node.list_type = s.get("x-kubernetes-list-type")
        node.map_keys = tuple(s.get("x-kubernetes-list-map-keys") or ())
        node.map_atomic = s.get("x-kubernetes-map-type") == "atomic"
        rules = s.get("x-kubernetes-validations") or []
        if rules:
            node.rules = self._compile_rules(s, is_root, path, rules, cardinality)
        # the factor by which this node multiplies its children's cardinality
        factor: int | None = 1
        if node.type == "array":
            factor = zero_if_negative(s["maxItems"]) if "maxItems" in s else None
        elif node.type == "object" and isinstance(s.get("additionalProperties"), Mapping):
            factor = zero_if_negative(s["maxProperties"]) if "maxProperties" in s else None
        child_card = None if cardinality is None or factor is None else cardinality * factor
        for pname, prop in (s.get("properties") or {}).items():
            if isinstance(prop, Mapping):
                node.properties[pname] = self._build(
                    prop,
                    bool(prop.get("x-kubernetes-embedded-resource")),
                    f"{path}.properties[{pname}]",
                    child_card,
                )
        ap = s.get("additionalProperties")
        if isinstance(ap, Mapping):
            node.additional = self._build(
                ap,
                bool(ap.get("x-kubernetes-embedded-resource")),
                f"{path}.additionalProperties",
                child_card,
            )
        items = s.get("items")
        if isinstance(items, Mapping):
            node.items = self._build(
                items,
                bool(items.get("x-kubernetes-embedded-resource")),
                f"{path}.items",
                child_card,
            )
        # Validation walks only where rules are: subtrees without any are dropped.
        node.properties = {k: c for k, c in node.properties.items() if c.has_rules()}
        if node.additional is not None and not node.additional.has_rules():
            node.additional = None
        if node.items is not None and not node.items.has_rules():
            node.items = None
        return node

    def _compile_rules(
        self,
        s: Mapping[str, Any],
        is_root: bool,
        path: str,
        rules: list[Mapping[str, Any]],
        cardinality: int | None,
    ) -> list[CompiledRule]:
        decl = schema_decl_type(s, is_root, "selfType")
        out: list[CompiledRule] = []
        if decl is None:
            self.errors.append(
                f"{path}.x-kubernetes-validations: Invalid value: ...: rule declared on schema that "
                f"does not support validation rules type: '{s.get('type', '')}' "
                f"x-kubernetes-preserve-unknown-fields: '{str(bool(s.get('x-kubernetes-preserve-unknown-fields'))).lower()}'"
            )
            return out
        env = self.env.extend({"self": decl.cel, "oldSelf": decl.cel})
        opt_env = self.env.extend({"self": decl.cel, "oldSelf": optional_of(decl.cel)})
        sizes = size_estimator(decl)
        default_card = MAX_REQUEST_SIZE_BYTES // (decl.min_size + 1)
        for i, r in enumerate(rules):
            self.rule_count += 1
            rpath = f"{path}.x-kubernetes-validations[{i}]"
            cr = CompiledRule(
                rule=str(r.get("rule") or ""),
                message=str(r.get("message") or ""),
                reason=r.get("reason"),
                field_path=str(r.get("fieldPath") or ""),
                optional_old_self=bool(r.get("optionalOldSelf")),
            )
            out.append(cr)
            if not cr.rule.strip():
                continue
            rule_env = opt_env if cr.optional_old_self else env
            try:
                prog = rule_env.compile(cr.rule)
            except CompileError as err:
                cr.error = f"compilation failed: {err}"
                self.errors.append(f"{rpath}.rule: Invalid value: {go_q(cr.rule)}: {cr.error}")
                continue
            if prog.result_type != BOOL:
                cr.error = "cel expression must evaluate to a bool"
                self.errors.append(f"{rpath}.rule: Invalid value: {go_q(cr.rule)}: {cr.error}")
                continue
            cr.program = prog
            cr.uses_old_self = prog.references("oldSelf")
            cr.max_cost = prog.estimate_cost(sizes)[1]
            card = cardinality if cardinality is not None else default_card
            cost = 0 if cr.max_cost == 0 else min(cr.max_cost * card, 2**64 - 1)
            self.total_cost = min(self.total_cost + cost, 2**64 - 1)
            self.rule_costs.append((f"{rpath}.rule", cost))
            if cost > STATIC_ESTIMATED_COST_LIMIT:
                self.errors.append(
                    f"{rpath}.rule: Forbidden: "
                    + _cost_message("estimated rule cost", cost, STATIC_ESTIMATED_COST_LIMIT)
                )
            if cr.field_path:
                norm = _normalize_field_path(cr.field_path, s)
                if norm is None:
                    self.errors.append(
                        f"{rpath}.fieldPath: Invalid value: {go_q(cr.field_path)}: fieldPath must be a valid path"
                    )
                else:
                    cr.field_path = norm
            mexpr = r.get("messageExpression")
            if mexpr:
                try:
                    mprog = env.compile(str(mexpr))
                except CompileError as err:
                    cr.message_error = f"messageExpression compilation failed: {err}"
                    self.errors.append(
                        f"{rpath}.messageExpression: Invalid value: {go_q(mexpr)}: {cr.message_error}"
                    )
                    continue
                if mprog.result_type != STRING:
                    cr.message_error = "messageExpression must evaluate to a string"
                    self.errors.append(
                        f"{rpath}.messageExpression: Invalid value: {go_q(mexpr)}: {cr.message_error}"
                    )
                    continue
                cr.message_program = mprog
                cr.message_max_cost = mprog.estimate_cost(sizes)[1]
                self.total_cost = min(self.total_cost + cr.message_max_cost, 2**64 - 1)
                if cr.message_max_cost > STATIC_ESTIMATED_COST_LIMIT:
                    self.errors.append(
                        f"{rpath}.messageExpression: Forbidden: "
                        + _cost_message(
                            "estimated messageExpression cost",
                            cr.message_max_cost,
                            STATIC_ESTIMATED_COST_LIMIT,
                        )
                    )
        return out

    # -- validation
    def validate(
        self,
        obj: Any,
        old: Any = None,
        *,
        path: str = "",
        budget: int = RUNTIME_CEL_COST_BUDGET,
    ) -> list[Violation]:
        """Every violation of the rules by ``obj`` (transition rules against ``old``)."""
        errs: list[Violation] = []
        self._validate(self.root, obj, old, path, [budget], errs)
        return errs

    def _validate(
        self, node: _Node, obj: Any, old: Any, path: str, budget: list[int], errs: list[Violation]
    ) -> None:
        if obj is None or budget[0] < 0:
            return
        if node.rules:
            self._run_rules(node, obj, old, path, budget, errs)
            if budget[0] < 0:
                return
        if isinstance(obj, dict):
            old_map = old if isinstance(old, dict) else None
            if node.properties:
                for k, child in node.properties.items():
                    if k in obj:
                        self._validate(
                            child,
                            obj[k],
                            old_map.get(k) if old_map else None,
                            _child(path, k),
                            budget,
                            errs,
                        )
                        if budget[0] < 0:
                            return
            if node.additional is not None:
                for k, v in obj.items():
                    ov = old_map.get(k) if old_map and not node.map_atomic else None
                    self._validate(node.additional, v, ov, _key(path, k), budget, errs)
                    if budget[0] < 0:
                        return
        elif isinstance(obj, list) and node.items is not None:
            olds: dict[Any, Any] = {}
            if node.list_type == "map" and isinstance(old, list):
                for x in old:
                    if isinstance(x, dict):
                        olds[tuple(_hashable(x.get(k)) for k in node.map_keys)] = x
            elif node.list_type == "set" and isinstance(old, list):
                for x in old:
                    olds[_hashable(x)] = x
            for i, v in enumerate(obj):
                ov = None
                if olds:
                    if node.list_type == "map" and isinstance(v, dict):
                        ov = olds.get(tuple(_hashable(v.get(k)) for k in node.map_keys))
                    elif node.list_type == "set":
                        ov = olds.get(_hashable(v))
                self._validate(node.items, v, ov, _index(path, i), budget, errs)
                if budget[0] < 0:
                    return

    def _run_rules(
        self, node: _Node, obj: Any, old: Any, path: str, budget: list[int], errs: list[Violation]
    ) -> None:
        type_text = node.type or ("object" if isinstance(obj, dict) else "")
        if budget[0] <= 0:
            errs.append(
                Violation(
                    "FieldValueInvalid",
                    path,
                    type_text,
                    "validation failed due to running out of cost budget, no further validation rules will be run",
                )
            )
            budget[0] = -1
            return
        conv = node.convert
        self_val = conv(obj) if conv is not None else obj
        old_val = (conv(old) if conv is not None else old) if old is not None else None
        activation = {"self": self_val, "oldSelf": old_val}
        opt_activation = {
            "self": self_val,
            "oldSelf": Optional(old_val) if old is not None else Optional(None, False),
        }
        for cr in node.rules:
            if cr.error is not None:
                errs.append(
                    Violation(
                        "FieldValueInvalid", path, type_text, f"rule compile error: {cr.error}"
                    )
                )
                continue
            prog = cr.program
            if prog is None:
                continue
            if cr.uses_old_self and old is None and not cr.optional_old_self:
                continue  # transition rules run only when there is an old value
            act = opt_activation if cr.optional_old_self else activation
            limit = min(PER_CALL_LIMIT, budget[0])
            try:
                result, cost = prog.evaluate(act, cost_limit=limit)
            except CostLimitExceeded:
                if budget[0] < PER_CALL_LIMIT:
                    errs.append(
                        Violation(
                            "FieldValueInvalid",
                            path,
                            type_text,
                            "validation failed due to running out of cost budget, no further validation rules will be run",
                        )
                    )
                else:
                    errs.append(
                        Violation(
                            "FieldValueInvalid",
                            path,
                            type_text,
                            "'operation cancelled: actual cost limit exceeded': no further validation rules "
                            f"will be run due to call cost exceeds limit for rule: {cr.error_string()}",
                        )
                    )
                budget[0] = -1
                return
            except EvalError as err:
                text = str(err)
                if text.startswith("no such overload"):
                    failure = (
                        f"'{text}': call arguments did not match a supported operator, function or "
                        f"macro signature for rule: {cr.error_string()}"
                    )
                else:
                    failure = f"{text} evaluating rule: {cr.error_string()}"
                errs.append(Violation("FieldValueInvalid", path, type_text, failure))
                continue
            budget[0] -= cost
            if result is True:
                continue
            fpath = _child(path, cr.field_path) if cr.field_path else path
            detail: str | None = None
            if cr.message_program is not None:
                detail = self._message(cr, activation, budget)
                if budget[0] < 0:
                    errs.append(
                        Violation(
                            "FieldValueInvalid",
                            fpath,
                            type_text,
                            "messageExpression evaluation failed due to running out of cost budget, "
                            "no further validation rules will be run",
                        )
                    )
                    return
            if detail is None:
                detail = cr.message_or_default()
            reason = cr.reason or "FieldValueInvalid"
            if reason not in ("FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"):
                reason = "FieldValueInvalid"
            if reason == "FieldValueDuplicate":
                detail = ""  # field.Duplicate(path, value) has no detail: the message is dropped
            errs.append(Violation(reason, fpath, type_text, detail))

    def _message(
        self, cr: CompiledRule, activation: dict[str, Any], budget: list[int]
    ) -> str | None:
        assert cr.message_program is not None
        try:
            value, cost = cr.message_program.evaluate(
                activation, cost_limit=min(PER_CALL_LIMIT, budget[0])
            )
        except CostLimitExceeded:
            budget[0] = -1
            return None
        except EvalError:
            return None
        budget[0] -= cost
        if not isinstance(value, str):
            return None
        text = value.strip()
        if (
            not text
            or "\n" in text
            or len(text.encode()) > MAX_EVALUATED_MESSAGE_EXPRESSION_SIZE_BYTES
        ):
            return None
        return text


def _hashable(v: Any) -> Any:
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    return v
