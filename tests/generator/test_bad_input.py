"""Bad input: one clear error naming the file and the JSON pointer, exit code 2, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gen_util import crd, write_yaml

GOOD_SCHEMA = {
    "type": "object",
    "properties": {"spec": {"type": "object", "properties": {"a": {"type": "string"}}}},
}


def kgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kgen.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def assert_rejected(result: subprocess.CompletedProcess[str], out: Path, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("kgen: error:")]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert not out.exists() or not any(out.iterdir()), "nothing may be written on bad input"


def test_malformed_yaml(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: apiextensions.k8s.io/v1\nkind: [unclosed\n")
    result = kgen("generate", "--crd", str(bad), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert_rejected(result, tmp_path / "out", "bad.yaml", "malformed YAML", "line 2")


def test_malformed_json_spec(tmp_path: Path) -> None:
    bad = tmp_path / "api.json"
    bad.write_text('{"swagger": "2.0", ')
    result = kgen("generate", "--spec", str(bad), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert_rejected(result, tmp_path / "out", "api.json", "malformed JSON")


def test_a_document_that_is_not_a_crd(tmp_path: Path) -> None:
    path = write_yaml(
        tmp_path / "crds.yaml",
        crd("Thing", GOOD_SCHEMA),
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
    )
    result = kgen("generate", "--crd", str(path), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert_rejected(
        result,
        tmp_path / "out",
        "crds.yaml (document 1)",
        "not a CustomResourceDefinition",
        "ConfigMap",
    )


def test_a_broken_ref(tmp_path: Path) -> None:
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "io.example.v1.Thing": {
                    "type": "object",
                    "properties": {"spec": {"$ref": "#/components/schemas/io.example.v1.Missing"}},
                    "x-kubernetes-group-version-kind": [
                        {"group": "example.io", "version": "v1", "kind": "Thing"}
                    ],
                }
            }
        },
    }
    path = tmp_path / "api.json"
    path.write_text(json.dumps(spec))
    result = kgen("generate", "--spec", str(path), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert_rejected(
        result,
        tmp_path / "out",
        "api.json#/components/schemas/io.example.v1.Thing/properties/spec",
        "io.example.v1.Missing",
    )


def test_two_crds_defining_the_same_kind(tmp_path: Path) -> None:
    first = write_yaml(tmp_path / "crds" / "a.yaml", crd("Thing", GOOD_SCHEMA))
    second = crd("Thing", GOOD_SCHEMA, plural="things")
    write_yaml(tmp_path / "crds" / "b.yaml", second)
    result = kgen(
        "generate", "--crd", str(first.parent), "--output", str(tmp_path / "out"), cwd=tmp_path
    )
    assert_rejected(result, tmp_path / "out", "b.yaml", "Thing", "also defined in", "a.yaml")


def test_invalid_crd_structure_names_the_pointer(tmp_path: Path) -> None:
    doc = crd("Thing", {"type": "object", "properties": {"spec": {"type": "objekt"}}})
    path = write_yaml(tmp_path / "crd.yaml", doc)
    result = kgen("generate", "--crd", str(path), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert_rejected(
        result,
        tmp_path / "out",
        "crd.yaml#/spec/versions/0/schema/openAPIV3Schema/properties/spec/type",
        "unknown type 'objekt'",
    )


def test_invalid_openapi_document(tmp_path: Path) -> None:
    path = tmp_path / "api.json"
    path.write_text(json.dumps({"openapi": "3.0.0", "info": {"title": "t"}, "paths": {}}))
    result = kgen("generate", "--spec", str(path), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert_rejected(result, tmp_path / "out", "api.json", "invalid OpenAPI 3 document", "version")


def test_bad_input_leaves_existing_output_untouched(tmp_path: Path) -> None:
    good = write_yaml(tmp_path / "good.yaml", crd("Thing", GOOD_SCHEMA))
    out = tmp_path / "out"
    assert kgen("generate", "--crd", str(good), "--output", str(out), cwd=tmp_path).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (tmp_path / "bad.yaml").write_text("{nope")
    result = kgen(
        "generate", "--crd", str(tmp_path / "bad.yaml"), "--output", str(out), cwd=tmp_path
    )
    assert result.returncode == 2
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert before == after
    assert not [p for p in out.iterdir() if p.name.startswith(".kgen-")]


def test_missing_path(tmp_path: Path) -> None:
    result = kgen(
        "generate", "--crd", str(tmp_path / "nope"), "--output", str(tmp_path / "out"), cwd=tmp_path
    )
    assert_rejected(result, tmp_path / "out", "nope", "does not exist")


@pytest.mark.parametrize(
    "package", ["not-valid", "class", "1abc", "a..b"], ids=["dash", "keyword", "digit", "dots"]
)
def test_invalid_package_name(tmp_path: Path, package: str) -> None:
    good = write_yaml(tmp_path / "good.yaml", crd("Thing", GOOD_SCHEMA))
    result = kgen(
        "generate",
        "--crd",
        str(good),
        "--package",
        package,
        "--output",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert_rejected(result, tmp_path / "out", "not a valid Python package name")


@pytest.mark.parametrize(
    ("change", "pointer", "message"),
    [
        (lambda d: d["spec"].update(group="Example_io"), "#/spec/group", "lowercase DNS subdomain"),
        (lambda d: d["spec"].update(group="localhost"), "#/spec/group", "at least one dot"),
        (
            lambda d: d["spec"]["versions"][0].update(name="V1_beta"),
            "#/spec/versions/0/name",
            "must be a DNS-1035 label",
        ),
        (
            lambda d: d["spec"]["names"].update(plural="Things"),
            "#/spec/names/plural",
            "lowercase DNS-1035 label",
        ),
    ],
)
def test_names_the_apiserver_would_refuse(
    tmp_path: Path, change: Any, pointer: str, message: str
) -> None:
    document = crd("Thing", GOOD_SCHEMA, group="example.io")
    change(document)
    path = write_yaml(tmp_path / "crds.yaml", document)
    result = kgen("generate", "--crd", str(path), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert_rejected(result, tmp_path / "out", f"crds.yaml{pointer}", message)


def test_a_crd_with_no_served_version_is_skipped_and_said_so(tmp_path: Path) -> None:
    document = crd("Thing", GOOD_SCHEMA)
    document["spec"]["versions"][0]["served"] = False
    path = write_yaml(tmp_path / "crds.yaml", document)
    result = kgen("generate", "--crd", str(path), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert_rejected(
        result, tmp_path / "out", "nothing to generate", "things.test.kgen.io: no version is served"
    )


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "crds.yaml", crd("Thing", GOOD_SCHEMA))
    result = kgen(
        "generate",
        "--crd",
        str(path),
        "--crd",
        "./crds.yaml",
        "--crd",
        ".",
        "--output",
        "out",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "kube_client" / "models").is_dir()


def test_an_unknown_flag_shows_the_usage_of_the_subcommand(tmp_path: Path) -> None:
    result = kgen("generate", "--bogus", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: kgen generate ")
    assert "kgen generate: error: unrecognized arguments: --bogus" in result.stderr
