"""The naming pass of the builder: every module, class, enum alias, attribute and accessor of a model
gets its final Python name, by the rules of :mod:`kgen.apimodel.names`.

All names are decided here, deterministically: the same inputs give the same names whatever their order.

Kinds and OpenAPI definitions keep their names. An inline object (a CRD's nested schema) is named after
its kind and the field it is met at, not after the whole path down to it: ``spec.rules[]`` of a Widget
is ``WidgetRules``; where two objects would get one name, both take their parent fields, nearest first,
until they differ (``WidgetSpecSelector`` and ``WidgetStatusSelector``). Names of one kind depend on
that kind's schema alone, so that adding inputs renames nothing.

Identical inline objects of one kind are one class (the builder merges them); its name must read as
belonging to every field typed with it, so it is made of what those fields have in common, never of
the first one met:

- the same field name everywhere, or the same last words (``tokenRef`` in every generator of an
  ApplicationSet is ``ApplicationSetTokenRef``; ``accountSecretRef`` and ``clientSecretSecretRef`` give
  ``IssuerSecretRef``; ``source`` and ``sources[]`` give ``ApplicationSource``);
- else, for two or three fields, their names joined (``add`` and ``set`` give ``HTTPRouteAddOrSet``);
- else the fields have nothing in common, and each gets a class of its own, named as above.
"""

from __future__ import annotations

import dataclasses
import keyword
import re
from collections.abc import Iterable, Iterator

from kgen.apimodel.ir import (
    APIModel,
    Array,
    EnumType,
    Field,
    Map,
    Ref,
    TypeDef,
    TypeRef,
    UnionType,
)
from kgen.apimodel.names import (
    attribute_name,
    class_name,
    group_module_base,
    identifier,
    snake_to_camel,
)

__all__ = ["assign_names"]


def _unique(base: str, taken: set[str]) -> str:
    if base not in taken:
        taken.add(base)
        return base
    counter = 2
    while f"{base}{counter}" in taken:
        counter += 1
    name = f"{base}{counter}"
    taken.add(name)
    return name


def assign_names(model: APIModel, hints: dict[str, str]) -> None:
    """Give every group-version, type, field, enum and resource of ``model`` its final Python name."""
    _module_names(model)
    inline = {type_id for type_id in hints if type_id in model.types}
    inline = _split_unrelated_places(model, inline)
    modules = {key: gv.module for key, gv in model.group_versions.items()}
    by_module: dict[str, list[TypeDef]] = {}
    for typedef in model.types.values():
        typedef.module = modules[(typedef.group, typedef.version)]
        by_module.setdefault(typedef.module, []).append(typedef)
    for types in by_module.values():
        _class_names([t for t in types if t.id not in inline])
    labels = _labels(model, inline)
    for types in by_module.values():
        _inline_names(model, [t for t in types if t.id in inline], labels, hints, types)
    for typedef in model.types.values():
        _field_names(typedef.fields)
    for types in by_module.values():
        taken = {t.name for t in types}
        for typedef in sorted(types, key=lambda t: t.name):
            for item in typedef.fields:
                # The whole name is checked (class_name), not the field's part: "status" alone is
                # a reserved name, FooConditionsStatus is not.
                camel = snake_to_camel(item.python_name)
                item.type = _name_enums(
                    item.type, typedef.name + camel[:1].upper() + camel[1:], taken
                )
    for gv in model.group_versions.values():
        accessors: set[str] = set()
        for plural in sorted(gv.resources):
            resource = gv.resources[plural]
            base = attribute_name(plural.replace(".", "_"))
            resource.python_name = _unique(base, accessors)


def _module_names(model: APIModel) -> None:
    wanted: dict[tuple[str, str], str] = {}
    for (group, version), gv in model.group_versions.items():
        wanted[(group, version)] = (
            f"{group_module_base(group)}_{identifier(version.lower(), fallback='v')}"
        )
    counts: dict[str, int] = {}
    for name in wanted.values():
        counts[name] = counts.get(name, 0) + 1
    taken: set[str] = set()
    for key in sorted(wanted, key=lambda k: (counts[wanted[k]] > 1, k)):
        name = wanted[key]
        if counts[name] > 1 and key[0]:
            # Two groups that only differ by the .k8s.io suffix: spell both out in full.
            name = f"{identifier(key[0].lower(), fallback='g')}_{identifier(key[1].lower(), fallback='v')}"
        if keyword.iskeyword(name) or name in {
            "scheme",
            "clientset",
            "informers",
            "listers",
            "fake",
        }:
            name += "_"
        model.group_versions[key].module = _unique(name, taken)


