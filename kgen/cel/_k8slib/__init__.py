"""Kubernetes' CEL libraries (k8s.io/apiserver/pkg/cel/library), one module each: lists, regex, urls,
quantity, ip (and cidr), semver and formats, with the runtime costs of library/cost.go."""

from __future__ import annotations

from kgen.cel._k8slib import formats, ip, lists, quantity, regex, semver, urls
from kgen.cel._library import Library
from kgen.cel._types import Type, type_of

__all__ = ["KUBERNETES_TYPE_NAMES", "kubernetes_library"]

# Identifiers that denote the libraries' types (type(quantity('1')) == kubernetes.Quantity).
KUBERNETES_TYPE_NAMES: dict[str, Type] = {
    "kubernetes.Quantity": type_of(quantity.QUANTITY),
    "net.IP": type_of(ip.IP),
    "net.CIDR": type_of(ip.CIDR),
    "kubernetes.URL": type_of(urls.URL),
    "kubernetes.Semver": type_of(semver.SEMVER),
}


def kubernetes_library() -> Library:
    lib = Library()
    for module in (lists, regex, urls, quantity, ip, semver, formats):
        module.register(lib)
    return lib
