"""Exec credential plugins, run for real: a Python script with a #! line, installed per test."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml
from helpers.plugins import Plugin, install_plugin, open_gate, plugin_env, wait_for_runs

from kgen.runtime._config import load_kubeconfig
from kgen.runtime._credentials import Credentials
from kgen.runtime._execplugin import (
    ExecCluster,
    ExecConfig,
    ExecCredentialSource,
    ExecPluginError,
    parse_rfc3339,
)

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
TOKEN = "s3cr3t-plugin-t0ken"
T0 = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


class Clock:
    """An injectable wall clock for expiry decisions."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def plugin(tmp_path: Path) -> Plugin:
    return install_plugin(tmp_path / "bin")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def source_for(
    plugin: Plugin,
    *,
    clock: Callable[[], datetime] | None = None,
    api_version: str = V1,
    interactive_mode: str = "Never",
    stdin_is_terminal: bool = False,
    **env: str,
) -> ExecCredentialSource:
    config = ExecConfig(
        command=str(plugin.path),
        env=plugin_env(plugin, **env),
        api_version=api_version,
        interactive_mode=interactive_mode,
    )
    return ExecCredentialSource(
        config,
        now=clock or (lambda: T0),
        stdin_is_terminal=lambda: stdin_is_terminal,
    )


def plugin_error(source: ExecCredentialSource) -> ExecPluginError:
    with pytest.raises(ExecPluginError) as info:
        source.get()
    return info.value


# --- the credential and its cache -----------------------------------------------------------------


def test_token_is_cached_across_calls(plugin: Plugin) -> None:
    source = source_for(plugin, token=TOKEN)
    results = [source.get() for _ in range(5)]
    assert results[0] == Credentials(token=TOKEN)
    assert all(result is results[0] for result in results)
    assert plugin.run_count == 1
    run = plugin.runs()[0]
    assert run["exec_info"] == {
        "kind": "ExecCredential",
        "apiVersion": V1,
        "spec": {"interactive": False},
    }
    assert run["stdin_is_devnull"] is True  # not interactive: stdin is not passed through


@pytest.mark.parametrize("api_version", [V1, V1BETA1])
def test_api_versions(plugin: Plugin, api_version: str) -> None:
    source = source_for(plugin, api_version=api_version)
    assert source.get().token == "token-1"
    assert plugin.runs()[0]["exec_info"]["apiVersion"] == api_version


def test_expiry_in_the_future_is_cached_until_it_passes(plugin: Plugin, clock: Clock) -> None:
    expiry = T0 + timedelta(minutes=10)
    source = source_for(plugin, clock=clock, expiry=rfc3339(expiry))
    first = source.get()
    assert first.expires_at == expiry
    clock.advance(minutes=9)
    assert source.get() is first
    assert plugin.run_count == 1
    # Within the skew (10 s) of the expiry the credential counts as expired.
    clock.advance(seconds=55)
    second = source.get()
    assert plugin.run_count == 2
    assert second.token == "token-2"


def test_expiry_in_the_past_runs_the_plugin_every_time(plugin: Plugin) -> None:
    source = source_for(plugin, expiry=rfc3339(T0 - timedelta(minutes=1)))
    assert [source.get().token for _ in range(3)] == ["token-1", "token-2", "token-3"]


def test_force_refresh_runs_the_plugin_again(plugin: Plugin) -> None:
    source = source_for(plugin)
    assert source.get().token == "token-1"
    assert source.get(force_refresh=True).token == "token-2"
    assert source.get().token == "token-2"
    assert plugin.run_count == 2


