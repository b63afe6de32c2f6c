#!/usr/bin/env python3
"""Smoke-test a control plane started by start.sh (standard library only).

Usage: python3 scripts/realcluster/smoke_test.py DIR

Reads DIR/kubeconfig (server URL and CA data) and its token, and verifies
TLS strictly (VERIFY_X509_STRICT, as Python 3.13 does by default). Checks:
/version is v1.20.2; /api and /apis; creating a namespace and a ConfigMap;
client-certificate auth (DIR/admin.crt); the controller-manager's
service-account token secret; garbage collection of a dependent ConfigMap
after its owner is deleted with propagationPolicy=Background; namespace
deletion. Prints "N passed, N failed" and exits 1 if anything failed.
"""

import base64
import json
import os
import re
import ssl
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

TIMEOUT = 90  # seconds to wait for controllers (GC, namespace deletion)


def load(dirpath):
    with open(os.path.join(dirpath, "kubeconfig")) as f:
        text = f.read()
    server = re.search(r"^\s*server:\s*(\S+)", text, re.M).group(1)
    ca_data = re.search(r"^\s*certificate-authority-data:\s*(\S+)", text, re.M).group(1)
    token = re.search(r"^\s*token:\s*(\S+)", text, re.M).group(1)
    ca_file = tempfile.NamedTemporaryFile("wb", suffix=".crt", delete=False)
    ca_file.write(base64.b64decode(ca_data))
    ca_file.close()
    return server, ca_file.name, token


class Client:
    def __init__(self, server, ca_file, token=None, cert=None):
        self.server = server
        self.token = token
        self.ctx = ssl.create_default_context(cafile=ca_file)
        self.ctx.verify_flags |= ssl.VERIFY_X509_STRICT
        if cert:
            self.ctx.load_cert_chain(*cert)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw.decode(errors="replace")


def wait_gone(client, path):
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        status, _ = client.call("GET", path)
        if status == 404:
            return True
        time.sleep(0.5)
    return False


def main():
    dirpath = sys.argv[1]
    server, ca_file, token = load(dirpath)
    c = Client(server, ca_file, token=token)
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(
            ("PASS " if ok else "FAIL ") + name + (": " + str(detail) if detail and not ok else "")
        )

    st, v = c.call("GET", "/version")
    check("GET /version is v1.20.2", st == 200 and v.get("gitVersion") == "v1.20.2", v)
    print("     version:", v.get("gitVersion"), v.get("gitCommit"), v.get("goVersion"))
    st, api = c.call("GET", "/api")
    check("GET /api", st == 200 and "v1" in api.get("versions", []), api)
    st, apis = c.call("GET", "/apis")
    names = {g["name"] for g in apis.get("groups", [])} if st == 200 else set()
    check("GET /apis", st == 200 and {"apps", "rbac.authorization.k8s.io"} <= names, apis)

    cc = Client(
        server,
        ca_file,
        cert=(os.path.join(dirpath, "admin.crt"), os.path.join(dirpath, "admin.key")),
    )
    st, body = cc.call("GET", "/api/v1/namespaces")
    check("client-certificate auth", st == 200, body)

    ns = "kgen-smoke-" + uuid.uuid4().hex[:8]
    st, body = c.call(
        "POST",
        "/api/v1/namespaces",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
    )
    check("create namespace", st == 201, body)
    cm_path = f"/api/v1/namespaces/{ns}/configmaps"
    st, body = c.call(
        "POST",
        cm_path,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "plain"},
            "data": {"k": "v"},
        },
    )
    check("create configmap", st == 201, body)
    st, body = c.call("GET", cm_path + "/plain")
    check("get configmap", st == 200 and body.get("data") == {"k": "v"}, body)

    # serviceaccount + tokens controllers (controller-manager)
    deadline = time.time() + TIMEOUT
    secrets = []
    while time.time() < deadline:
        st, sa = c.call("GET", f"/api/v1/namespaces/{ns}/serviceaccounts/default")
        secrets = sa.get("secrets") or [] if st == 200 else []
        if secrets:
            break
        time.sleep(0.5)
    check("default serviceaccount with token secret", bool(secrets), secrets)

    # garbage collection: dependent goes after its owner (Background)
    st, owner = c.call(
        "POST", cm_path, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}}
    )
    check("create owner configmap", st == 201, owner)
    dep = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "dependent",
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "name": "owner",
                    "uid": owner["metadata"]["uid"],
                }
            ],
        },
    }
    st, body = c.call("POST", cm_path, dep)
    check("create dependent configmap", st == 201, body)
    t0 = time.time()
    st, body = c.call(
        "DELETE",
        cm_path + "/owner",
        {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"},
    )
    check("delete owner (Background)", st == 200, body)
    check("garbage collector deletes dependent", wait_gone(c, cm_path + "/dependent"))
    print(f"     dependent gone after {time.time() - t0:.1f}s")

    # namespace deletion (namespace controller)
    t0 = time.time()
    st, body = c.call("DELETE", f"/api/v1/namespaces/{ns}")
    check("delete namespace", st == 200, body)
    check("namespace eventually removed", wait_gone(c, f"/api/v1/namespaces/{ns}"))
    print(f"     namespace gone after {time.time() - t0:.1f}s")

    os.unlink(ca_file)
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
