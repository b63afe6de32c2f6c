"""Specs are untrusted: no name, description or enum value may break or inject code."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

import msgspec
from gen_util import crd, generate_package, import_all, write_yaml

import kgen.runtime._codec as codec

HOSTILE_DESCRIPTION = (
    'Ends with a quote" and a triple """ quote; backslashes \\ \\n \\x00 and a trailing \\'
    "\nnew line\r\ncarriage\x00nul\x1bescape\u2028line-sep\x85next-line '''single''' "
    '"); import os; os.system("echo pwned") #'
)
HOSTILE_NAMES = [
    "__init__",
    "__class__",
    "__struct_fields__",
    "_private",
    "self",
    "None",
    "True",
    "print(1)",
    "a.b",
    "x-y-z",
    "",
    " ",
    "é",
    "int",
    "field",
    "msgspec",
    "datetime",
    "1st",
    "$ref",
    "__import__('os')",
]
HOSTILE_ENUM = ["'", '"', "\\", "a\nb", '"; import os #', "\u2028"]


def _schema() -> dict:
    properties = {
        name: {"type": "string", "description": HOSTILE_DESCRIPTION} for name in HOSTILE_NAMES
    }
    properties["mode"] = {
        "type": "string",
        "enum": HOSTILE_ENUM,
        "description": HOSTILE_DESCRIPTION,
    }
    properties["nested"] = {
        "type": "object",
        "description": HOSTILE_DESCRIPTION,
        "properties": {"__init__": {"type": "integer"}, "x": {"type": "string"}},
    }
    return {
        "type": "object",
        "description": HOSTILE_DESCRIPTION,
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {
                "type": "object",
                "description": HOSTILE_DESCRIPTION,
                "properties": properties,
            },
        },
    }


def test_hostile_names_and_descriptions_generate_safe_code(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "crd.yaml", crd("Hostile", _schema(), group="evil.example.com"))
    target = generate_package(tmp_path, package="hostile_pkg", crds=[path])
    source_path = target / "models" / "evil_example_com_v1.py"
    source = source_path.read_text()
    tree = ast.parse(source)  # it parses
    assert "pwned" not in [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    called = {ast.unparse(c.func) for c in calls}
    assert called <= {
        "GroupVersionKind",
        "ResourceInfo",
        "SubresourceInfo",
        "frozenset",
        "field",
    }, called

    modules = import_all("hostile_pkg", target)
    models = next(m for m in modules if m.__name__.endswith("models.evil_example_com_v1"))
    spec_cls = models.HostileSpec
    # The class docstring says exactly what the spec said (modulo indentation, as help() shows it).
    assert inspect.cleandoc(spec_cls.__doc__) == HOSTILE_DESCRIPTION.replace("\r\n", "\n").strip()
    # Its later lines are indented with the class body, whatever black makes of the literal.
    source = (target / "models" / "evil_example_com_v1.py").read_text()
    assert "\n    new line\n" in source

    # Every wire name survives as an encode name, each on a distinct valid attribute.
    fields = {f.encode_name: f.name for f in msgspec.structs.fields(spec_cls)}
    for name in HOSTILE_NAMES:
        assert name in fields
        attribute = fields[name]
        assert attribute.isidentifier() and not attribute.startswith("__"), attribute
    assert len(set(fields.values())) == len(fields)

    document = {name: f"value of {name!r}" for name in HOSTILE_NAMES}
    document["mode"] = HOSTILE_ENUM[4]
    document["nested"] = {"__init__": 3, "x": "y"}
    decoded = codec.decode(json.dumps(document).encode(), spec_cls)
    assert json.loads(codec.encode(decoded)) == document


# Kinds named like what generated modules import (runtime classes, typing names, client mixins) or
# like builtins and keywords: each must still generate, import, type-check and work.
TRAP_KINDS = [
    "Status",
    "Condition",
    "ObjectMeta",
    "LabelSelector",
    "Struct",
    "Any",
    "KubernetesObject",
    "Update",
    "Get",
    "Watch",
    "Iterator",
    "ResourceClient",
    "AsyncList",
    "Scale",
    "Exception",
    "None",
]


def test_kinds_named_like_runtime_names_keep_working(tmp_path: Path) -> None:
    from gen_util import run_mypy

    schema = {
        "type": "object",
        "properties": {
            "spec": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
            "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
        },
    }
    scale = {
        "status": {},
        "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"},
    }
    documents = [
        crd(kind, schema, group="traps.kgen.io", plural=f"t{kind.lower()}s", subresources=scale)
        for kind in TRAP_KINDS
    ]
    path = write_yaml(tmp_path / "crds.yaml", *documents)
    target = generate_package(tmp_path, package="trap_pkg", crds=[path])
    modules = {m.__name__: m for m in import_all("trap_pkg", target)}
    models = modules["trap_pkg.models.traps_kgen_io_v1"]
    # The kind keeps its name where nothing is shadowed; otherwise it gets the suffix Model.
    assert models.UpdateModel.GVK.kind == "Update" and models.StatusModel.GVK.kind == "Status"
    result = run_mypy(target.parent, "trap_pkg")
    assert result.returncode == 0, result.stdout[-3000:]

    fake = modules["trap_pkg.fake"].FakeClientset()
    client = fake.traps_kgen_io_v1.tupdates("default")
    update = codec.from_builtins(
        {"metadata": {"name": "u"}, "spec": {"replicas": 2}}, models.UpdateModel
    )
    created = client.create(update)
    assert created.metadata.uid and client.get("u").spec.replicas == 2
    assert client.get_scale("u").spec.replicas == 2
    # Whatever the templates import, a kind of that name is renamed (keeps naming.py in step).
    from kgen.apimodel.names import class_name

    imported = set()
    for source in target.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                imported |= {alias.asname or alias.name for alias in node.names}
    capitalised = {name for name in imported if name[:1].isupper()}
    assert capitalised and all(class_name(name) != name for name in capitalised), sorted(
        name for name in capitalised if class_name(name) == name
    )


