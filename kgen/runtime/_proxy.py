"""Which proxy reaches the API server, decided as client-go decides it.

A kubeconfig cluster's ``proxy-url`` wins. Without one, client-go uses Go's
``http.ProxyFromEnvironment``: ``HTTPS_PROXY`` for an https server and ``HTTP_PROXY`` for an http
one (upper case first, then lower case), none for a host that ``NO_PROXY`` matches, and never one
for ``localhost`` or a loopback address.

httpx's own environment handling (``trust_env``) is not used: it would also take credentials from
``~/.netrc`` and CA bundles from ``SSL_CERT_FILE``, which client-go does not do.
"""

from __future__ import annotations

import ipaddress
import os
import re
import urllib.parse
from collections.abc import Mapping

__all__ = ["mask_url", "proxy_from_environment"]

_USERINFO = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/@:]*):[^/@]*@")


def mask_url(url: str) -> str:
    """``url`` with the password of its user info hidden, for reprs, logs and error messages."""
    return _USERINFO.sub(r"\g<head>:***@", url)


def proxy_from_environment(server: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL for ``server`` from the environment, or None for a direct connection."""
    env = os.environ if environ is None else environ
    parts = urllib.parse.urlsplit(server)
    host = (parts.hostname or "").lower()
    if not host or _is_loopback(host):
        return None
    names = (
        ("HTTPS_PROXY", "https_proxy") if parts.scheme == "https" else ("HTTP_PROXY", "http_proxy")
    )
    proxy = next((env[name] for name in names if env.get(name)), None)
    if proxy is None:
        return None
    no_proxy = env.get("NO_PROXY") or env.get("no_proxy") or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if _bypassed(host, port, no_proxy):
        return None
    if "://" not in proxy:
        proxy = f"http://{proxy}"  # Go reads "proxy:3128" as an http proxy
    return proxy


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bypassed(host: str, port: int, no_proxy: str) -> bool:
    """Go's NO_PROXY rules: ``*``; IP addresses and CIDR ranges; ``example.com`` matching itself and
    its subdomains, ``.example.com`` (or ``*.example.com``) only the subdomains; an optional port.
    """
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        if "/" in entry:
            try:
                if address is not None and address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
            continue
        entry_host, entry_port = _split_host_port(entry)
        if entry_port is not None and entry_port != port:
            continue
        try:
            entry_address = ipaddress.ip_address(entry_host)
        except ValueError:
            entry_address = None
        if entry_address is not None:
            if address == entry_address:
                return True
            continue
        if entry_host.startswith("*."):
            entry_host = entry_host[1:]
        if entry_host.startswith("."):
            if host.endswith(entry_host):
                return True
        elif host == entry_host or host.endswith("." + entry_host):
            return True
    return False


def _split_host_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):  # [::1]:8080
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return host, int(port) if port.isdigit() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, int(port) if port.isdigit() else None
    return entry, None
