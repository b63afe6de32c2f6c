"""A client.authentication.k8s.io exec plugin for tests, driven by environment variables.

``install_plugin`` (helpers/plugins.py) copies this file next to a ``#!`` line naming the test's
Python and makes it executable, so the runtime runs it like any real plugin. Every run appends one
JSON line to $PLUGIN_LOG: ``{"exec_info": <KUBERNETES_EXEC_INFO>, "argv": [...], "stdin_is_devnull":
bool}``.

PLUGIN_MODE      token (default) | cert | both | exit | garbage | no-status | empty-status |
half-pair |
                 wrong-kind | bad-expiry | secret-kind (the token as kind and expiry) |
                 hang (never answers; a child it started holds stdout open too, its pid
                 written to $PLUGIN_CHILD_PID)
PLUGIN_TOKEN     the token (default "token-<run number>")
PLUGIN_EXPIRY    status.expirationTimestamp (RFC 3339), omitted if unset
PLUGIN_CERT_FILE / PLUGIN_KEY_FILE   PEM files returned as clientCertificateData / clientKeyData
PLUGIN_ANSWER_VERSION  the apiVersion to answer with (default: the one in KUBERNETES_EXEC_INFO)
PLUGIN_STDERR    written to stderr
PLUGIN_EXIT      exit code for mode "exit" (default 3)
PLUGIN_GATE      wait until this file exists before answering (at most 60 s)
"""

import json
import os
import sys
import time


def main() -> int:
    info_text = os.environ.get("KUBERNETES_EXEC_INFO")
    info = json.loads(info_text) if info_text else None
    log = os.environ["PLUGIN_LOG"]
    try:
        stdin_is_devnull = os.path.samefile("/proc/self/fd/0", os.devnull)
    except OSError:
        stdin_is_devnull = False
    with open(log, "a", encoding="utf-8") as f:
        f.write(
            json.dumps(
                {"exec_info": info, "argv": sys.argv[1:], "stdin_is_devnull": stdin_is_devnull}
            )
            + "\n"
        )
    with open(log, encoding="utf-8") as f:
        run = sum(1 for _ in f)

    gate = os.environ.get("PLUGIN_GATE")
    if gate:
        deadline = time.monotonic() + 60
        while not os.path.exists(gate) and time.monotonic() < deadline:
            time.sleep(0.005)

    if os.environ.get("PLUGIN_STDERR"):
        sys.stderr.write(os.environ["PLUGIN_STDERR"])

    mode = os.environ.get("PLUGIN_MODE", "token")
    token = os.environ.get("PLUGIN_TOKEN", f"token-{run}")
    api_version = os.environ.get("PLUGIN_ANSWER_VERSION") or (info or {}).get(
        "apiVersion", "client.authentication.k8s.io/v1"
    )
    if mode == "exit":
        print(json.dumps({"status": {"token": token}}))  # must not end up in the error
        return int(os.environ.get("PLUGIN_EXIT", "3"))
    if mode == "hang":
        import subprocess

        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        with open(os.environ["PLUGIN_CHILD_PID"], "w", encoding="ascii") as f:
            f.write(str(child.pid))
        time.sleep(3600)
        return 0
    if mode == "garbage":
        print(f"Welcome! your token is {token} <- not JSON")
        return 0

    status: dict = {}
    if mode in ("token", "both"):
        status["token"] = token
    if mode in ("cert", "both", "half-pair"):
        with open(os.environ["PLUGIN_CERT_FILE"], encoding="ascii") as f:
            status["clientCertificateData"] = f.read()
    if mode in ("cert", "both"):
        with open(os.environ["PLUGIN_KEY_FILE"], encoding="ascii") as f:
            status["clientKeyData"] = f.read()
    if os.environ.get("PLUGIN_EXPIRY"):
        status["expirationTimestamp"] = os.environ["PLUGIN_EXPIRY"]
    if mode == "bad-expiry":
        status = {"token": token, "expirationTimestamp": "tomorrow at noon"}
    document: dict = {"apiVersion": api_version, "kind": "ExecCredential", "status": status}
    if mode == "no-status":
        del document["status"]
    if mode == "empty-status":
        document["status"] = {}
    if mode == "wrong-kind":
        document["kind"] = "Secret"
    if mode == "secret-kind":
        document["kind"] = token
        status["expirationTimestamp"] = token
    print(json.dumps(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
