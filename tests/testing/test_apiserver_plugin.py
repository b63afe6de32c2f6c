"""kgen-only: the pytest plugin and ``python -m kgen.testing``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[2]


INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


def test_plugin_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile("""
        import httpx
        import yaml

        def test_server(kube_apiserver, kube_kubeconfig):
            response = httpx.get(kube_apiserver.url + "/api/v1/namespaces/default")
            assert response.status_code == 200
            config = yaml.safe_load(kube_kubeconfig.read_text())
            assert config["clusters"][0]["cluster"]["server"] == kube_apiserver.url
            assert kube_apiserver.registry.get("example.kgen.io", "v1", "widgets") is None
        """)
    result = pytester.runpytest_subprocess("-q")  # the pytest11 entry point loads the plugin
    result.assert_outcomes(passed=1)


def test_plugin_options_override(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(f"""
        import sys
        import httpx
        import pytest

        sys.path.insert(0, {str(ROOT / "generated")!r})

        @pytest.fixture
        def kgen_apiserver_options():
            return {{"package": "example_client", "history": 10}}

        def test_widgets(kube_apiserver):
            url = kube_apiserver.url + "/apis/example.kgen.io/v1/namespaces/default/widgets"
            assert httpx.get(url).status_code == 200
            assert kube_apiserver.store.history_limit == 10
        """)
    result = pytester.runpytest_subprocess("-q")  # the pytest11 entry point loads the plugin
    result.assert_outcomes(passed=1)


def test_plugin_package_with_crd_files(pytester: pytest.Pytester, tmp_path: Path) -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "extras.more.kgen.io"},
        "spec": {
            "group": "more.kgen.io",
            "scope": "Namespaced",
            "names": {"kind": "Extra", "plural": "extras"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                }
            ],
        },
    }
    (tmp_path / "extra.yaml").write_text(yaml.safe_dump(crd))
    pytester.makeini(INI)
    pytester.makepyfile(f"""
        import sys
        import httpx
        import pytest

        sys.path.insert(0, {str(ROOT / "generated")!r})

        @pytest.fixture
        def kgen_apiserver_options():
            return {{"package": "example_client", "crds": [{str(tmp_path / "extra.yaml")!r}]}}

        def test_both(kube_apiserver, kube_clientset):
            base = kube_apiserver.url + "/apis/"
            assert httpx.get(base + "more.kgen.io/v1/namespaces/default/extras").status_code == 200
            assert kube_clientset.example_kgen_io_v1.widgets("default").list().items == []
        """)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1)


def test_plugin_import_is_cheap() -> None:
    code = (
        "import sys; import kgen.testing.pytest_plugin; "
        "heavy = [m for m in ('kgen.testing.server', 'kgen.testing.api', 'h11', 'kgen.model.build') "
        "if m in sys.modules]; print(heavy)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


def test_main_serves_until_interrupted(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "generated"), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable,
        "-m",
        "kgen.testing",
        "--package",
        "example_client",
        "--kubeconfig",
        str(kubeconfig),
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            match = re.search(r"listening on (http://\S+)", line)
            assert match, line
            url = match.group(1)
            assert httpx.get(url + "/apis/example.kgen.io/v1").status_code == 200
            process.stdout.readline()  # "kubeconfig written to ..."
            config = yaml.safe_load(kubeconfig.read_text())
            assert config["clusters"][0]["cluster"]["server"] == url
        finally:
            process.terminate()
            process.wait(30)
    assert process.returncode == 0


def test_main_with_crd_files(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "kgen.testing",
        "--crd",
        str(ROOT / "specs" / "example-crds"),
        "--tls",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert "listening on https://" in line, line
        finally:
            process.terminate()
            process.wait(30)


def test_main_reports_bad_arguments_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "seed.json").write_text('{"apiVersion": "v1", "kind": "Nope"}')
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "generated"), os.environ.get("PYTHONPATH", "")]),
    }
    cases = [
        (["--package", "no_such_package"], "cannot import the package 'no_such_package'"),
        (["--package", "json"], "json is not a package kgen generated"),
        (["--crd", str(tmp_path / "seed.json")], "not a CustomResourceDefinition"),
        (
            ["--package", "example_client", "--seed", str(tmp_path / "missing.json")],
            "missing.json: [Errno 2]",
        ),
        (
            ["--package", "example_client", "--seed", str(tmp_path / "seed.json")],
            "(object 0): this server does not serve v1 Nope",
        ),
    ]
    for arguments, message in cases:
        result = subprocess.run(
            [sys.executable, "-m", "kgen.testing", *arguments],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, (arguments, result.stderr)
        assert "Traceback" not in result.stderr and message in result.stderr, result.stderr
