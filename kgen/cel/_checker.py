"""The CEL type checker: types every node, resolves overloads and qualified names (cel-go's
checker, with its error messages)."""

from __future__ import annotations

from typing import Mapping

from kgen.cel._ast import (
    Call,
    Comprehension,
    Const,
    CreateList,
    CreateMap,
    CreateStruct,
    Expr,
    Ident,
    Select,
)
from kgen.cel._errors import CompileError, Issue
from kgen.cel._library import Overload
from kgen.cel._types import (
    BOOL,
    BYTES,
    DOUBLE,
    DYN,
    ERROR,
    INT,
    NULL,
    STRING,
    UINT,
    Type,
    list_of,
    map_of,
    optional_of,
)
from kgen.cel._values import UInt

__all__ = ["Checked", "check"]


class Checked:
    """The result of checking: a type per node id, the overloads a call may resolve to, the
    variables (and qualified names) identifiers resolved to."""

    def __init__(self) -> None:
        self.types: dict[int, Type] = {}
        self.overloads: dict[int, list[Overload]] = {}
        self.idents: dict[int, str] = {}  # node id → the declared variable or type name
        self.type_idents: dict[int, Type] = {}  # node id → the type value it denotes


Subs = dict[str, Type]


def _substitute(t: Type, subs: Subs, final: bool) -> Type:
    if t.kind == "param":
        bound = subs.get(t.name)
        if bound is not None and bound != t:
            return _substitute(bound, subs, final)
        return DYN if final else t
    if t.params:
        return Type(t.kind, t.name, tuple(_substitute(p, subs, final) for p in t.params), t.fields)
    return t


def _occurs(name: str, t: Type, subs: Subs) -> bool:
    if t.kind == "param":
        if t.name == name:
            return True
        b = subs.get(t.name)
        return b is not None and _occurs(name, b, subs)
    return any(_occurs(name, p, subs) for p in t.params)


def _assignable(subs: Subs, t1: Type, t2: Type) -> bool:
    """Can a value of type t2 be passed where t1 is expected? Binds type parameters in subs."""
    if t1 == t2:
        return True
    k1 = t1.kind
    k2 = t2.kind
    if k1 == "param":
        bound = subs.get(t1.name)
        if bound is not None:
            if _assignable(subs, bound, t2):
                return True
            # widen the binding to the more general type (as cel-go's mostGeneral)
            if _assignable(dict(subs), t2, bound):
                subs[t1.name] = t2
                return True
            return False
        if k2 == "param" and t2.name == t1.name:
            return True
        if _occurs(t1.name, t2, subs):
            return False
        subs[t1.name] = t2
        return True
    if k2 == "param":
        bound = subs.get(t2.name)
        if bound is not None:
            return _assignable(subs, t1, bound)
        if _occurs(t2.name, t1, subs):
            return False
        subs[t2.name] = t1
        return True
    if k1 in ("dyn", "error") or k2 in ("dyn", "error"):
        return True
    if k2 == "null":
        return k1 in ("object", "null") or (k1 == "opaque" and t1.name != "optional_type")
    if k1 != k2:
        return False
    if k1 == "type":
        return True
    if k1 in ("list", "map", "opaque"):
        if t1.name != t2.name or len(t1.params) != len(t2.params):
            return t1.kind == "type" and (not t1.params or not t2.params)
        for p1, p2 in zip(t1.params, t2.params):
            if not _assignable(subs, p1, p2):
                return False
        return True
    if k1 == "object":
        return t1.name == t2.name
    return t1.name == t2.name


def _is_assignable(subs: Subs, t1: Type, t2: Type) -> bool:
    trial = dict(subs)
    if _assignable(trial, t1, t2):
        subs.clear()
        subs.update(trial)
        return True
    return False


def _format_call(args: list[Type], member: bool) -> str:
    if member:
        target, rest = args[0], args[1:]
        return f"{target.format()}.({', '.join(a.format() for a in rest)})"
    return f"({', '.join(a.format() for a in args)})"


def _join_types(a: Type, b: Type) -> Type:
    if a == b:
        return a
    if a.kind == "dyn" or b.kind == "dyn":
        return DYN
    subs: Subs = {}
    if _is_assignable(subs, a, b):
        return _substitute(a, subs, False)
    return DYN