def test_openapi_v2_of_a_1_20_cluster_with_a_crd(tmp_path: Path) -> None:
    # kube-apiserver 1.15-1.23 point CRD kinds at ObjectMeta_v2, Status_v2, Scale_v2... in /openapi/v2
    # (the fixture is an excerpt of what a real 1.20 served for a CRD): they are the meta types.
    from gen_util import run_mypy

    fixture = Path(__file__).parent / "fixtures" / "openapi-v2-1.20-crd.json"
    target = generate_package(tmp_path, package="v2_pkg", specs=[fixture])
    modules = {m.__name__: m for m in import_all("v2_pkg", target)}
    assert set(modules) == {
        "v2_pkg",
        "v2_pkg._async_clientset",
        "v2_pkg.apply",
        "v2_pkg.apply.trial_kgen_io_v1",
        "v2_pkg.clients",
        "v2_pkg.clients._async_trial_kgen_io_v1",
        "v2_pkg.clients.trial_kgen_io_v1",
        "v2_pkg.clientset",
        "v2_pkg.fake",
        "v2_pkg.informers",
        "v2_pkg.informers.trial_kgen_io_v1",
        "v2_pkg.listers",
        "v2_pkg.listers.trial_kgen_io_v1",
        "v2_pkg.models",
        "v2_pkg.models.trial_kgen_io_v1",
        "v2_pkg.scheme",
    }, "no module of _v2 copies"
    gizmo = modules["v2_pkg.models.trial_kgen_io_v1"].Gizmo
    assert gizmo.RESOURCE.plural == "gizmos" and gizmo.GVK.kind == "Gizmo"
    from kgen.runtime._meta import KubernetesObject, ObjectMeta

    assert issubclass(gizmo, KubernetesObject)
    assert gizmo(metadata=ObjectMeta(name="g")).metadata.name == "g"
    result = run_mypy(target.parent, "v2_pkg")
    assert result.returncode == 0, result.stdout[-3000:]