def test_client_certificate(plugin: Plugin, tmp_path: Path) -> None:
    cert = trustme.CA().issue_cert("exec-user")
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "c.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "k.pem"))
    source = source_for(
        plugin,
        mode="both",
        token=TOKEN,
        cert_file=str(tmp_path / "c.pem"),
        key_file=str(tmp_path / "k.pem"),
    )
    credentials = source.get()
    assert credentials.token == TOKEN
    assert credentials.client_cert_pem == cert.cert_chain_pems[0].bytes()
    assert credentials.client_key_pem == cert.private_key_pem.bytes()
    text = repr(credentials)
    assert TOKEN not in text and "PRIVATE KEY" not in text


def test_args_and_env_reach_the_plugin(plugin: Plugin) -> None:
    config = ExecConfig(
        command=str(plugin.path),
        args=("--region", "eu"),
        env=plugin_env(plugin, token="from-env"),
        interactive_mode="Never",
    )
    assert ExecCredentialSource(config).get().token == "from-env"
    assert plugin.runs()[0]["argv"] == ["--region", "eu"]


# --- interactive mode -----------------------------------------------------------------------------


def test_if_available_is_interactive_only_with_a_terminal(plugin: Plugin) -> None:
    source_for(plugin, interactive_mode="IfAvailable", stdin_is_terminal=False).get()
    source_for(plugin, interactive_mode="IfAvailable", stdin_is_terminal=True).get()
    first, second = plugin.runs()
    assert first["exec_info"]["spec"]["interactive"] is False
    assert second["exec_info"]["spec"]["interactive"] is True


def test_always_fails_without_a_terminal(plugin: Plugin) -> None:
    error = plugin_error(source_for(plugin, interactive_mode="Always", stdin_is_terminal=False))
    assert "interactiveMode Always" in str(error)
    assert "not a terminal" in str(error)
    assert plugin.run_count == 0


def test_never_is_not_interactive_even_with_a_terminal(plugin: Plugin) -> None:
    source_for(plugin, interactive_mode="Never", stdin_is_terminal=True).get()
    assert plugin.runs()[0]["exec_info"]["spec"]["interactive"] is False


# --- provideClusterInfo, end to end through kubeconfig --------------------------------------------


