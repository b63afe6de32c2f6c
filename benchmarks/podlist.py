"""A deterministic PodList of realistic pods (about 6.8 KB each, as a Deployment's pods come back from the
API server: managedFields, env with valueFrom, probes with int and named ports, 5 conditions with
lastProbeTime null, owner references...)."""

from __future__ import annotations

import json
import random


def pod(i: int, rng: random.Random) -> dict:
    name = f"web-{rng.randrange(10**9):09x}-{i:05d}"
    uid = f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-a{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}"
    ts = f"2025-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}Z"
    labels = {
        "app": "web",
        "tier": "frontend",
        "pod-template-hash": "5d8f7c6b9",
        "version": f"v1.{i % 7}",
        "team": "payments",
        "app.kubernetes.io/managed-by": "helm",
    }

    def container(n: int) -> dict:
        return {
            "name": f"app-{n}",
            "image": f"registry.example.com/app:1.2.{i % 10}",
            "imagePullPolicy": "IfNotPresent",
            "command": ["/bin/server"],
            "args": ["--port=8080", f"--replica={i}", "--log-level=info"],
            "env": [
                {
                    "name": "POD_NAME",
                    "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
                },
                {
                    "name": "POD_IP",
                    "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}},
                },
                {
                    "name": "DB_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}},
                },
                {"name": "MODE", "value": "production"},
            ],
            "ports": [
                {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
            ],
            "resources": {
                "requests": {"cpu": "500m", "memory": "512Mi"},
                "limits": {"cpu": "2", "memory": "1Gi"},
            },
            "livenessProbe": {
                "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                "initialDelaySeconds": 10,
                "periodSeconds": 10,
                "timeoutSeconds": 1,
                "successThreshold": 1,
                "failureThreshold": 3,
            },
            "readinessProbe": {
                "httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"},
                "periodSeconds": 5,
                "timeoutSeconds": 1,
                "successThreshold": 1,
                "failureThreshold": 3,
            },
            "volumeMounts": [
                {"name": "config", "mountPath": "/etc/app"},
                {"name": "cache", "mountPath": "/cache"},
                {
                    "name": "kube-api-access-abcde",
                    "readOnly": True,
                    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                },
            ],
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 1000,
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
                "readOnlyRootFilesystem": True,
            },
        }

    return {
        "metadata": {
            "name": name,
            "generateName": name[:-5],
            "namespace": f"team-{i % 20}",
            "uid": uid,
            "resourceVersion": str(100000 + i),
            "creationTimestamp": ts,
            "labels": labels,
            "annotations": {
                "kubectl.kubernetes.io/restartedAt": ts,
                "prometheus.io/scrape": "true",
                "prometheus.io/port": "9090",
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web-5d8f7c6b9",
                    "uid": "7c6a7b66-1d4f-4a43-9d33-1f3c1b2a9e10",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": ts,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {
                            "f:generateName": {},
                            "f:labels": {
                                ".": {},
                                "f:app": {},
                                "f:pod-template-hash": {},
                                "f:tier": {},
                            },
                            "f:ownerReferences": {
                                ".": {},
                                'k:{"uid":"7c6a7b66-1d4f-4a43-9d33-1f3c1b2a9e10"}': {},
                            },
                        },
                        "f:spec": {
                            "f:containers": {
                                'k:{"name":"app-0"}': {".": {}, "f:image": {}, "f:name": {}},
                                'k:{"name":"app-1"}': {".": {}, "f:image": {}, "f:name": {}},
                            },
                            "f:dnsPolicy": {},
                            "f:restartPolicy": {},
                        },
                    },
                },
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": ts,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:status": {
                            "f:conditions": {'k:{"type":"Ready"}': {".": {}, "f:status": {}}},
                            "f:podIP": {},
                            "f:phase": {},
                        }
                    },
                    "subresource": "status",
                },
            ],
        },
        "spec": {
            "containers": [container(0), container(1)],
            "volumes": [
                {"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}},
                {"name": "cache", "emptyDir": {"sizeLimit": "1Gi"}},
                {
                    "name": "kube-api-access-abcde",
                    "projected": {
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {
                                "configMap": {
                                    "name": "kube-root-ca.crt",
                                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                }
                            },
                        ],
                        "defaultMode": 420,
                    },
                },
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "web",
            "serviceAccount": "web",
            "nodeName": f"node-{i % 50}",
            "securityContext": {"fsGroup": 2000},
            "schedulerName": "default-scheduler",
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
                {
                    "key": "node.kubernetes.io/unreachable",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
            ],
            "affinity": {
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "weight": 100,
                            "podAffinityTerm": {
                                "labelSelector": {"matchLabels": {"app": "web"}},
                                "topologyKey": "kubernetes.io/hostname",
                            },
                        }
                    ]
                }
            },
            "priority": 0,
            "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": ts}
                for t in (
                    "PodReadyToStartContainers",
                    "Initialized",
                    "Ready",
                    "ContainersReady",
                    "PodScheduled",
                )
            ],
            "hostIP": f"10.0.{i % 50}.10",
            "hostIPs": [{"ip": f"10.0.{i % 50}.10"}],
            "podIP": f"10.244.{i % 250}.{i % 200}",
            "podIPs": [{"ip": f"10.244.{i % 250}.{i % 200}"}],
            "startTime": ts,
            "containerStatuses": [
                {
                    "name": f"app-{n}",
                    "state": {"running": {"startedAt": ts}},
                    "lastState": {},
                    "ready": True,
                    "restartCount": 0,
                    "image": f"registry.example.com/app:1.2.{i % 10}",
                    "imageID": f"registry.example.com/app@sha256:{'ab' * 32}",
                    "containerID": f"containerd://{'cd' * 32}",
                    "started": True,
                }
                for n in (0, 1)
            ],
            "qosClass": "Burstable",
        },
    }


def podlist(count: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    return json.dumps(
        {
            "kind": "PodList",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": "123456"},
            "items": [pod(i, rng) for i in range(count)],
        },
        separators=(",", ":"),
    ).encode()
