"""`kgen generate` and `kgen verify` as a user runs them: config files, flags, output, determinism."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

from gen_util import crd, write_yaml

ROOT = Path(__file__).resolve().parents[2]

SCHEMA = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "properties": {"size": {"type": "integer"}, "name": {"type": "string"}},
        },
    },
}


def kgen(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kgen.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def tree(path: Path) -> dict[str, bytes]:
    return {
        p.relative_to(path).as_posix(): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generate_reads_pyproject_and_verify_detects_changes(tmp_path: Path) -> None:
    write_yaml(tmp_path / "crds" / "things.yaml", crd("Thing", SCHEMA, group="things.example.com"))
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.kgen]\ncrd = ["crds"]\noutput = "gen"\npackage = "things"\n'
    )
    result = kgen("generate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stderr and "API model" in result.stderr  # progress is shown
    package = tmp_path / "gen" / "things"
    assert (package / "py.typed").exists() and (
        package / "models" / "things_example_com_v1.py"
    ).exists()

    ok = kgen("verify", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr

    # Edit a generated file and add one: verify lists both and exits 1.
    model = package / "models" / "things_example_com_v1.py"
    model.write_text(model.read_text() + "\n# edited\n")
    (package / "stray.py").write_text("")
    stale = kgen("verify", cwd=tmp_path)
    assert stale.returncode == 1
    assert "changed: models/things_example_com_v1.py" in stale.stderr
    assert "extra:   stray.py" in stale.stderr

    # Changing the input makes the output stale too.
    kgen("generate", cwd=tmp_path)
    write_yaml(
        tmp_path / "crds" / "things.yaml",
        crd("Thing", {**SCHEMA, "description": "now documented"}, group="things.example.com"),
    )
    assert kgen("verify", "-q", cwd=tmp_path).returncode == 1


def test_the_config_is_found_from_a_subdirectory_up_to_the_project_root(tmp_path: Path) -> None:
    write_yaml(tmp_path / "crds" / "things.yaml", crd("Thing", SCHEMA, group="things.example.com"))
    (tmp_path / "pyproject.toml").write_text('[tool.kgen]\ncrd = ["crds"]\npackage = "things"\n')
    (tmp_path / "src" / "deep").mkdir(parents=True)
    result = kgen("generate", cwd=tmp_path / "src" / "deep")
    assert result.returncode == 0, result.stderr
    assert f"config: {tmp_path.resolve() / 'pyproject.toml'}" in result.stderr
    # Paths in the file are relative to the file, wherever kgen runs.
    assert (tmp_path / "generated" / "things" / "models" / "things_example_com_v1.py").exists()
    # A nested project (its own pyproject.toml without [tool.kgen]) is a root: the search stops.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "sub"\n')
    result = kgen("generate", "-q", cwd=tmp_path / "sub")
    assert result.returncode == 2 and "no inputs" in result.stderr, result.stderr


def test_kgen_toml_and_flags_override(tmp_path: Path) -> None:
    write_yaml(tmp_path / "a.yaml", crd("Alpha", SCHEMA, group="a.example.com"))
    write_yaml(tmp_path / "b.yaml", crd("Beta", SCHEMA, group="b.example.com"))
    (tmp_path / "kgen.toml").write_text('crd = ["a.yaml"]\npackage = "from_toml"\n')
    result = kgen("generate", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # --quiet silences progress
    assert (tmp_path / "generated" / "from_toml" / "models" / "a_example_com_v1.py").exists()
    result = kgen("generate", "-q", "--crd", "b.yaml", "--package", "flagged", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    models = tmp_path / "generated" / "flagged" / "models"
    assert (models / "b_example_com_v1.py").exists() and not (
        models / "a_example_com_v1.py"
    ).exists()


def test_unknown_config_key_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "kgen.toml").write_text('crds = ["a.yaml"]\n')
    result = kgen("generate", cwd=tmp_path)
    assert result.returncode == 2
    assert "kgen.toml" in result.stderr and "unknown key(s) crds" in result.stderr


def test_include_and_exclude_select_group_versions(tmp_path: Path) -> None:
    spec = ROOT / "specs" / "kube-core-subset"
    result = kgen(
        "generate",
        "-q",
        "--spec",
        str(spec),
        "--include",
        "apps/*",
        "--output",
        "out",
        "--package",
        "apps_only",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    package = tmp_path / "out" / "apps_only"
    clients = sorted(p.name for p in (package / "clients").glob("*_v1.py"))
    assert clients == ["_async_apps_v1.py", "apps_v1.py"]  # the async clients: their own module
    # apps/v1 needs core/v1's PodTemplateSpec: the model is kept, without clients.
    assert "class PodTemplateSpec" in (package / "models" / "core_v1.py").read_text()
    assert "class ConfigMap(" not in (package / "models" / "core_v1.py").read_text()
    result = kgen(
        "generate",
        "-q",
        "--spec",
        str(spec),
        "--exclude",
        "core/*",
        "--exclude",
        "apps/*",
        "--output",
        "out",
        "--package",
        "no_core",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "out" / "no_core" / "clients" / "core_v1.py").exists()
    assert (tmp_path / "out" / "no_core" / "clients" / "coordination_v1.py").exists()


def test_output_is_byte_identical_whatever_the_input_order_or_hash_seed(tmp_path: Path) -> None:
    sources = [ROOT / "specs" / "example-crds" / "example.kgen.io.yaml"]
    sources += [
        write_yaml(
            tmp_path / "in" / f"{name}.yaml",
            crd(name.capitalize(), SCHEMA, group=f"{name}.example.com"),
        )
        for name in ("zeta", "alpha", "mid")
    ]
    copies = tmp_path / "inputs"
    copies.mkdir()
    for source in sources:
        shutil.copy(source, copies / source.name)
    outputs = []
    for attempt, seed in enumerate(("0", "1", "random")):
        order = sorted(copies.iterdir())
        random.Random(attempt).shuffle(order)
        args = [arg for path in order for arg in ("--crd", str(path))]
        args += ["--spec", str(ROOT / "specs" / "kube-core-subset")]
        out = tmp_path / f"out{attempt}"
        result = kgen(
            "generate",
            "-q",
            *args,
            "--output",
            str(out),
            "--package",
            "same",
            cwd=tmp_path,
            env={"PYTHONHASHSEED": seed},
        )
        assert result.returncode == 0, result.stderr
        outputs.append(tree(out / "same"))
    assert outputs[0] == outputs[1] == outputs[2]


def test_embedded_default_is_up_to_date() -> None:
    result = kgen("verify", "-q", cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_core_subset_spec_is_up_to_date() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import core_subset_spec
    finally:
        sys.path.pop(0)
    on_disk = (ROOT / "specs" / "kube-core-subset" / "openapi.json").read_text()
    assert on_disk == core_subset_spec.render(), "run: python scripts/core_subset_spec.py"


def test_written_package_has_ordinary_permissions(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "crds.yaml", crd("Widget", SCHEMA))
    old_mask = os.umask(0o022)
    try:
        result = kgen(
            "generate", "--crd", str(path), "--output", "out", "--package", "pkg", cwd=tmp_path
        )
    finally:
        os.umask(old_mask)
    assert result.returncode == 0, result.stderr
    modes = {
        p.relative_to(tmp_path): p.stat().st_mode & 0o777 for p in (tmp_path / "out").rglob("*")
    }
    assert modes[Path("out/pkg")] == 0o755
    assert all(mode == (0o755 if (tmp_path / p).is_dir() else 0o644) for p, mode in modes.items())


def test_an_output_path_that_cannot_be_written_is_one_error(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "crds.yaml", crd("Widget", SCHEMA))
    (tmp_path / "afile").write_text("keep me")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "pkg").write_text("keep me too")
    for output, package, named in (("afile", "pkg", "afile"), ("out", "pkg", "out/pkg")):
        result = kgen(
            "generate", "--crd", str(path), "--output", output, "--package", package, cwd=tmp_path
        )
        assert result.returncode == 2, result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("kgen: error:")]
        assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
        assert f"cannot write {named}" in errors[0], errors[0]
    assert (tmp_path / "afile").read_text() == "keep me"
    assert (tmp_path / "out" / "pkg").read_text() == "keep me too"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["pkg"]


def test_paths_in_the_file_are_relative_to_it_and_flag_inputs_replace_its_selection(
    tmp_path: Path,
) -> None:
    from kgen.config import GenerateConfig, load_config_file

    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.kgen]\ncrd = ["crds"]\nkubeconfig = "../kc.yaml"\ninclude = ["apps/*"]\n'
    )
    file = load_config_file(project / "pyproject.toml")
    no_flags: dict[str, object] = {}
    config = GenerateConfig.from_sources(file, no_flags)
    assert config.kubeconfig == project.resolve() / ".." / "kc.yaml"
    assert config.include == ["apps/*"]
    # Inputs from flags: the file's include/exclude went with the file's inputs.
    flagged = GenerateConfig.from_sources(file, {"crd": ["other.yaml"]})
    assert flagged.include == [] and flagged.crds == [Path("other.yaml")]

    # When the file's selection matches nothing, the error says it was the file's.
    write_yaml(project / "crds" / "things.yaml", crd("Thing", SCHEMA, group="things.example.com"))
    result = kgen("generate", "-q", cwd=tmp_path / "project")
    assert result.returncode == 2
    assert f"include/exclude in {project.resolve() / 'pyproject.toml'} left no group-version" in (
        result.stderr
    )


def test_the_same_inputs_spelled_differently_verify_as_up_to_date(tmp_path: Path) -> None:
    outside = tmp_path / "ext"
    write_yaml(outside / "a" / "z.yaml", crd("Zed", SCHEMA, group="z.example.com"))
    write_yaml(outside / "b" / "a.yaml", crd("Aye", SCHEMA, group="a.example.com"))
    (tmp_path / "proj").mkdir()
    relative = ["--crd", "../ext/b/a.yaml", "--crd", str(outside / "a" / "z.yaml")]
    absolute = ["--crd", str(outside / "a" / "z.yaml"), "--crd", str(outside / "b" / "a.yaml")]
    assert kgen("generate", "-q", *relative, cwd=tmp_path / "proj").returncode == 0
    result = kgen("verify", *absolute, cwd=tmp_path / "proj")
    assert result.returncode == 0, result.stderr