def write_kubeconfig(
    path: Path, user: dict[str, Any], cluster: dict[str, Any] | None = None
) -> Path:
    doc = {
        "current-context": "dev",
        "clusters": [{"name": "c", "cluster": cluster or {"server": "https://127.0.0.1:6443"}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}],
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def test_provide_cluster_info_from_kubeconfig(tmp_path: Path) -> None:
    plugin = install_plugin(tmp_path / "kube" / "bin")
    ca_pem = trustme.CA().cert_pem.bytes()
    (tmp_path / "kube" / "ca.crt").write_bytes(ca_pem)
    cluster = {
        "server": "https://10.1.2.3:6443",
        "certificate-authority": "ca.crt",
        "tls-server-name": "kubernetes.default.svc",
        "proxy-url": "http://proxy.local:3128",
        "extensions": [
            {"name": "client.authentication.k8s.io/exec", "extension": {"audience": "dev"}}
        ],
    }
    user = {
        "exec": {
            "apiVersion": V1,
            "command": "./bin/kgen-test-plugin",  # relative to the kubeconfig's directory
            "env": [{"name": k, "value": v} for k, v in plugin_env(plugin, token="kc-token")],
            "interactiveMode": "Never",
            "provideClusterInfo": True,
        }
    }
    config = load_kubeconfig(write_kubeconfig(tmp_path / "kube" / "config", user, cluster))
    assert config.credentials is not None
    assert config.credentials.get().token == "kc-token"
    assert plugin.runs()[0]["exec_info"] == {
        "kind": "ExecCredential",
        "apiVersion": V1,
        "spec": {
            "interactive": False,
            "cluster": {
                "server": "https://10.1.2.3:6443",
                "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                "tls-server-name": "kubernetes.default.svc",
                "proxy-url": "http://proxy.local:3128",
                "config": {"audience": "dev"},
            },
        },
    }


def test_cluster_info_is_only_sent_when_asked(plugin: Plugin) -> None:
    config = ExecConfig(
        command=str(plugin.path),
        env=plugin_env(plugin),
        cluster=ExecCluster(server="https://x"),
        provide_cluster_info=False,
    )
    ExecCredentialSource(config).get()
    assert "cluster" not in plugin.runs()[0]["exec_info"]["spec"]


def test_same_kubeconfig_loaded_twice_shares_one_plugin_run(tmp_path: Path) -> None:
    plugin = install_plugin(tmp_path / "bin")
    user = {
        "exec": {
            "apiVersion": V1,
            "command": str(plugin.path),
            "env": [{"name": k, "value": v} for k, v in plugin_env(plugin)],
            "interactiveMode": "Never",
        }
    }
    path = write_kubeconfig(tmp_path / "config", user)
    first, second = load_kubeconfig(path), load_kubeconfig(path)
    assert first.credentials is second.credentials
    assert first.credentials is not None and second.credentials is not None
    assert first.credentials.get() == second.credentials.get()
    assert plugin.run_count == 1


# --- concurrency ----------------------------------------------------------------------------------


def test_concurrent_get_from_threads_runs_the_plugin_once(plugin: Plugin, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    source = source_for(plugin, gate=str(gate))
    barrier = threading.Barrier(8)
    results: list[Credentials] = []

    def call() -> None:
        barrier.wait()
        results.append(source.get())

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    wait_for_runs(plugin, 1)  # the plugin is running (and held at the gate) ...
    assert all(thread.is_alive() for thread in threads)  # ... and every caller is still waiting
    open_gate(gate)
    for thread in threads:
        thread.join()
    assert plugin.run_count == 1
    assert len(results) == 8 and all(result is results[0] for result in results)


async def test_aget_runs_the_plugin_off_the_loop(plugin: Plugin) -> None:
    source = source_for(plugin, token=TOKEN)
    assert (await source.async_get()).token == TOKEN
    assert (await source.async_get()).token == TOKEN
    assert source.get().token == TOKEN  # the sync twin shares the cache
    assert plugin.run_count == 1
    assert (await source.async_get(force_refresh=True)).token == TOKEN
    assert plugin.run_count == 2


async def test_concurrent_aget_runs_the_plugin_once(plugin: Plugin, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    source = source_for(plugin, gate=str(gate))
    tasks = [asyncio.create_task(source.async_get()) for _ in range(8)]

    # The loop stays responsive while the plugin runs: this coroutine keeps being scheduled.
    while plugin.run_count < 1:
        await asyncio.sleep(0.005)
    assert not any(task.done() for task in tasks)
    open_gate(gate)
    results = await asyncio.gather(*tasks)
    assert plugin.run_count == 1
    assert all(result is results[0] for result in results)


async def test_waiting_force_refreshes_share_one_run(plugin: Plugin, tmp_path: Path) -> None:
    # After a 401 every in-flight request asks for a refresh: they queue behind one run and reuse
    # it.
    gate = tmp_path / "gate"
    open_gate(gate)
    source = source_for(plugin, gate=str(gate))
    assert (await source.async_get()).token == "token-1"
    gate.unlink()  # hold the next run at the gate
    tasks = [asyncio.create_task(source.async_get(force_refresh=True)) for _ in range(5)]
    while plugin.run_count < 2:
        await asyncio.sleep(0.005)
    open_gate(gate)
    results = await asyncio.gather(*tasks)
    assert plugin.run_count == 2
    assert {result.token for result in results} == {"token-2"}


# --- failures -------------------------------------------------------------------------------------


def test_missing_command_shows_the_install_hint() -> None:
    config = ExecConfig(
        command="kgen-no-such-plugin-8c1f",
        install_hint="kgen-no-such-plugin is required: brew install kgen-no-such-plugin",
    )
    error = plugin_error(ExecCredentialSource(config))
    assert "executable kgen-no-such-plugin-8c1f not found" in str(error)
    assert str(error).endswith(
        "\n\nkgen-no-such-plugin is required: brew install kgen-no-such-plugin"
    )


def test_non_zero_exit_reports_code_and_stderr_but_not_the_token(plugin: Plugin) -> None:
    source = source_for(plugin, mode="exit", exit="7", token=TOKEN, stderr="error: login expired\n")
    error = plugin_error(source)
    assert error.exit_code == 7
    assert error.stderr == "error: login expired"
    assert f"executable {plugin.path} failed with exit code 7" in str(error)
    assert "error: login expired" in str(error)
    assert TOKEN not in str(error)


def test_long_stderr_is_truncated_to_its_end(plugin: Plugin) -> None:
    error = plugin_error(source_for(plugin, mode="exit", stderr="x" * 10_000 + "THE REASON"))
    assert str(error).endswith("THE REASON")
    assert len(error.stderr) < 2100


def test_garbage_output_is_reported_without_quoting_it(plugin: Plugin) -> None:
    error = plugin_error(source_for(plugin, mode="garbage", token=TOKEN))
    assert "its output is not a JSON ExecCredential" in str(error)
    assert TOKEN not in str(error)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"answer_version": V1BETA1},
            f"it is configured to use API version {V1}, but returned version '{V1BETA1}'",
        ),
        ({"mode": "wrong-kind"}, "it returned kind 'Secret', not ExecCredential"),
        ({"mode": "no-status"}, "it didn't return a status field"),
        ({"mode": "empty-status"}, "it didn't return a token or cert/key pair"),
        ({"mode": "half-pair"}, "it returned only certificate or key, not both"),
        (
            {"mode": "bad-expiry"},
            "status.expirationTimestamp 'tomorrow at noon' is not an RFC 3339 time",
        ),
    ],
)
def test_invalid_exec_credentials(
    plugin: Plugin, tmp_path: Path, env: dict[str, Any], message: str
) -> None:
    cert = trustme.CA().issue_cert("x")
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "c.pem"))
    source = source_for(plugin, token=TOKEN, cert_file=str(tmp_path / "c.pem"), **env)
    error = plugin_error(source)
    assert str(error) == f"exec plugin {plugin.path}: {message}"
    assert TOKEN not in str(error)