def _class_names(types: list[TypeDef]) -> None:
    """Named types (kinds, OpenAPI definitions) first: they keep their names."""
    taken: set[str] = set()

    def order(t: TypeDef) -> tuple[int, str, str]:
        if t.gvk is not None:
            return (0, t.gvk[2], t.id)  # top-level kinds keep their exact kind name
        return (1, t.id.rsplit(".", 1)[-1], t.id)

    for typedef in sorted(types, key=order):
        wanted = typedef.gvk[2] if typedef.gvk is not None else typedef.id.rsplit(".", 1)[-1]
        typedef.name = _unique(class_name(wanted), taken)


# --- inline objects --------------------------------------------------------------------------------

# At most this many unrelated field names are joined into one class name (``AddOrSet``), and the
# joined names at most this long; beyond, each field gets a class of its own.
_MAX_JOINED = 3
_MAX_JOINED_LENGTH = 32
_WORD = re.compile(r"[A-Z]{2,}s(?![a-z])|[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+")


@dataclasses.dataclass(frozen=True, order=True)
class _Place:
    """Where an inline object is met: a field of a parent type (the value, or its items)."""

    parent: str
    field: str


def _refs(ref: TypeRef) -> Iterator[str]:
    if isinstance(ref, Ref):
        yield ref.type_id
    elif isinstance(ref, Array):
        yield from _refs(ref.items)
    elif isinstance(ref, Map):
        yield from _refs(ref.values)
    elif isinstance(ref, UnionType):
        for option in ref.options:
            yield from _refs(option)


def _retarget(ref: TypeRef, old: str, new: str) -> TypeRef:
    if isinstance(ref, Ref):
        return Ref(new) if ref.type_id == old else ref
    if isinstance(ref, Array):
        return Array(_retarget(ref.items, old, new))
    if isinstance(ref, Map):
        return Map(_retarget(ref.values, old, new))
    if isinstance(ref, UnionType):
        return UnionType(tuple(_retarget(o, old, new) for o in ref.options))
    return ref


def _places(model: APIModel, inline: set[str]) -> dict[str, list[_Place]]:
    out: dict[str, set[_Place]] = {type_id: set() for type_id in inline}
    for typedef in model.types.values():
        for item in typedef.fields:
            for target in _refs(item.type):
                if target in out:
                    out[target].add(_Place(typedef.id, item.json_name))
    return {type_id: sorted(places) for type_id, places in out.items()}


def _camel(segment: str) -> str:
    """A field name as part of a class name: ``tokenRef`` -> ``TokenRef``, ``http01`` -> ``Http01``."""
    parts = re.split(r"[^0-9A-Za-z]+", segment)
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


def _words(segment: str) -> list[str]:
    return _WORD.findall(_camel(segment))


def _same_word(base: str, other: str) -> bool:
    """``other`` is ``base`` or its plural (``source``/``sources``, ``policy``/``policies``)."""
    base, other = base.lower(), other.lower()
    return other in (base, base + "s", base + "es") or (
        base.endswith("y") and other == base[:-1] + "ies"
    )


def _common_name(segments: list[str]) -> str | None:
    """What field names have in common, as a class name part: the name itself, or their last words (a
    plural counts as its singular), or (two or three names) the names joined; None when nothing."""
    names = sorted(set(segments), key=lambda n: (_camel(n), n))
    if len(names) == 1:
        return _camel(names[0])
    words = [_words(name) for name in names]
    size = 0
    while all(len(w) > size for w in words):
        column = sorted((w[-1 - size] for w in words), key=lambda x: (len(x), x))
        last = size == 0
        if not all(
            _same_word(column[0], other) if last else column[0].lower() == other.lower()
            for other in column
        ):
            break
        size += 1
    if size:
        # Spelled as the shortest (a singular where there is one).
        shortest = min(words, key=lambda w: (len(w[-1]), w[-1]))
        return "".join(shortest[-size:])
    camels = sorted({_camel(name) for name in names})
    joined = "Or".join(camels)
    if len(camels) <= _MAX_JOINED and len(joined) <= _MAX_JOINED_LENGTH:
        return joined
    return None


def _split_unrelated_places(model: APIModel, inline: set[str]) -> set[str]:
    """One class per field for identical inline objects met at fields with nothing in common: one
    shared name would read as belonging to none of them. Returns the inline types afterwards."""
    inline = set(inline)
    while True:
        places = _places(model, inline)
        unrelated = [
            type_id
            for type_id in sorted(places)
            if len(places[type_id]) > 1 and _common_name([p.field for p in places[type_id]]) is None
        ]
        if not unrelated:
            return inline
        for type_id in unrelated:
            typedef = model.types.pop(type_id)
            inline.discard(type_id)
            for place in places[type_id]:
                copy_id = f"{type_id}@{place.parent}.{place.field}"
                model.types[copy_id] = dataclasses.replace(
                    typedef, id=copy_id, fields=[dataclasses.replace(f) for f in typedef.fields]
                )
                inline.add(copy_id)
                for item in model.types[place.parent].fields:
                    if item.json_name == place.field:
                        item.type = _retarget(item.type, type_id, copy_id)