class _Checker:
    def __init__(
        self,
        variables: Mapping[str, Type],
        functions: Mapping[str, list[Overload]],
        type_names: Mapping[str, Type],
        homogeneous: bool,
        source: str,
    ) -> None:
        self.variables = variables
        self.functions = functions
        self.type_names = type_names
        self.homogeneous = homogeneous
        self.source = source
        self.issues: list[Issue] = []
        self.out = Checked()
        self.scopes: list[dict[str, Type]] = []

    def error(self, e: Expr, msg: str) -> Type:
        self.issues.append(Issue(e.offset, msg))
        return ERROR

    def lookup_local(self, name: str) -> Type | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def lookup_global(self, name: str) -> tuple[str, Type] | None:
        name = name.lstrip(".")
        if name in self.variables:
            return name, self.variables[name]
        if name in self.type_names:
            return name, self.type_names[name]
        return None

    def check(self, e: Expr) -> Type:
        t = self._check(e)
        self.out.types[e.id] = t
        return t

    @staticmethod
    def qualified_name(e: Expr) -> str | None:
        parts: list[str] = []
        while isinstance(e, Select) and not e.test_only:
            parts.append(e.field)
            e = e.operand
        if not isinstance(e, Ident):
            return None
        parts.append(e.name)
        return ".".join(reversed(parts))

    def _check(self, e: Expr) -> Type:
        if isinstance(e, Const):
            v = e.value
            tv = type(v)
            if tv is bool:
                return BOOL
            if tv is UInt:
                return UINT
            if tv is int:
                return INT
            if tv is float:
                return DOUBLE
            if tv is str:
                return STRING
            if tv is bytes:
                return BYTES
            if v is None:
                return NULL
            raise AssertionError(f"unexpected constant {v!r}")
        if isinstance(e, Ident):
            local = self.lookup_local(e.name)
            if local is not None:
                return local
            found = self.lookup_global(e.name)
            if found is None:
                return self.error(
                    e, f"undeclared reference to '{e.name.lstrip('.')}' (in container '')"
                )
            name, t = found
            self.out.idents[e.id] = name
            if name in self.type_names and name not in self.variables:
                self.out.type_idents[e.id] = t.params[0] if t.params else DYN
            return t
        if isinstance(e, Select):
            return self.check_select(e)
        if isinstance(e, Call):
            return self.check_call(e)
        if isinstance(e, CreateList):
            return self.check_list(e)
        if isinstance(e, CreateMap):
            return self.check_map(e)
        if isinstance(e, Comprehension):
            return self.check_comprehension(e)
        if isinstance(e, CreateStruct):
            for _, v, _ in e.fields:
                self.check(v)
            return self.error(e, f"undeclared reference to '{e.type_name}' (in container '')")
        raise AssertionError(f"unexpected node {e!r}")

    def check_select(self, e: Select) -> Type:
        if not e.test_only:
            qname = self.qualified_name(e)
            if qname is not None:
                root = qname.split(".")[0].lstrip(".")
                if self.lookup_local(root) is None:
                    found = self.lookup_global(qname)
                    if found is not None:
                        name, t = found
                        self.out.idents[e.id] = name
                        if name in self.type_names and name not in self.variables:
                            self.out.type_idents[e.id] = t.params[0] if t.params else DYN
                        return t
        operand = self.check(e.operand)
        result = self.field_type(e, operand, e.field)
        if e.test_only:
            return BOOL if result is not ERROR else ERROR
        return result

    def field_type(self, e: Expr, t: Type, field: str) -> Type:
        k = t.kind
        if k == "object":
            assert t.fields is not None
            ft = t.fields.get(field)
            if ft is None:
                return self.error(e, f"undefined field '{field}'")
            return ft
        if k == "map":
            return t.params[1]
        if k in ("dyn", "error", "param"):
            return DYN
        if k == "opaque" and t.name == "optional_type":
            inner = self.field_type(e, t.params[0], field)
            if inner.kind == "opaque" and inner.name == "optional_type":
                return inner
            return optional_of(inner)
        return self.error(e, f"type '{t.format()}' does not support field selection")

    def resolve_qualified_function(self, e: Call) -> None:
        """``sets.contains(a, b)`` parses as a member call on ``sets``: make it a global call."""
        if e.target is None:
            return
        qname = self.qualified_name(e.target)
        if qname is None:
            return
        root = qname.split(".")[0]
        if self.lookup_local(root) is not None or root in self.variables:
            return
        full = f"{qname.lstrip('.')}.{e.function}"
        if full in self.functions:
            e.function = full
            e.target = None

    def check_call(self, e: Call) -> Type:
        self.resolve_qualified_function(e)
        fn = e.function.lstrip(".")
        e.function = fn
        arg_types: list[Type] = []
        if e.target is not None:
            arg_types.append(self.check(e.target))
        for a in e.args:
            arg_types.append(self.check(a))
        overloads = self.functions.get(fn)
        if overloads is None:
            return self.error(e, f"undeclared reference to '{fn}' (in container '')")
        member = e.target is not None
        matched: list[Overload] = []
        result: Type | None = None
        for ov in overloads:
            if ov.member != member or len(ov.params) != len(arg_types):
                continue
            subs: Subs = {}
            ok = True
            for p, at in zip(ov.params, arg_types):
                if not _is_assignable(subs, p, at):
                    ok = False
                    break
            if not ok:
                continue
            matched.append(ov)
            rt = _substitute(ov.result, subs, True)
            result = rt if result is None else _join_types(result, rt)
        if not matched:
            if any(t is ERROR for t in arg_types):
                return ERROR
            return self.error(
                e,
                f"found no matching overload for '{fn}' applied to '{_format_call(arg_types, member)}'",
            )
        self.out.overloads[e.id] = matched
        assert result is not None
        return result

    def check_list(self, e: CreateList) -> Type:
        elem: Type | None = None
        for i, x in enumerate(e.elements):
            t = self.check(x)
            if i in e.optional_indices:
                if t.kind == "opaque" and t.name == "optional_type":
                    t = t.params[0]
                elif t.kind not in ("dyn", "error"):
                    self.error(x, f"expected type 'optional_type' but found '{t.format()}'")
                    t = ERROR
            elem = self.join_aggregate(x, elem, t)
        return list_of(elem if elem is not None and elem is not ERROR else DYN)

    def join_aggregate(self, e: Expr, prev: Type | None, t: Type) -> Type:
        if prev is None:
            return t
        if prev == t:
            return prev
        if self.homogeneous and not (prev.kind in ("dyn", "error") or t.kind in ("dyn", "error")):
            subs: Subs = {}
            if not _is_assignable(subs, prev, t):
                self.error(e, f"expected type '{prev.format()}' but found '{t.format()}'")
                return prev
        return _join_types(prev, t)

    def check_map(self, e: CreateMap) -> Type:
        kt: Type | None = None
        vt: Type | None = None
        for k, v, optional in e.entries:
            ktype = self.check(k)
            if ktype.kind not in ("int", "uint", "bool", "string", "dyn", "error", "param"):
                self.error(k, f"unsupported map key type: {ktype.format()}")
            vtype = self.check(v)
            if optional:
                if vtype.kind == "opaque" and vtype.name == "optional_type":
                    vtype = vtype.params[0]
                elif vtype.kind not in ("dyn", "error"):
                    self.error(v, f"expected type 'optional_type' but found '{vtype.format()}'")
            kt = self.join_aggregate(k, kt, ktype)
            vt = self.join_aggregate(v, vt, vtype)
        return map_of(kt or DYN, vt or DYN)

    def check_comprehension(self, e: Comprehension) -> Type:
        rt = self.check(e.iter_range)
        init = self.check(e.accu_init)
        k = rt.kind
        if k == "list":
            v1, v2 = (INT, rt.params[0]) if e.iter_var2 else (rt.params[0], None)
        elif k == "map":
            v1, v2 = (rt.params[0], rt.params[1]) if e.iter_var2 else (rt.params[0], None)
        elif k in ("dyn", "error", "param"):
            v1, v2 = DYN, (DYN if e.iter_var2 else None)
        else:
            self.error(
                e.iter_range,
                f"expression of type '{rt.format()}' cannot be range of a comprehension "
                "(must be list, map, or dynamic)",
            )
            v1, v2 = DYN, (DYN if e.iter_var2 else None)
        accu_scope = {e.accu_var: init}
        self.scopes.append(accu_scope)
        iter_scope = {e.iter_var: v1}
        if e.iter_var2:
            assert v2 is not None
            iter_scope[e.iter_var2] = v2
        self.scopes.append(iter_scope)
        cond = self.check(e.loop_cond)
        if cond.kind not in ("bool", "dyn", "error"):
            self.error(e.loop_cond, f"expected type 'bool' but found '{cond.format()}'")
        step = self.check(e.loop_step)
        if step != init and step.kind != "error" and init.kind in ("list", "map"):
            # an empty literal accumulator ([] or {}) takes the step's type: re-check with it
            n = len(self.issues)
            accu_scope[e.accu_var] = step
            step2 = self.check(e.loop_step)
            if step2 != step:
                accu_scope[e.accu_var] = _join_types(init, step)
                del self.issues[n:]
                self.check(e.loop_step)
        self.scopes.pop()
        result = self.check(e.result)
        self.scopes.pop()
        return result


def check(
    expr: Expr,
    source: str,
    variables: Mapping[str, Type],
    functions: Mapping[str, list[Overload]],
    type_names: Mapping[str, Type],
    homogeneous: bool = True,
) -> Checked:
    c = _Checker(variables, functions, type_names, homogeneous, source)
    c.check(expr)
    if c.issues:
        raise CompileError(source, c.issues)
    return c.out