def test_mismatched_certificate_and_key(plugin: Plugin, tmp_path: Path) -> None:
    ca = trustme.CA()
    ca.issue_cert("a").cert_chain_pems[0].write_to_path(str(tmp_path / "c.pem"))
    ca.issue_cert("b").private_key_pem.write_to_path(str(tmp_path / "k.pem"))
    source = source_for(
        plugin, mode="cert", cert_file=str(tmp_path / "c.pem"), key_file=str(tmp_path / "k.pem")
    )
    error = plugin_error(source)
    assert "failed parsing client key/certificate" in str(error)
    assert "PRIVATE KEY" not in str(error)


def test_a_failed_refresh_keeps_failing_until_the_plugin_recovers(plugin: Plugin) -> None:
    source = source_for(plugin, mode="exit")
    for _ in range(2):
        plugin_error(source)
    assert plugin.run_count == 2  # failures are not cached


# --- timestamps -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-01-01T12:00:00Z", T0),
        ("2030-01-01T12:00:00.5Z", T0 + timedelta(milliseconds=500)),
        ("2030-01-01T12:00:00.123456789Z", T0 + timedelta(microseconds=123456)),
        ("2030-01-01T14:00:00+02:00", T0),
        ("2030-01-01t12:00:00z", T0),
    ],
)
def test_parse_rfc3339(text: str, expected: datetime) -> None:
    assert parse_rfc3339(text) == expected


@pytest.mark.parametrize(
    "text", ["2030-01-01", "2030-01-01T12:00:00", "2030-13-01T00:00:00Z", "soon"]
)
def test_parse_rfc3339_rejects(text: str) -> None:
    assert parse_rfc3339(text) is None