def _labels(model: APIModel, inline: set[str]) -> dict[str, tuple[str, list[str]]]:
    """For every inline type: the type at the top of it (its kind or definition) and the field names
    that lead to it, nearest last; for a class met at several fields, what those have in common."""
    places = _places(model, inline)
    memo: dict[str, tuple[str, list[str]]] = {}

    def label(type_id: str, stack: frozenset[str]) -> tuple[str, list[str]]:
        if type_id not in inline:
            return type_id, []
        if type_id in memo:
            return memo[type_id]
        found = places.get(type_id) or []
        if not found or type_id in stack:
            return "", []  # unreachable (or a cycle, which inline objects cannot make)
        inner = stack | {type_id}
        full = [(label(p.parent, inner), p) for p in found]
        top = min(root for (root, _), _ in full)
        paths = sorted({tuple(path) + (p.field,) for (_, path), p in full})
        if len(paths) == 1:
            result = (top, list(paths[0]))
        else:
            # Right to left, what the paths have in common at each level, as far as they have.
            common: list[str] = []
            depth = 0
            while all(len(path) > depth for path in paths):
                name = _common_name([path[-1 - depth] for path in paths])
                if name is None:
                    break
                common.insert(0, name)
                depth += 1
            result = (top, common or [_camel(found[0].field)])
        memo[type_id] = result
        return result

    return {type_id: label(type_id, frozenset()) for type_id in sorted(inline)}


def _inline_names(
    model: APIModel,
    types: list[TypeDef],
    labels: dict[str, tuple[str, list[str]]],
    hints: dict[str, str],
    module_types: list[TypeDef],
) -> None:
    """The shortest name of each inline type of one module that is unique: its kind's name and the
    last field name, then more of the field names that lead to it while two types share a name."""
    fixed = {t.name for t in module_types if t.name}
    candidates: dict[str, list[str]] = {}
    for typedef in types:
        root, path = labels.get(typedef.id, ("", []))
        top = model.types.get(root)
        if top is None or not path:
            candidates[typedef.id] = [class_name(hints.get(typedef.id) or typedef.id)]
            continue
        candidates[typedef.id] = [
            class_name(top.name + "".join(_camel(part) for part in path[-size:]))
            for size in range(1, len(path) + 1)
        ]
    step = {type_id: 0 for type_id in candidates}
    while True:
        holders: dict[str, list[str]] = {}
        for type_id in sorted(candidates):
            holders.setdefault(candidates[type_id][step[type_id]], []).append(type_id)
        moved = False
        for name, type_ids in holders.items():
            if len(type_ids) > 1 or name in fixed:
                for type_id in type_ids:
                    if step[type_id] + 1 < len(candidates[type_id]):
                        step[type_id] += 1
                        moved = True
        if not moved:
            break
    taken = set(fixed)
    for type_id in sorted(candidates, key=lambda t: (candidates[t][step[t]], t)):
        model.types[type_id].name = _unique(candidates[type_id][step[type_id]], taken)


def _field_names(fields: Iterable[Field]) -> None:
    items = list(fields)
    wanted = {id(f): attribute_name(f.json_name) for f in items}
    taken: set[str] = set()
    # The field whose wire name already is the attribute name keeps it; then wire-name order decides.
    for item in sorted(items, key=lambda f: (f.json_name != wanted[id(f)], f.json_name)):
        item.python_name = _unique_attr(wanted[id(item)], taken)


def _unique_attr(base: str, taken: set[str]) -> str:
    if base not in taken:
        taken.add(base)
        return base
    counter = 2
    while f"{base}_{counter}" in taken:
        counter += 1
    name = f"{base}_{counter}"
    taken.add(name)
    return name


def _name_enums(ref: TypeRef, wanted: str, taken: set[str]) -> TypeRef:
    if isinstance(ref, EnumType):
        return EnumType(ref.base, ref.values, _unique(class_name(wanted), taken))
    if isinstance(ref, Array):
        return Array(_name_enums(ref.items, wanted, taken))
    if isinstance(ref, Map):
        return Map(_name_enums(ref.values, wanted, taken))
    if isinstance(ref, UnionType):
        return UnionType(tuple(_name_enums(o, wanted, taken) for o in ref.options))
    return ref
