"""Writes specs/kube-core-subset/openapi.json: a small, hand-written slice of the Kubernetes API.

kgen cannot ship the Kubernetes OpenAPI documents, yet its default package, its examples, its test API
server and its example controller need a few built-in kinds (Namespace, ConfigMap, Secret, Pod, Service,
ServiceAccount, Event, Lease, Deployment). This script describes them with the fields those uses need, in
the same shape a kube-apiserver serves (OpenAPI 3, paths with x-kubernetes-action and
x-kubernetes-group-version-kind, patch strategies), so that they go through the same ingest as real specs.
Generate a full client from your cluster (`kgen generate --from-cluster`) for real work.

Run: python scripts/core_subset_spec.py  (tests/generator/test_specs.py checks the file is up to date)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "specs" / "kube-core-subset" / "openapi.json"

META = "io.k8s.apimachinery.pkg.apis.meta.v1."


def ref(name: str, description: str | None = None) -> dict[str, Any]:
    # OpenAPI 3 from a kube-apiserver wraps references in a single-element allOf.
    schema: dict[str, Any] = {"allOf": [{"$ref": f"#/components/schemas/{name}"}]}
    if description:
        schema["description"] = description
    return schema


def s(description: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", **extra}
    if description:
        out["description"] = description
    return out


def i(description: str | None = None, fmt: str = "int32") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "integer", "format": fmt}
    if description:
        out["description"] = description
    return out


def b(description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "boolean"}
    if description:
        out["description"] = description
    return out


def array(items: dict[str, Any], description: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": items, **extra}
    if description:
        out["description"] = description
    return out


def map_of(values: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "additionalProperties": values}
    if description:
        out["description"] = description
    return out


def obj(
    description: str,
    properties: dict[str, Any],
    required: list[str] | None = None,
    gvk: tuple[str, str, str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "description": description, "properties": properties}
    if required:
        out["required"] = required
    if gvk:
        group, version, kind = gvk
        out["x-kubernetes-group-version-kind"] = [
            {"group": group, "version": version, "kind": kind}
        ]
    return out


def top(description: str, gvk: tuple[str, str, str], **properties: Any) -> dict[str, Any]:
    props = {
        "apiVersion": s(
            "APIVersion defines the versioned schema of this representation of an object."
        ),
        "kind": s("Kind is a string value representing the REST resource this object represents."),
        "metadata": ref(META + "ObjectMeta", "Standard object's metadata."),
        **properties,
    }
    return obj(description, props, gvk=gvk)


def list_of(item: str, gvk: tuple[str, str, str]) -> dict[str, Any]:
    return obj(
        f"{gvk[2]} is a list of {item.rsplit('.', 1)[-1]}.",
        {
            "apiVersion": s(),
            "kind": s(),
            "metadata": ref(META + "ListMeta"),
            "items": array(ref(item), "The items of the list."),
        },
        required=["items"],
        gvk=gvk,
    )


def merge_list(
    items: dict[str, Any], key: str, description: str, keys: list[str] | None = None
) -> dict[str, Any]:
    return array(
        items,
        description,
        **{
            "x-kubernetes-patch-strategy": "merge",
            "x-kubernetes-patch-merge-key": key,
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": keys or [key],
        },
    )


QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INTSTR = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
TIME = META + "Time"
MICRO = META + "MicroTime"
CORE = "io.k8s.api.core.v1."
APPS = "io.k8s.api.apps.v1."
COORD = "io.k8s.api.coordination.v1."
POLICY = "io.k8s.api.policy.v1."
AUTHN = "io.k8s.api.authentication.v1."
AUTOSCALING = "io.k8s.api.autoscaling.v1."


def schemas() -> dict[str, Any]:
    out: dict[str, Any] = {}
    # --- apimachinery (these map to kgen.runtime's shared types) ---
    out[QUANTITY] = {"type": "string", "description": "A fixed-point number: 500m, 1Gi, 2."}
    out[INTSTR] = {"type": "string", "format": "int-or-string"}
    out[TIME] = {"type": "string", "format": "date-time"}
    out[MICRO] = {"type": "string", "format": "date-time"}
    for name in ("ObjectMeta", "ListMeta", "LabelSelector", "Condition", "DeleteOptions", "Status"):
        out[META + name] = {"type": "object", "description": f"metav1.{name}"}
    out[AUTOSCALING + "Scale"] = top(
        "Scale represents a scaling request for a resource.", ("autoscaling", "v1", "Scale")
    )
    # --- core/v1 ---
    out[CORE + "NamespaceSpec"] = obj(
        "NamespaceSpec describes the attributes on a Namespace.",
        {
            "finalizers": array(
                s(),
                "Finalizers is an opaque list of values that must be empty to permanently remove object from storage.",
                **{"x-kubernetes-list-type": "atomic"},
            )
        },
    )
    out[CORE + "NamespaceStatus"] = obj(
        "NamespaceStatus is information about the current status of a Namespace.",
        {
            "phase": s(
                "Phase is the current lifecycle phase of the namespace.",
                enum=["Active", "Terminating"],
            )
        },
    )
    out[CORE + "Namespace"] = top(
        "Namespace provides a scope for Names.",
        ("", "v1", "Namespace"),
        spec=ref(CORE + "NamespaceSpec"),
        status=ref(CORE + "NamespaceStatus"),
    )
    out[CORE + "ConfigMap"] = top(
        "ConfigMap holds configuration data for pods to consume.",
        ("", "v1", "ConfigMap"),
        data=map_of(s(), "Data contains the configuration data."),
        binaryData=map_of(s(format="byte"), "BinaryData contains the binary data."),
        immutable=b(
            "Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated."
        ),
    )
    out[CORE + "Secret"] = top(
        "Secret holds secret data of a certain type.",
        ("", "v1", "Secret"),
        data=map_of(s(format="byte"), "Data contains the secret data, base64 on the wire."),
        stringData=map_of(
            s(), "stringData allows specifying non-binary secret data in string form."
        ),
        type=s("Used to facilitate programmatic handling of secret data."),
        immutable=b(),
    )
    out[CORE + "EnvVar"] = obj(
        "EnvVar represents an environment variable present in a Container.",
        {
            "name": s("Name of the environment variable."),
            "value": s("Variable references $(VAR_NAME) are expanded."),
        },
        required=["name"],
    )
    out[CORE + "ContainerPort"] = obj(
        "ContainerPort represents a network port in a single container.",
        {
            "name": s(),
            "containerPort": i("Number of port to expose on the pod's IP address."),
            "protocol": s("Protocol for port.", default="TCP", enum=["SCTP", "TCP", "UDP"]),
        },
        required=["containerPort"],
    )
    out[CORE + "ResourceRequirements"] = obj(
        "ResourceRequirements describes the compute resource requirements.",
        {
            "limits": map_of(
                ref(QUANTITY), "Limits describes the maximum amount of compute resources allowed."
            ),
            "requests": map_of(
                ref(QUANTITY),
                "Requests describes the minimum amount of compute resources required.",
            ),
        },
    )
    out[CORE + "HTTPGetAction"] = obj(
        "HTTPGetAction describes an action based on HTTP Get requests.",
        {
            "path": s(),
            "port": ref(INTSTR, "Name or number of the port to access on the container."),
        },
        required=["port"],
    )
    out[CORE + "Probe"] = obj(
        "Probe describes a health check to be performed against a container.",
        {"httpGet": ref(CORE + "HTTPGetAction"), "periodSeconds": i()},
    )
    container_props = {
        "name": s("Name of the container specified as a DNS_LABEL."),
        "image": s("Container image name."),
        "command": array(s(), "Entrypoint array.", **{"x-kubernetes-list-type": "atomic"}),
        "args": array(s(), "Arguments to the entrypoint.", **{"x-kubernetes-list-type": "atomic"}),
        "env": merge_list(
            ref(CORE + "EnvVar"), "name", "List of environment variables to set in the container."
        ),
        "ports": merge_list(
            ref(CORE + "ContainerPort"),
            "containerPort",
            "List of ports to expose from the container.",
            ["containerPort", "protocol"],
        ),
        "resources": ref(CORE + "ResourceRequirements"),
        "livenessProbe": ref(CORE + "Probe"),
        "readinessProbe": ref(CORE + "Probe"),
        "imagePullPolicy": s("Image pull policy.", enum=["Always", "IfNotPresent", "Never"]),
    }
    out[CORE + "Container"] = obj(
        "A single application container that you want to run within a pod.",
        container_props,
        required=["name"],
    )
    out[CORE + "EphemeralContainer"] = obj(
        "An EphemeralContainer is a temporary container added to an existing Pod.",
        {**container_props, "targetContainerName": s()},
        required=["name"],
    )
    out[CORE + "Volume"] = obj(
        "Volume represents a named volume in a pod.",
        {
            "name": s(),
            "configMap": obj("Adapts a ConfigMap into a volume.", {"name": s()}),
            "emptyDir": obj("A temporary directory.", {"medium": s()}),
        },
        required=["name"],
    )
    out[CORE + "Toleration"] = obj(
        "The pod this Toleration is attached to tolerates any taint that matches.",
        {
            "key": s(),
            "operator": s(enum=["Equal", "Exists"]),
            "value": s(),
            "effect": s(),
            "tolerationSeconds": i(fmt="int64"),
        },
    )
    out[CORE + "PodSpec"] = obj(
        "PodSpec is a description of a pod.",
        {
            "containers": merge_list(
                ref(CORE + "Container"), "name", "List of containers belonging to the pod."
            ),
            "initContainers": merge_list(
                ref(CORE + "Container"), "name", "List of initialization containers."
            ),
            "ephemeralContainers": merge_list(
                ref(CORE + "EphemeralContainer"), "name", "List of ephemeral containers."
            ),
            "volumes": array(
                ref(CORE + "Volume"),
                "List of volumes.",
                **{
                    "x-kubernetes-patch-strategy": "merge,retainKeys",
                    "x-kubernetes-patch-merge-key": "name",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                },
            ),
            "tolerations": array(
                ref(CORE + "Toleration"),
                "If specified, the pod's tolerations.",
                **{"x-kubernetes-list-type": "atomic"},
            ),
            "nodeName": s("NodeName indicates in which node this pod is scheduled."),
            "nodeSelector": map_of(
                s(),
                "A selector which must be true for the pod to fit on a node.",
            ),
            "restartPolicy": s(
                "Restart policy for all containers within the pod.",
                enum=["Always", "Never", "OnFailure"],
            ),
            "serviceAccountName": s(),
            "terminationGracePeriodSeconds": i(fmt="int64"),
        },
        required=["containers"],
    )
    out[CORE + "PodCondition"] = obj(
        "PodCondition contains details for the current condition of this pod.",
        {
            "type": s(),
            "status": s(),
            "lastProbeTime": {**ref(TIME, "Last time we probed the condition."), "nullable": True},
            "lastTransitionTime": ref(TIME),
            "reason": s(),
            "message": s(),
        },
        required=["type", "status"],
    )
    out[CORE + "PodIP"] = obj(
        "PodIP represents a single IP address allocated to the pod.", {"ip": s()}, required=["ip"]
    )
    out[CORE + "ContainerStatus"] = obj(
        "ContainerStatus contains details for the current status of this container.",
        {
            "name": s(),
            "ready": b(),
            "restartCount": i(),
            "image": s(),
            "imageID": s(),
            "containerID": s(),
            "started": b(),
        },
        required=["name", "ready", "restartCount", "image", "imageID"],
    )
    out[CORE + "PodStatus"] = obj(
        "PodStatus represents information about the status of a pod.",
        {
            "phase": s(
                "The phase of a Pod.", enum=["Failed", "Pending", "Running", "Succeeded", "Unknown"]
            ),
            "conditions": merge_list(
                ref(CORE + "PodCondition"), "type", "Current service state of pod."
            ),
            "hostIP": s(),
            "podIP": s(),
            "podIPs": merge_list(
                ref(CORE + "PodIP"), "ip", "podIPs holds the IP addresses allocated to the pod."
            ),
            "startTime": ref(TIME),
            "containerStatuses": array(
                ref(CORE + "ContainerStatus"), **{"x-kubernetes-list-type": "atomic"}
            ),
        },
    )
    out[CORE + "Pod"] = top(
        "Pod is a collection of containers that can run on a host.",
        ("", "v1", "Pod"),
        spec=ref(CORE + "PodSpec"),
        status=ref(CORE + "PodStatus"),
    )
    out[CORE + "PodTemplateSpec"] = obj(
        "PodTemplateSpec describes the data a pod should have when created from a template.",
        {"metadata": ref(META + "ObjectMeta"), "spec": ref(CORE + "PodSpec")},
    )
    out[CORE + "ObjectReference"] = obj(
        "ObjectReference contains enough information to let you inspect or modify the referred object.",
        {
            "apiVersion": s(),
            "kind": s(),
            "name": s(),
            "namespace": s(),
            "uid": s(),
            "resourceVersion": s(),
            "fieldPath": s(),
        },
    )
    out[CORE + "Binding"] = top(
        "Binding ties one object to another; for example, a pod is bound to a node by a scheduler.",
        ("", "v1", "Binding"),
        target=ref(
            CORE + "ObjectReference",
            "The target object that you want to bind to the standard object.",
        ),
    )
    out[CORE + "Binding"]["required"] = ["target"]
    out[CORE + "ServicePort"] = obj(
        "ServicePort contains information on service's port.",
        {
            "name": s(),
            "protocol": s(default="TCP", enum=["SCTP", "TCP", "UDP"]),
            "port": i(),
            "targetPort": ref(INTSTR),
        },
        required=["port"],
    )
    out[CORE + "ServiceSpec"] = obj(
        "ServiceSpec describes the attributes that a user creates on a service.",
        {
            "ports": merge_list(
                ref(CORE + "ServicePort"),
                "port",
                "The list of ports that are exposed by this service.",
                ["port", "protocol"],
            ),
            "selector": {
                **map_of(
                    s(),
                    "Route service traffic to pods with label keys and values matching this selector.",
                ),
                "x-kubernetes-map-type": "atomic",
            },
            "type": s(enum=["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]),
            "clusterIP": s(),
        },
    )
    out[CORE + "Service"] = top(
        "Service is a named abstraction of software service.",
        ("", "v1", "Service"),
        spec=ref(CORE + "ServiceSpec"),
        status=obj(
            "ServiceStatus represents the current status of a service.",
            {
                "conditions": array(
                    ref(META + "Condition"),
                    **{
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["type"],
                        "x-kubernetes-patch-strategy": "merge",
                        "x-kubernetes-patch-merge-key": "type",
                    },
                )
            },
        ),
    )
    out[CORE + "ServiceAccount"] = top(
        "ServiceAccount binds together a name, a principal and a set of secrets.",
        ("", "v1", "ServiceAccount"),
        automountServiceAccountToken=b(),
    )
    out[CORE + "Event"] = top(
        "Event is a report of an event somewhere in the cluster.",
        ("", "v1", "Event"),
        involvedObject=ref(CORE + "ObjectReference", "The object that this event is about."),
        reason=s(),
        message=s(),
        type=s(),
        count=i(),
        firstTimestamp=ref(TIME),
        lastTimestamp=ref(TIME),
        eventTime=ref(MICRO),
        reportingComponent=s(),
        reportingInstance=s(),
        action=s(),
    )
    out[CORE + "Event"]["required"] = ["metadata", "involvedObject"]
    for kind in ("Namespace", "ConfigMap", "Secret", "Pod", "Service", "ServiceAccount", "Event"):
        out[CORE + kind + "List"] = list_of(CORE + kind, ("", "v1", kind + "List"))
    # --- policy/v1, authentication.k8s.io/v1 (subresource payloads) ---
    out[POLICY + "Eviction"] = top(
        "Eviction evicts a pod from its node subject to certain policies and safety constraints.",
        ("policy", "v1", "Eviction"),
        deleteOptions=ref(META + "DeleteOptions"),
    )
    out[AUTHN + "TokenRequestSpec"] = obj(
        "TokenRequestSpec contains client provided parameters of a token request.",
        {
            "audiences": array(s(), **{"x-kubernetes-list-type": "atomic"}),
            "expirationSeconds": i(fmt="int64"),
        },
        required=["audiences"],
    )
    out[AUTHN + "TokenRequestStatus"] = obj(
        "TokenRequestStatus is the result of a token request.",
        {"token": s(), "expirationTimestamp": ref(TIME)},
        required=["token", "expirationTimestamp"],
    )
    out[AUTHN + "TokenRequest"] = top(
        "TokenRequest requests a token for a given service account.",
        ("authentication.k8s.io", "v1", "TokenRequest"),
        spec=ref(AUTHN + "TokenRequestSpec"),
        status=ref(AUTHN + "TokenRequestStatus"),
    )
    out[AUTHN + "TokenRequest"]["required"] = ["spec"]
    # --- coordination.k8s.io/v1 ---
    out[COORD + "LeaseSpec"] = obj(
        "LeaseSpec is a specification of a Lease.",
        {
            "holderIdentity": s(
                "holderIdentity contains the identity of the holder of a current lease."
            ),
            "leaseDurationSeconds": i(
                "leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it."
            ),
            "acquireTime": ref(MICRO, "acquireTime is a time when the current lease was acquired."),
            "renewTime": ref(
                MICRO,
                "renewTime is a time when the current holder of a lease has last updated the lease.",
            ),
            "leaseTransitions": i(
                "leaseTransitions is the number of transitions of a lease between holders."
            ),
            "strategy": s(),
            "preferredHolder": s(),
        },
    )
    out[COORD + "Lease"] = top(
        "Lease defines a lease concept.",
        ("coordination.k8s.io", "v1", "Lease"),
        spec=ref(COORD + "LeaseSpec"),
    )
    out[COORD + "LeaseList"] = list_of(COORD + "Lease", ("coordination.k8s.io", "v1", "LeaseList"))
    # --- apps/v1 ---
    out[APPS + "DeploymentSpec"] = obj(
        "DeploymentSpec is the specification of the desired behavior of the Deployment.",
        {
            "replicas": i("Number of desired pods."),
            "selector": ref(META + "LabelSelector", "Label selector for pods."),
            "template": ref(
                CORE + "PodTemplateSpec", "Template describes the pods that will be created."
            ),
            "paused": b(),
            "minReadySeconds": i(),
        },
        required=["selector", "template"],
    )
    out[APPS + "DeploymentCondition"] = obj(
        "DeploymentCondition describes the state of a deployment at a certain point.",
        {
            "type": s(),
            "status": s(),
            "lastUpdateTime": ref(TIME),
            "lastTransitionTime": ref(TIME),
            "reason": s(),
            "message": s(),
        },
        required=["type", "status"],
    )
    out[APPS + "DeploymentStatus"] = obj(
        "DeploymentStatus is the most recently observed status of the Deployment.",
        {
            "observedGeneration": i(fmt="int64"),
            "replicas": i(),
            "updatedReplicas": i(),
            "readyReplicas": i(),
            "availableReplicas": i(),
            "conditions": merge_list(
                ref(APPS + "DeploymentCondition"),
                "type",
                "Represents the latest available observations of a deployment's current state.",
            ),
        },
    )
    out[APPS + "Deployment"] = top(
        "Deployment enables declarative updates for Pods and ReplicaSets.",
        ("apps", "v1", "Deployment"),
        spec=ref(APPS + "DeploymentSpec"),
        status=ref(APPS + "DeploymentStatus"),
    )
    out[APPS + "DeploymentList"] = list_of(APPS + "Deployment", ("apps", "v1", "DeploymentList"))
    return out


PATCH_TYPES = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
]


def op(
    action: str,
    gvk: tuple[str, str, str],
    response: str | None,
    body: str | None = None,
    *,
    text: bool = False,
    patch: bool = False,
) -> dict[str, Any]:
    group, version, kind = gvk
    operation: dict[str, Any] = {
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": kind},
        "responses": {"401": {"description": "Unauthorized"}},
    }
    if response is not None:
        operation["responses"]["200"] = {
            "description": "OK",
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{response}"}}
            },
        }
    if text:
        operation["responses"]["200"] = {
            "description": "OK",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    if body is not None:
        types = PATCH_TYPES if patch else ["application/json"]
        schema = {"type": "object"} if patch else {"$ref": f"#/components/schemas/{body}"}
        operation["requestBody"] = {
            "content": {t: {"schema": schema} for t in types},
            "required": True,
        }
    if action == "list":
        operation["parameters"] = [{"name": "watch", "in": "query", "schema": {"type": "boolean"}}]
    return operation


def resource_paths(
    prefix: str,
    plural: str,
    type_id: str,
    gvk: tuple[str, str, str],
    namespaced: bool,
    *,
    deletecollection: bool = True,
    subresources: dict[str, Any] | None = None,
) -> dict[str, Any]:
    base = f"{prefix}/namespaces/{{namespace}}/{plural}" if namespaced else f"{prefix}/{plural}"
    list_gvk = gvk
    paths: dict[str, Any] = {}
    collection: dict[str, Any] = {
        "get": op("list", list_gvk, type_id + "List"),
        "post": op("post", gvk, type_id, type_id),
    }
    if deletecollection:
        collection["delete"] = op("deletecollection", gvk, META + "Status")
    paths[base] = collection
    paths[f"{base}/{{name}}"] = {
        "get": op("get", gvk, type_id),
        "put": op("put", gvk, type_id, type_id),
        "patch": op("patch", gvk, type_id, type_id, patch=True),
        "delete": op("delete", gvk, type_id),
    }
    if namespaced:
        paths[f"{prefix}/{plural}"] = {"get": op("list", list_gvk, type_id + "List")}
    for name, spec in (subresources or {}).items():
        paths[f"{base}/{{name}}/{name}"] = spec
    return paths


def status_ops(type_id: str, gvk: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "get": op("get", gvk, type_id),
        "put": op("put", gvk, type_id, type_id),
        "patch": op("patch", gvk, type_id, type_id, patch=True),
    }


def connect_ops(kind: str, methods: tuple[str, ...] = ("get", "post")) -> dict[str, Any]:
    """A connect subresource (exec, attach, portforward, proxy), as kube-apiserver describes it."""
    return {method: op("connect", ("", "v1", kind), None, text=True) for method in methods}


PROXY_METHODS = ("get", "post", "put", "patch", "delete")


def paths() -> dict[str, Any]:
    out: dict[str, Any] = {}
    core = lambda kind: ("", "v1", kind)  # noqa: E731
    out.update(
        resource_paths(
            "/api/v1",
            "namespaces",
            CORE + "Namespace",
            core("Namespace"),
            False,
            deletecollection=False,
            subresources={
                "status": status_ops(CORE + "Namespace", core("Namespace")),
                "finalize": {
                    "put": op("put", core("Namespace"), CORE + "Namespace", CORE + "Namespace")
                },
            },
        )
    )
    for plural, kind in (("configmaps", "ConfigMap"), ("secrets", "Secret"), ("events", "Event")):
        out.update(resource_paths("/api/v1", plural, CORE + kind, core(kind), True))
    out.update(
        resource_paths(
            "/api/v1",
            "serviceaccounts",
            CORE + "ServiceAccount",
            core("ServiceAccount"),
            True,
            subresources={
                "token": {
                    "post": op(
                        "post",
                        ("authentication.k8s.io", "v1", "TokenRequest"),
                        AUTHN + "TokenRequest",
                        AUTHN + "TokenRequest",
                    )
                },
            },
        )
    )
    out.update(
        resource_paths(
            "/api/v1",
            "services",
            CORE + "Service",
            core("Service"),
            True,
            deletecollection=False,
            subresources={
                "status": status_ops(CORE + "Service", core("Service")),
                "proxy": connect_ops("ServiceProxyOptions", PROXY_METHODS),
            },
        )
    )
    pod = core("Pod")
    out.update(
        resource_paths(
            "/api/v1",
            "pods",
            CORE + "Pod",
            pod,
            True,
            subresources={
                "status": status_ops(CORE + "Pod", pod),
                "ephemeralcontainers": status_ops(CORE + "Pod", pod),
                "log": {"get": op("get", pod, None, text=True)},
                "eviction": {
                    "post": op(
                        "post",
                        ("policy", "v1", "Eviction"),
                        POLICY + "Eviction",
                        POLICY + "Eviction",
                    )
                },
                "binding": {
                    "post": op("post", core("Binding"), CORE + "Binding", CORE + "Binding")
                },
                "exec": connect_ops("PodExecOptions"),
                "attach": connect_ops("PodAttachOptions"),
                "portforward": connect_ops("PodPortForwardOptions"),
                "proxy": connect_ops("PodProxyOptions", PROXY_METHODS),
            },
        )
    )
    lease = ("coordination.k8s.io", "v1", "Lease")
    out.update(
        resource_paths("/apis/coordination.k8s.io/v1", "leases", COORD + "Lease", lease, True)
    )
    deployment = ("apps", "v1", "Deployment")
    scale = ("autoscaling", "v1", "Scale")
    out.update(
        resource_paths(
            "/apis/apps/v1",
            "deployments",
            APPS + "Deployment",
            deployment,
            True,
            subresources={
                "status": status_ops(APPS + "Deployment", deployment),
                "scale": {
                    "get": op("get", scale, AUTOSCALING + "Scale"),
                    "put": op("put", scale, AUTOSCALING + "Scale", AUTOSCALING + "Scale"),
                    "patch": op(
                        "patch", scale, AUTOSCALING + "Scale", AUTOSCALING + "Scale", patch=True
                    ),
                },
            },
        )
    )
    return out


def with_path_parameters(all_paths: dict[str, Any]) -> dict[str, Any]:
    for path, item in all_paths.items():
        names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        if names:
            item["parameters"] = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in names
            ]
    return all_paths


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "info": {"title": "kgen: a hand-written slice of the Kubernetes API", "version": "v1"},
        "paths": with_path_parameters(paths()),
        "components": {"schemas": schemas()},
    }


def render() -> str:
    return json.dumps(document(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
