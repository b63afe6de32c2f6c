"""In-cluster configuration, token rotation with an injectable clock, and load_config's choice."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import trustme
import yaml

from kgen.runtime._config import ConfigError, load_config, load_incluster_config
from kgen.runtime._credentials import CredentialError, TokenFile

ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}


class MonotonicClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sa_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "serviceaccount"
    directory.mkdir()
    (directory / "token").write_text("token-1\n")
    (directory / "ca.crt").write_bytes(trustme.CA().cert_pem.bytes())
    (directory / "namespace").write_text("team-a")
    return directory


@pytest.fixture
def clock() -> MonotonicClock:
    return MonotonicClock()


def test_incluster_config(sa_dir: Path) -> None:
    config = load_incluster_config(directory=sa_dir, environ=ENV)
    assert config.server == "https://10.96.0.1:443"
    assert config.ca_data == (sa_dir / "ca.crt").read_bytes()
    assert config.namespace == "team-a"
    assert config.credentials is not None
    assert config.credentials.get().token == "token-1"
    assert config.source == f"in-cluster configuration ({sa_dir})"


def test_ipv6_host_is_bracketed(sa_dir: Path) -> None:
    env = {"KUBERNETES_SERVICE_HOST": "fd00:10:96::1", "KUBERNETES_SERVICE_PORT": "6443"}
    assert (
        load_incluster_config(directory=sa_dir, environ=env).server
        == "https://[fd00:10:96::1]:6443"
    )


def test_namespace_from_pod_namespace_then_file_then_default(sa_dir: Path) -> None:
    env = {**ENV, "POD_NAMESPACE": "from-env"}
    assert load_incluster_config(directory=sa_dir, environ=env).namespace == "from-env"
    (sa_dir / "namespace").unlink()
    assert load_incluster_config(directory=sa_dir, environ=ENV).namespace == "default"


def test_missing_ca_is_logged_not_fatal(sa_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    (sa_dir / "ca.crt").unlink()
    with caplog.at_level(logging.ERROR, logger="kgen.runtime._config"):
        config = load_incluster_config(directory=sa_dir, environ=ENV)
    assert config.ca_data is None
    assert "ca.crt" in caplog.text


def test_unusable_ca_is_logged_not_fatal(sa_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    (sa_dir / "ca.crt").write_text("garbage")
    with caplog.at_level(logging.ERROR, logger="kgen.runtime._config"):
        assert load_incluster_config(directory=sa_dir, environ=ENV).ca_data is None
    assert "ca.crt" in caplog.text


@pytest.mark.parametrize("missing", ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"])
def test_service_env_is_required(sa_dir: Path, missing: str) -> None:
    env = {k: v for k, v in ENV.items() if k != missing}
    with pytest.raises(ConfigError) as info:
        load_incluster_config(directory=sa_dir, environ=env)
    assert str(info.value).startswith("in-cluster configuration: KUBERNETES_SERVICE_HOST and")


def test_token_is_required(sa_dir: Path) -> None:
    (sa_dir / "token").unlink()
    with pytest.raises(ConfigError) as info:
        load_incluster_config(directory=sa_dir, environ=ENV)
    assert str(info.value) == (
        f"in-cluster configuration: cannot read token file {sa_dir / 'token'}: "
        "No such file or directory"
    )


# --- rotation -------------------------------------------------------------------------------------


def test_token_is_reread_after_a_minute(sa_dir: Path, clock: MonotonicClock) -> None:
    config = load_incluster_config(directory=sa_dir, environ=ENV, clock=clock)
    source = config.credentials
    assert source is not None
    assert source.get().token == "token-1"
    (sa_dir / "token").write_text("token-2")
    clock.advance(49)
    assert source.get().token == "token-1"  # still cached
    clock.advance(2)  # 51 s: client-go re-reads 10 s before the minute is up
    assert source.get().token == "token-2"


def test_force_refresh_rereads_at_once(sa_dir: Path, clock: MonotonicClock) -> None:
    source = load_incluster_config(directory=sa_dir, environ=ENV, clock=clock).credentials
    assert source is not None
    assert source.get().token == "token-1"
    (sa_dir / "token").write_text("token-2")
    assert source.get().token == "token-1"
    assert source.get(force_refresh=True).token == "token-2"


async def test_aget_rotation(sa_dir: Path, clock: MonotonicClock) -> None:
    source = load_incluster_config(directory=sa_dir, environ=ENV, clock=clock).credentials
    assert source is not None
    assert (await source.async_get()).token == "token-1"
    (sa_dir / "token").write_text("token-2")
    assert (await source.async_get()).token == "token-1"
    assert (await source.async_get(force_refresh=True)).token == "token-2"
    (sa_dir / "token").write_text("token-3")
    clock.advance(60)
    assert (await source.async_get()).token == "token-3"


def test_failed_periodic_reread_keeps_the_old_token(sa_dir: Path, clock: MonotonicClock) -> None:
    source = TokenFile(sa_dir / "token", clock=clock)
    assert source.get().token == "token-1"
    (sa_dir / "token").unlink()
    clock.advance(120)
    assert source.get().token == "token-1"
    with pytest.raises(CredentialError):
        source.get(force_refresh=True)  # after a 401 the stale token is useless: say why
    (sa_dir / "token").write_text("   \n")
    with pytest.raises(CredentialError, match="is empty"):
        source.get(force_refresh=True)


def test_token_file_repr_has_no_token(sa_dir: Path) -> None:
    source = TokenFile(sa_dir / "token")
    assert "token-1" not in repr(source.get()) + repr(source)


# --- load_config: kubeconfig if there is one, else in-cluster -------------------------------------


@pytest.fixture
def pod_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A process that looks like it runs in a pod, with an empty HOME and no KUBECONFIG."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("POD_NAMESPACE", raising=False)
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)


def write_kubeconfig(path: Path, server: str = "https://from-kubeconfig:6443") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "current-context": "dev",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "contexts": [{"name": "dev", "context": {"cluster": "c", "namespace": "kc"}}],
    }
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.usefixtures("pod_env")
def test_load_config_uses_incluster_without_kubeconfig(sa_dir: Path) -> None:
    config = load_config(service_account_dir=sa_dir)
    assert config.server == "https://10.96.0.1:443"
    assert load_config(service_account_dir=sa_dir, namespace="other").namespace == "other"


@pytest.mark.usefixtures("pod_env")
def test_load_config_with_a_context_needs_a_kubeconfig(sa_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(service_account_dir=sa_dir, context="prod")
    assert str(info.value) == (
        f"{tmp_path / 'home' / '.kube' / 'config'}: no kubeconfig file was found"
    )


@pytest.mark.usefixtures("pod_env")
def test_load_config_prefers_home_kubeconfig(sa_dir: Path, tmp_path: Path) -> None:
    write_kubeconfig(tmp_path / "home" / ".kube" / "config")
    config = load_config(service_account_dir=sa_dir)
    assert (config.server, config.namespace) == ("https://from-kubeconfig:6443", "kc")


@pytest.mark.usefixtures("pod_env")
def test_load_config_prefers_kubeconfig_env(
    sa_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "elsewhere")))
    assert load_config(service_account_dir=sa_dir).server == "https://from-kubeconfig:6443"


@pytest.mark.usefixtures("pod_env")
def test_load_config_kubeconfig_env_naming_missing_files_falls_back(
    sa_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    assert load_config(service_account_dir=sa_dir).server == "https://10.96.0.1:443"


@pytest.mark.usefixtures("pod_env")
def test_load_config_does_not_hide_a_broken_kubeconfig(sa_dir: Path, tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "home" / ".kube" / "config", server="ftp://nope")
    with pytest.raises(ConfigError) as info:
        load_config(service_account_dir=sa_dir)
    assert info.value.file == str(path)


@pytest.mark.usefixtures("pod_env")
def test_load_config_with_nothing_to_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(service_account_dir=tmp_path / "no-serviceaccount")  # no token file: not a pod
    assert "no configuration found" in str(info.value)
    assert str(tmp_path / "home" / ".kube" / "config") in str(info.value)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST")
    with pytest.raises(ConfigError):
        load_config(service_account_dir=tmp_path / "no-serviceaccount")
