"""kgen.runtime: what generated packages stand on, and what programs that use them import.

Everything public is importable from here, and only from here: the modules behind it are private and may
move. Start with a generated package's ``Clientset`` (or ``AsyncClientset``); the pieces below it stand
alone and can be used without generated code:

- configuration: :func:`load_config` (kubeconfig as kubectl reads it, or in-cluster), :class:`Config`;
- clients: the typed verbs (:class:`AllVerbs` and the other mixins a generated client is made of), the
  :class:`DynamicClient` over :class:`Unstructured` objects, discovery and the :class:`RESTMapper`, and the
  :class:`RESTClient` that all of them are built on;
- options and selectors: :class:`ListOptions`, :class:`WriteOptions`, :class:`DeleteOptions`,
  :class:`LogOptions` (every verb takes its options value, or the same options as keywords),
  :class:`PatchType`, :class:`Labels`, :class:`Fields`;
- errors: one tree under :class:`KubernetesError`;
- controllers: shared informers and listers (:class:`SharedInformerFactory`), work queues
  (:class:`RateLimitingQueue`), :func:`retry_on_conflict`, leader election (:class:`LeaderElector`).
- manifests: :func:`load_manifests` (YAML and JSON into typed objects), :func:`check_manifests`, the
  :class:`Applier` (server-side apply of a set in dependency order, dry-run diffs, prune, delete),
  :func:`wait_for` (a condition, over a watch) and :func:`dump_yaml`.

Every class that does I/O has an async twin named ``Async<Name>`` (coroutine functions: ``async_<name>``);
see ARCHITECTURE.md. Names are imported on first use, so ``from kgen.runtime import ObjectMeta`` does not
load the HTTP stack.

This module is one piece by nature: it is the front door's three lists of the same names (the type
checker's imports, ``__all__`` and the lazy ``_EXPORTS`` table, which a test keeps in agreement) and the
``__getattr__`` that reads the table, with no behaviour of its own to split along. (It first imports
``_httpx_import``, which keeps httpx's command-line client from loading with httpx.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kgen.runtime import _httpx_import  # noqa: F401 - before any of kgen's modules imports httpx
from kgen.runtime._lazy import lazy_getattr as _lazy_getattr

if TYPE_CHECKING:
    from kgen.runtime._lazy import lazy_getattr as lazy_getattr
    from kgen.runtime._async.clientset import AsyncClientsetBase as AsyncClientsetBase
    from kgen.runtime._async.clientset import AsyncGroupVersionClient as AsyncGroupVersionClient
    from kgen.runtime._async.discovery import AsyncDiscoveryClient as AsyncDiscoveryClient
    from kgen.runtime._async.discovery import AsyncRESTMapper as AsyncRESTMapper
    from kgen.runtime._async.dynamic import AsyncDynamicClient as AsyncDynamicClient
    from kgen.runtime._async.dynamic import AsyncDynamicResource as AsyncDynamicResource
    from kgen.runtime._async.resource import AsyncAllVerbs as AsyncAllVerbs
    from kgen.runtime._async.resource import AsyncApply as AsyncApply
    from kgen.runtime._async.resource import AsyncCreate as AsyncCreate
    from kgen.runtime._async.resource import AsyncDelete as AsyncDelete
    from kgen.runtime._async.resource import AsyncDeleteCollection as AsyncDeleteCollection
    from kgen.runtime._async.resource import AsyncGet as AsyncGet
    from kgen.runtime._async.resource import AsyncList as AsyncList
    from kgen.runtime._async.resource import AsyncLogSubresource as AsyncLogSubresource
    from kgen.runtime._async.resource import AsyncPatch as AsyncPatch
    from kgen.runtime._async.resource import AsyncReadVerbs as AsyncReadVerbs
    from kgen.runtime._async.resource import AsyncResourceClient as AsyncResourceClient
    from kgen.runtime._async.resource import AsyncScaleSubresource as AsyncScaleSubresource
    from kgen.runtime._async.resource import AsyncStatusSubresource as AsyncStatusSubresource
    from kgen.runtime._async.resource import AsyncUpdate as AsyncUpdate
    from kgen.runtime._async.resource import AsyncWatch as AsyncWatch
    from kgen.runtime._async.rest import AsyncRESTClient as AsyncRESTClient
    from kgen.runtime._async.rest import AsyncRequest as AsyncRequest
    from kgen.runtime._async.transport import AsyncTransport as AsyncTransport
    from kgen.runtime._async.watch import AsyncWatchStream as AsyncWatchStream
    from kgen.runtime._backoff import Backoff as Backoff
    from kgen.runtime._backoff import BackoffManager as BackoffManager
    from kgen.runtime._backoff import DEFAULT_BACKOFF as DEFAULT_BACKOFF
    from kgen.runtime._backoff import DEFAULT_RETRY as DEFAULT_RETRY
    from kgen.runtime._cache.informer import AsyncSharedIndexInformer as AsyncSharedIndexInformer
    from kgen.runtime._cache.factory import AsyncSharedInformerFactory as AsyncSharedInformerFactory
    from kgen.runtime._errors import CacheSyncError as CacheSyncError
    from kgen.runtime._errors import SchemaInvalid as SchemaInvalid
    from kgen.runtime._cache.lister import ClusterLister as ClusterLister
    from kgen.runtime._cache.tombstone import DeletedFinalStateUnknown as DeletedFinalStateUnknown
    from kgen.runtime._cache.listwatch import DynamicListerWatcher as DynamicListerWatcher
    from kgen.runtime._cache.handlers import (
        FilteringResourceEventHandler as FilteringResourceEventHandler,
    )
    from kgen.runtime._cache.threaded import HandlerRegistration as HandlerRegistration
    from kgen.runtime._cache.handlers import AsyncHandlerRegistration as AsyncHandlerRegistration
    from kgen.runtime._cache.store import IndexFunc as IndexFunc
    from kgen.runtime._cache.store import Indexer as Indexer
    from kgen.runtime._cache.store import KeyFunc as KeyFunc
    from kgen.runtime._cache.lister import Lister as Lister
    from kgen.runtime._cache.listwatch import ListerWatcher as ListerWatcher
    from kgen.runtime._cache.store import NAMESPACE_INDEX as NAMESPACE_INDEX
    from kgen.runtime._cache.lister import ListerInNamespace as ListerInNamespace
    from kgen.runtime._cache.handlers import ResourceEventHandler as ResourceEventHandler
    from kgen.runtime._cache.handlers import ResourceEventHandlerFuncs as ResourceEventHandlerFuncs
    from kgen.runtime._cache.threaded import SharedIndexInformer as SharedIndexInformer
    from kgen.runtime._cache.threaded import SharedInformerFactory as SharedInformerFactory
    from kgen.runtime._cache.transform import StringInterner as StringInterner
    from kgen.runtime._cache.factory import SyncResult as SyncResult
    from kgen.runtime._cache.reflector import ReflectorMetrics as ReflectorMetrics
    from kgen.runtime._cache.reflector import ReflectorOptions as ReflectorOptions
    from kgen.runtime._cache.transform import Transform as Transform
    from kgen.runtime._cache.listwatch import TypedListerWatcher as TypedListerWatcher
    from kgen.runtime._cache.objects import copy_object as copy_object
    from kgen.runtime._cache.transform import default_transform as default_transform
    from kgen.runtime._cache.transform import make_transform as make_transform
    from kgen.runtime._cache.store import meta_namespace_key as meta_namespace_key
    from kgen.runtime._cache.store import namespace_index_func as namespace_index_func
    from kgen.runtime._cache.store import split_meta_namespace_key as split_meta_namespace_key
    from kgen.runtime._cache.generated import AsyncGroupInformers as AsyncGroupInformers
    from kgen.runtime._cache.generated import AsyncResourceInformer as AsyncResourceInformer
    from kgen.runtime._cache.generated import GroupInformers as GroupInformers
    from kgen.runtime._cache.generated import ResourceInformer as ResourceInformer
    from kgen.runtime._config import Config as Config
    from kgen.runtime._errors import ConfigError as ConfigError
    from kgen.runtime._config import DEFAULT_BURST as DEFAULT_BURST
    from kgen.runtime._config import DEFAULT_QPS as DEFAULT_QPS
    from kgen.runtime._config import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
    from kgen.runtime._config import config_from_kubeconfig as config_from_kubeconfig
    from kgen.runtime._config import load_config as load_config
    from kgen.runtime._config import load_incluster_config as load_incluster_config
    from kgen.runtime._config import load_kubeconfig as load_kubeconfig
    from kgen.runtime._errors import CredentialError as CredentialError
    from kgen.runtime._credentials import CredentialSource as CredentialSource
    from kgen.runtime._errors import ExecPluginError as ExecPluginError
    from kgen.runtime._errors import APIError as APIError
    from kgen.runtime._errors import AlreadyExists as AlreadyExists
    from kgen.runtime._errors import BadRequest as BadRequest
    from kgen.runtime._errors import Conflict as Conflict
    from kgen.runtime._errors import DecodeError as DecodeError
    from kgen.runtime._errors import Expired as Expired
    from kgen.runtime._errors import Forbidden as Forbidden
    from kgen.runtime._errors import Gone as Gone
    from kgen.runtime._errors import Invalid as Invalid
    from kgen.runtime._errors import KubernetesError as KubernetesError
    from kgen.runtime._errors import MethodNotAllowed as MethodNotAllowed
    from kgen.runtime._errors import NotFound as NotFound
    from kgen.runtime._errors import Redirected as Redirected
    from kgen.runtime._errors import RequestEntityTooLarge as RequestEntityTooLarge
    from kgen.runtime._errors import ResourceNotServed as ResourceNotServed
    from kgen.runtime._errors import ResourceNotSupported as ResourceNotSupported
    from kgen.runtime._errors import ServerError as ServerError
    from kgen.runtime._errors import ServiceUnavailable as ServiceUnavailable
    from kgen.runtime._errors import Timeout as Timeout
    from kgen.runtime._errors import TooManyRequests as TooManyRequests
    from kgen.runtime._errors import TransportError as TransportError
    from kgen.runtime._errors import TransportTimeout as TransportTimeout
    from kgen.runtime._errors import Unauthorized as Unauthorized
    from kgen.runtime._errors import UnsupportedMediaType as UnsupportedMediaType
    from kgen.runtime._leaderelection.config import DEFAULT_LEASE_DURATION as DEFAULT_LEASE_DURATION
    from kgen.runtime._leaderelection.config import DEFAULT_RENEW_DEADLINE as DEFAULT_RENEW_DEADLINE
    from kgen.runtime._leaderelection.config import DEFAULT_RETRY_PERIOD as DEFAULT_RETRY_PERIOD
    from kgen.runtime._leaderelection.config import LeaderContext as LeaderContext
    from kgen.runtime._leaderelection.config import LeaderElectionConfig as LeaderElectionConfig
    from kgen.runtime._leaderelection.threaded import LeaderElector as LeaderElector
    from kgen.runtime._leaderelection.elector import AsyncLeaderElector as AsyncLeaderElector
    from kgen.runtime._leaderelection.config import LeaseLock as LeaseLock
    from kgen.runtime._coordination import Lease as Lease
    from kgen.runtime._coordination import LeaseList as LeaseList
    from kgen.runtime._coordination import LeaseSpec as LeaseSpec
    from kgen.runtime._meta import APIGroup as APIGroup
    from kgen.runtime._meta import APIGroupList as APIGroupList
    from kgen.runtime._meta import APIResource as APIResource
    from kgen.runtime._meta import APIResourceList as APIResourceList
    from kgen.runtime._meta import APIVersions as APIVersions
    from kgen.runtime._meta import Condition as Condition
    from kgen.runtime._meta import DeleteOptions as DeleteOptions
    from kgen.runtime._meta import FieldSelectorRequirement as FieldSelectorRequirement
    from kgen.runtime._meta import GroupResource as GroupResource
    from kgen.runtime._meta import GroupVersionForDiscovery as GroupVersionForDiscovery
    from kgen.runtime._meta import KubernetesList as KubernetesList
    from kgen.runtime._meta import KubernetesObject as KubernetesObject
    from kgen.runtime._meta import LabelSelector as LabelSelector
    from kgen.runtime._meta import LabelSelectorRequirement as LabelSelectorRequirement
    from kgen.runtime._meta import ListMeta as ListMeta
    from kgen.runtime._meta import ManagedFieldsEntry as ManagedFieldsEntry
    from kgen.runtime._meta import MicroTime as MicroTime
    from kgen.runtime._meta import ObjectMeta as ObjectMeta
    from kgen.runtime._meta import OwnerReference as OwnerReference
    from kgen.runtime._meta import PartialObjectMetadata as PartialObjectMetadata
    from kgen.runtime._meta import Preconditions as Preconditions
    from kgen.runtime._meta import Scale as Scale
    from kgen.runtime._meta import ScaleSpec as ScaleSpec
    from kgen.runtime._meta import ScaleStatus as ScaleStatus
    from kgen.runtime._meta import ServerAddressByClientCIDR as ServerAddressByClientCIDR
    from kgen.runtime._meta import ShardInfo as ShardInfo
    from kgen.runtime._meta import Status as Status
    from kgen.runtime._meta import StatusCause as StatusCause
    from kgen.runtime._meta import StatusDetails as StatusDetails
    from kgen.runtime._meta import VersionInfo as VersionInfo
    from kgen.runtime._partial import decode_partial as decode_partial
    from kgen.runtime._partial import fully_decoded as fully_decoded
    from kgen.runtime._partial import is_partial as is_partial
    from kgen.runtime._partial import partial_type as partial_type
    from kgen.runtime._patch import apply_merge_patch as apply_merge_patch
    from kgen.runtime._patch import create_merge_patch as create_merge_patch
    from kgen.runtime._patch import merge_patch_between as merge_patch_between
    from kgen.runtime._ratelimit import TokenBucket as TokenBucket
    from kgen.runtime._request import DeletePropagation as DeletePropagation
    from kgen.runtime._request import FieldValidation as FieldValidation
    from kgen.runtime._request import ListOptions as ListOptions
    from kgen.runtime._request import LogOptions as LogOptions
    from kgen.runtime._request import NO_READ_TIMEOUT as NO_READ_TIMEOUT
    from kgen.runtime._request import PatchType as PatchType
    from kgen.runtime._request import ResourceVersionMatch as ResourceVersionMatch
    from kgen.runtime._request import Result as Result
    from kgen.runtime._request import WriteOptions as WriteOptions
    from kgen.runtime._resources import GroupVersionKind as GroupVersionKind
    from kgen.runtime._resources import GroupVersionResource as GroupVersionResource
    from kgen.runtime._resources import ResourceInfo as ResourceInfo
    from kgen.runtime._resources import Struct as Struct
    from kgen.runtime._resources import SubresourceInfo as SubresourceInfo
    from kgen.runtime._retry import async_on_error as async_on_error
    from kgen.runtime._retry import async_retry_on_conflict as async_retry_on_conflict
    from kgen.runtime._retry import on_error as on_error
    from kgen.runtime._retry import retry_on_conflict as retry_on_conflict
    from kgen.runtime._scheme import Scheme as Scheme
    from kgen.runtime._errors import UnknownKindError as UnknownKindError
    from kgen.runtime._selectors import Fields as Fields
    from kgen.runtime._selectors import Labels as Labels
    from kgen.runtime._selectors import SelectorLike as SelectorLike
    from kgen.runtime._sync.clientset import ClientsetBase as ClientsetBase
    from kgen.runtime._sync.clientset import GroupVersionClient as GroupVersionClient
    from kgen.runtime._sync.discovery import DiscoveryClient as DiscoveryClient
    from kgen.runtime._sync.discovery import RESTMapper as RESTMapper
    from kgen.runtime._sync.dynamic import DynamicClient as DynamicClient
    from kgen.runtime._sync.dynamic import DynamicResource as DynamicResource
    from kgen.runtime._sync.resource import AllVerbs as AllVerbs
    from kgen.runtime._sync.resource import Apply as Apply
    from kgen.runtime._sync.resource import Create as Create
    from kgen.runtime._sync.resource import Delete as Delete
    from kgen.runtime._sync.resource import DeleteCollection as DeleteCollection
    from kgen.runtime._sync.resource import Get as Get
    from kgen.runtime._sync.resource import List as List
    from kgen.runtime._sync.resource import LogSubresource as LogSubresource
    from kgen.runtime._sync.resource import Patch as Patch
    from kgen.runtime._sync.resource import ReadVerbs as ReadVerbs
    from kgen.runtime._sync.resource import ResourceClient as ResourceClient
    from kgen.runtime._sync.resource import ScaleSubresource as ScaleSubresource
    from kgen.runtime._sync.resource import StatusSubresource as StatusSubresource
    from kgen.runtime._sync.resource import Update as Update
    from kgen.runtime._sync.resource import Watch as Watch
    from kgen.runtime._sync.rest import RESTClient as RESTClient
    from kgen.runtime._sync.rest import Request as Request
    from kgen.runtime._sync.transport import Transport as Transport
    from kgen.runtime._sync.watch import WatchStream as WatchStream
    from kgen.runtime._errors import TLSConfigError as TLSConfigError
    from kgen.runtime._types import FieldsV1 as FieldsV1
    from kgen.runtime._types import IntOrString as IntOrString
    from kgen.runtime._types import JSON as JSON
    from kgen.runtime._types import Quantity as Quantity
    from kgen.runtime._types import RawExtension as RawExtension
    from kgen.runtime._types import Time as Time
    from kgen.runtime._types import parse_quantity as parse_quantity
    from kgen.runtime._unstructured import Unstructured as Unstructured
    from kgen.runtime._unstructured import UnstructuredList as UnstructuredList
    from kgen.runtime._watchevent import EventType as EventType
    from kgen.runtime._watchevent import WatchEvent as WatchEvent
    from kgen.runtime._workqueue.delaying import AsyncDelayingQueue as AsyncDelayingQueue
    from kgen.runtime._workqueue.rate_limiting import (
        AsyncRateLimitingQueue as AsyncRateLimitingQueue,
    )
    from kgen.runtime._workqueue.queue import AsyncWorkQueue as AsyncWorkQueue
    from kgen.runtime._workqueue.rate_limiters import BucketRateLimiter as BucketRateLimiter
    from kgen.runtime._workqueue.delaying import DelayingQueue as DelayingQueue
    from kgen.runtime._workqueue.rate_limiters import (
        ItemExponentialFailureRateLimiter as ItemExponentialFailureRateLimiter,
    )
    from kgen.runtime._workqueue.rate_limiters import (
        ItemFastSlowRateLimiter as ItemFastSlowRateLimiter,
    )
    from kgen.runtime._workqueue.rate_limiters import MaxOfRateLimiter as MaxOfRateLimiter
    from kgen.runtime._workqueue.metrics import MetricsProvider as MetricsProvider
    from kgen.runtime._workqueue.rate_limiters import RateLimiter as RateLimiter
    from kgen.runtime._workqueue.rate_limiting import RateLimitingQueue as RateLimitingQueue
    from kgen.runtime._errors import ShutDown as ShutDown
    from kgen.runtime._workqueue.rate_limiters import (
        WithMaxWaitRateLimiter as WithMaxWaitRateLimiter,
    )
    from kgen.runtime._workqueue.queue import WorkQueue as WorkQueue
    from kgen.runtime._workqueue.rate_limiters import (
        default_controller_rate_limiter as default_controller_rate_limiter,
    )
    from kgen.runtime._schemacheck import validate as validate
    from kgen.runtime._schemacheck import with_defaults as with_defaults
    from kgen.runtime._violation import Violation as Violation
    from kgen.runtime._controller.finalizers import AsyncFinalizer as AsyncFinalizer
    from kgen.runtime._controller.finalizers import Finalizer as Finalizer
    from kgen.runtime._controller.finalizers import add_finalizer as add_finalizer
    from kgen.runtime._controller.finalizers import async_add_finalizer as async_add_finalizer
    from kgen.runtime._controller.finalizers import remove_finalizer as remove_finalizer
    from kgen.runtime._controller.finalizers import async_remove_finalizer as async_remove_finalizer
    from kgen.runtime._controller.manager import AsyncManager as AsyncManager
    from kgen.runtime._controller.manager import Manager as Manager
    from kgen.runtime._controller.manager import LeaderElectionOptions as LeaderElectionOptions
    from kgen.runtime._controller.runner import Controller as Controller
    from kgen.runtime._controller.request import ReconcileRequest as ReconcileRequest
    from kgen.runtime._controller.request import ReconcileResult as ReconcileResult
    from kgen.runtime._controller.request import DONE as DONE
    from kgen.runtime._controller.request import requeue as requeue
    from kgen.runtime._controller.request import requeue_after as requeue_after
    from kgen.runtime._controller.predicates import Predicate as Predicate
    from kgen.runtime._controller.predicates import GENERATION_CHANGED as GENERATION_CHANGED
    from kgen.runtime._controller.predicates import LABELS_CHANGED as LABELS_CHANGED
    from kgen.runtime._controller.predicates import ANNOTATIONS_CHANGED as ANNOTATIONS_CHANGED
    from kgen.runtime._controller.predicates import any_of as any_of
    from kgen.runtime._controller.conditions import new_condition as new_condition
    from kgen.runtime._controller.conditions import set_status_condition as set_status_condition
    from kgen.runtime._controller.conditions import find_status_condition as find_status_condition
    from kgen.runtime._controller.conditions import (
        remove_status_condition as remove_status_condition,
    )
    from kgen.runtime._controller.conditions import (
        is_status_condition_true as is_status_condition_true,
    )
    from kgen.runtime._controller.conditions import (
        is_status_condition_false as is_status_condition_false,
    )
    from kgen.runtime._controller.owners import set_controller_reference as set_controller_reference
    from kgen.runtime._controller.owners import set_owner_reference as set_owner_reference
    from kgen.runtime._controller.owners import owner_reference as owner_reference
    from kgen.runtime._controller.owners import controller_of as controller_of
    from kgen.runtime._errors import AlreadyOwnedError as AlreadyOwnedError
    from kgen.runtime._controller.events import EventRecorder as EventRecorder
    from kgen.runtime._cache.undecodable import Undecodable as Undecodable
    from kgen.runtime._controller.metrics import ControllerMetrics as ControllerMetrics
    from kgen.runtime._errors import CommandError as CommandError
    from kgen.runtime._errors import NonZeroExitError as NonZeroExitError
    from kgen.runtime._errors import PortForwardError as PortForwardError
    from kgen.runtime._errors import StreamClosed as StreamClosed
    from kgen.runtime._errors import StreamError as StreamError
    from kgen.runtime._errors import StreamProtocolError as StreamProtocolError
    from kgen.runtime._channels import ExecResult as ExecResult
    from kgen.runtime._channels import STDOUT as STDOUT
    from kgen.runtime._channels import STDERR as STDERR
    from kgen.runtime._async.streams import AsyncExecSession as AsyncExecSession
    from kgen.runtime._async.portforward import AsyncPortForward as AsyncPortForward
    from kgen.runtime._async.portforward import AsyncPortListener as AsyncPortListener
    from kgen.runtime._async.portforward import AsyncPortStream as AsyncPortStream
    from kgen.runtime._async.connect import AsyncExecSubresource as AsyncExecSubresource
    from kgen.runtime._async.connect import AsyncAttachSubresource as AsyncAttachSubresource
    from kgen.runtime._async.connect import (
        AsyncPortForwardSubresource as AsyncPortForwardSubresource,
    )
    from kgen.runtime._async.connect import AsyncProxySubresource as AsyncProxySubresource
    from kgen.runtime._sync.streams import ExecSession as ExecSession
    from kgen.runtime._sync.portforward import PortForward as PortForward
    from kgen.runtime._sync.portforward import PortListener as PortListener
    from kgen.runtime._sync.portforward import PortStream as PortStream
    from kgen.runtime._sync.connect import ExecSubresource as ExecSubresource
    from kgen.runtime._sync.connect import AttachSubresource as AttachSubresource
    from kgen.runtime._sync.connect import PortForwardSubresource as PortForwardSubresource
    from kgen.runtime._sync.connect import ProxySubresource as ProxySubresource

    from kgen.runtime._apply import ApplyConfiguration as ApplyConfiguration
    from kgen.runtime._apply import ConditionApply as ConditionApply
    from kgen.runtime._apply import FieldSelectorRequirementApply as FieldSelectorRequirementApply
    from kgen.runtime._apply import GroupResourceApply as GroupResourceApply
    from kgen.runtime._apply import LabelSelectorApply as LabelSelectorApply
    from kgen.runtime._apply import LabelSelectorRequirementApply as LabelSelectorRequirementApply
    from kgen.runtime._apply import ObjectMetaApply as ObjectMetaApply
    from kgen.runtime._apply import OwnerReferenceApply as OwnerReferenceApply
    from kgen.runtime._compat import check_generated_package as check_generated_package
    from kgen.runtime._sync.manifests import Applier as Applier
    from kgen.runtime._errors import ApplyError as ApplyError
    from kgen.runtime._manifests.results import ApplyResult as ApplyResult
    from kgen.runtime._async.manifests import AsyncApplier as AsyncApplier
    from kgen.runtime._manifests.load import Manifest as Manifest
    from kgen.runtime._errors import ManifestError as ManifestError
    from kgen.runtime._errors import ManifestProblem as ManifestProblem
    from kgen.runtime._manifests.conditions import WaitCondition as WaitCondition
    from kgen.runtime._errors import WaitError as WaitError
    from kgen.runtime._errors import WaitTimeout as WaitTimeout
    from kgen.runtime._manifests.order import apply_order as apply_order
    from kgen.runtime._async.wait import async_wait_for as async_wait_for
    from kgen.runtime._manifests.check import check_manifests as check_manifests
    from kgen.runtime._manifests.conditions import crd_established as crd_established
    from kgen.runtime._manifests.conditions import deployment_rolled_out as deployment_rolled_out
    from kgen.runtime._manifests.dump import dump_yaml as dump_yaml
    from kgen.runtime._manifests.conditions import job_complete as job_complete
    from kgen.runtime._manifests.load import load_manifests as load_manifests
    from kgen.runtime._manifests.check import manifest_problems as manifest_problems
    from kgen.runtime._manifests.conditions import namespace_gone as namespace_gone
    from kgen.runtime._manifests.conditions import object_deleted as object_deleted
    from kgen.runtime._manifests.conditions import object_exists as object_exists
    from kgen.runtime._manifests.load import parse_manifests as parse_manifests
    from kgen.runtime._manifests.conditions import status_condition as status_condition
    from kgen.runtime._sync.wait import wait_for as wait_for


__all__ = [
    "ANNOTATIONS_CHANGED",
    "APIError",
    "APIGroup",
    "APIGroupList",
    "APIResource",
    "APIResourceList",
    "APIVersions",
    "AllVerbs",
    "AlreadyExists",
    "AlreadyOwnedError",
    "Applier",
    "Apply",
    "ApplyConfiguration",
    "ApplyError",
    "ApplyResult",
    "AsyncAllVerbs",
    "AsyncApplier",
    "AsyncApply",
    "AsyncAttachSubresource",
    "AsyncClientsetBase",
    "AsyncCreate",
    "AsyncDelayingQueue",
    "AsyncDelete",
    "AsyncDeleteCollection",
    "AsyncDiscoveryClient",
    "AsyncDynamicClient",
    "AsyncDynamicResource",
    "AsyncExecSession",
    "AsyncExecSubresource",
    "AsyncFinalizer",
    "AsyncGet",
    "AsyncGroupInformers",
    "AsyncGroupVersionClient",
    "AsyncHandlerRegistration",
    "AsyncLeaderElector",
    "AsyncList",
    "AsyncLogSubresource",
    "AsyncManager",
    "AsyncPatch",
    "AsyncPortForward",
    "AsyncPortForwardSubresource",
    "AsyncPortListener",
    "AsyncPortStream",
    "AsyncProxySubresource",
    "AsyncRESTClient",
    "AsyncRESTMapper",
    "AsyncRateLimitingQueue",
    "AsyncReadVerbs",
    "AsyncRequest",
    "AsyncResourceClient",
    "AsyncResourceInformer",
    "AsyncScaleSubresource",
    "AsyncSharedIndexInformer",
    "AsyncSharedInformerFactory",
    "AsyncStatusSubresource",
    "AsyncTransport",
    "AsyncUpdate",
    "AsyncWatch",
    "AsyncWatchStream",
    "AsyncWorkQueue",
    "AttachSubresource",
    "Backoff",
    "BackoffManager",
    "BadRequest",
    "BucketRateLimiter",
    "CacheSyncError",
    "ClientsetBase",
    "ClusterLister",
    "CommandError",
    "Condition",
    "ConditionApply",
    "Config",
    "ConfigError",
    "Conflict",
    "Controller",
    "ControllerMetrics",
    "Create",
    "CredentialError",
    "CredentialSource",
    "DEFAULT_BACKOFF",
    "DEFAULT_BURST",
    "DEFAULT_LEASE_DURATION",
    "DEFAULT_QPS",
    "DEFAULT_RENEW_DEADLINE",
    "DEFAULT_RETRY",
    "DEFAULT_RETRY_PERIOD",
    "DEFAULT_TIMEOUT",
    "DONE",
    "DecodeError",
    "DelayingQueue",
    "Delete",
    "DeleteCollection",
    "DeleteOptions",
    "DeletePropagation",
    "DeletedFinalStateUnknown",
    "DiscoveryClient",
    "DynamicClient",
    "DynamicListerWatcher",
    "DynamicResource",
    "EventRecorder",
    "EventType",
    "ExecPluginError",
    "ExecResult",
    "ExecSession",
    "ExecSubresource",
    "Expired",
    "FieldSelectorRequirement",
    "FieldSelectorRequirementApply",
    "FieldValidation",
    "Fields",
    "FieldsV1",
    "FilteringResourceEventHandler",
    "Finalizer",
    "Forbidden",
    "GENERATION_CHANGED",
    "Get",
    "Gone",
    "GroupInformers",
    "GroupResource",
    "GroupResourceApply",
    "GroupVersionClient",
    "GroupVersionForDiscovery",
    "GroupVersionKind",
    "GroupVersionResource",
    "HandlerRegistration",
    "IndexFunc",
    "Indexer",
    "IntOrString",
    "Invalid",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "JSON",
    "KeyFunc",
    "KubernetesError",
    "KubernetesList",
    "KubernetesObject",
    "LABELS_CHANGED",
    "LabelSelector",
    "LabelSelectorApply",
    "LabelSelectorRequirement",
    "LabelSelectorRequirementApply",
    "Labels",
    "LeaderContext",
    "LeaderElectionConfig",
    "LeaderElectionOptions",
    "LeaderElector",
    "Lease",
    "LeaseList",
    "LeaseLock",
    "LeaseSpec",
    "List",
    "ListMeta",
    "ListOptions",
    "Lister",
    "ListerInNamespace",
    "ListerWatcher",
    "LogOptions",
    "LogSubresource",
    "ManagedFieldsEntry",
    "Manager",
    "Manifest",
    "ManifestError",
    "ManifestProblem",
    "MaxOfRateLimiter",
    "MethodNotAllowed",
    "MetricsProvider",
    "MicroTime",
    "NAMESPACE_INDEX",
    "NO_READ_TIMEOUT",
    "NonZeroExitError",
    "NotFound",
    "ObjectMeta",
    "ObjectMetaApply",
    "OwnerReference",
    "OwnerReferenceApply",
    "PartialObjectMetadata",
    "Patch",
    "PatchType",
    "PortForward",
    "PortForwardError",
    "PortForwardSubresource",
    "PortListener",
    "PortStream",
    "Preconditions",
    "Predicate",
    "ProxySubresource",
    "Quantity",
    "RESTClient",
    "RESTMapper",
    "RateLimiter",
    "RateLimitingQueue",
    "RawExtension",
    "ReadVerbs",
    "ReconcileRequest",
    "ReconcileResult",
    "Redirected",
    "ReflectorMetrics",
    "ReflectorOptions",
    "Request",
    "RequestEntityTooLarge",
    "ResourceClient",
    "ResourceEventHandler",
    "ResourceEventHandlerFuncs",
    "ResourceInfo",
    "ResourceInformer",
    "ResourceNotServed",
    "ResourceNotSupported",
    "ResourceVersionMatch",
    "Result",
    "STDERR",
    "STDOUT",
    "Scale",
    "ScaleSpec",
    "ScaleStatus",
    "ScaleSubresource",
    "SchemaInvalid",
    "Scheme",
    "SelectorLike",
    "ServerAddressByClientCIDR",
    "ServerError",
    "ServiceUnavailable",
    "ShardInfo",
    "SharedIndexInformer",
    "SharedInformerFactory",
    "ShutDown",
    "Status",
    "StatusCause",
    "StatusDetails",
    "StatusSubresource",
    "StreamClosed",
    "StreamError",
    "StreamProtocolError",
    "StringInterner",
    "Struct",
    "SubresourceInfo",
    "SyncResult",
    "TLSConfigError",
    "Time",
    "Timeout",
    "TokenBucket",
    "TooManyRequests",
    "Transform",
    "Transport",
    "TransportError",
    "TransportTimeout",
    "TypedListerWatcher",
    "Unauthorized",
    "Undecodable",
    "UnknownKindError",
    "Unstructured",
    "UnstructuredList",
    "UnsupportedMediaType",
    "Update",
    "VersionInfo",
    "Violation",
    "WaitCondition",
    "WaitError",
    "WaitTimeout",
    "Watch",
    "WatchEvent",
    "WatchStream",
    "WithMaxWaitRateLimiter",
    "WorkQueue",
    "WriteOptions",
    "add_finalizer",
    "any_of",
    "apply_merge_patch",
    "apply_order",
    "async_add_finalizer",
    "async_on_error",
    "async_remove_finalizer",
    "async_retry_on_conflict",
    "async_wait_for",
    "check_generated_package",
    "check_manifests",
    "config_from_kubeconfig",
    "controller_of",
    "copy_object",
    "crd_established",
    "create_merge_patch",
    "decode_partial",
    "default_controller_rate_limiter",
    "default_transform",
    "deployment_rolled_out",
    "dump_yaml",
    "find_status_condition",
    "fully_decoded",
    "is_partial",
    "is_status_condition_false",
    "is_status_condition_true",
    "job_complete",
    "lazy_getattr",
    "load_config",
    "load_incluster_config",
    "load_kubeconfig",
    "load_manifests",
    "make_transform",
    "manifest_problems",
    "merge_patch_between",
    "meta_namespace_key",
    "namespace_gone",
    "namespace_index_func",
    "new_condition",
    "object_deleted",
    "object_exists",
    "on_error",
    "owner_reference",
    "parse_manifests",
    "parse_quantity",
    "partial_type",
    "remove_finalizer",
    "remove_status_condition",
    "requeue",
    "requeue_after",
    "retry_on_conflict",
    "set_controller_reference",
    "set_owner_reference",
    "set_status_condition",
    "split_meta_namespace_key",
    "status_condition",
    "validate",
    "wait_for",
    "with_defaults",
]

# Where each name lives (a test checks that this agrees with the imports above and with __all__).
_EXPORTS: dict[str, str] = {
    "ANNOTATIONS_CHANGED": "_controller.predicates",
    "APIError": "_errors",
    "APIGroup": "_meta",
    "APIGroupList": "_meta",
    "APIResource": "_meta",
    "APIResourceList": "_meta",
    "APIVersions": "_meta",
    "AllVerbs": "_sync.resource",
    "AlreadyExists": "_errors",
    "AlreadyOwnedError": "_errors",
    "Applier": "_sync.manifests",
    "Apply": "_sync.resource",
    "ApplyConfiguration": "_apply",
    "ApplyError": "_errors",
    "ApplyResult": "_manifests.results",
    "AsyncAllVerbs": "_async.resource",
    "AsyncApplier": "_async.manifests",
    "AsyncApply": "_async.resource",
    "AsyncAttachSubresource": "_async.connect",
    "AsyncClientsetBase": "_async.clientset",
    "AsyncCreate": "_async.resource",
    "AsyncDelayingQueue": "_workqueue.delaying",
    "AsyncDelete": "_async.resource",
    "AsyncDeleteCollection": "_async.resource",
    "AsyncDiscoveryClient": "_async.discovery",
    "AsyncDynamicClient": "_async.dynamic",
    "AsyncDynamicResource": "_async.dynamic",
    "AsyncExecSession": "_async.streams",
    "AsyncExecSubresource": "_async.connect",
    "AsyncFinalizer": "_controller.finalizers",
    "AsyncGet": "_async.resource",
    "AsyncGroupInformers": "_cache.generated",
    "AsyncGroupVersionClient": "_async.clientset",
    "AsyncHandlerRegistration": "_cache.handlers",
    "AsyncLeaderElector": "_leaderelection.elector",
    "AsyncList": "_async.resource",
    "AsyncLogSubresource": "_async.resource",
    "AsyncManager": "_controller.manager",
    "AsyncPatch": "_async.resource",
    "AsyncPortForward": "_async.portforward",
    "AsyncPortForwardSubresource": "_async.connect",
    "AsyncPortListener": "_async.portforward",
    "AsyncPortStream": "_async.portforward",
    "AsyncProxySubresource": "_async.connect",
    "AsyncRESTClient": "_async.rest",
    "AsyncRESTMapper": "_async.discovery",
    "AsyncRateLimitingQueue": "_workqueue.rate_limiting",
    "AsyncReadVerbs": "_async.resource",
    "AsyncRequest": "_async.rest",
    "AsyncResourceClient": "_async.resource",
    "AsyncResourceInformer": "_cache.generated",
    "AsyncScaleSubresource": "_async.resource",
    "AsyncSharedIndexInformer": "_cache.informer",
    "AsyncSharedInformerFactory": "_cache.factory",
    "AsyncStatusSubresource": "_async.resource",
    "AsyncTransport": "_async.transport",
    "AsyncUpdate": "_async.resource",
    "AsyncWatch": "_async.resource",
    "AsyncWatchStream": "_async.watch",
    "AsyncWorkQueue": "_workqueue.queue",
    "AttachSubresource": "_sync.connect",
    "Backoff": "_backoff",
    "BackoffManager": "_backoff",
    "BadRequest": "_errors",
    "BucketRateLimiter": "_workqueue.rate_limiters",
    "CacheSyncError": "_errors",
    "ClientsetBase": "_sync.clientset",
    "ClusterLister": "_cache.lister",
    "CommandError": "_errors",
    "Condition": "_meta",
    "ConditionApply": "_apply",
    "Config": "_config",
    "ConfigError": "_errors",
    "Conflict": "_errors",
    "Controller": "_controller.runner",
    "ControllerMetrics": "_controller.metrics",
    "Create": "_sync.resource",
    "CredentialError": "_errors",
    "CredentialSource": "_credentials",
    "DEFAULT_BACKOFF": "_backoff",
    "DEFAULT_BURST": "_config",
    "DEFAULT_LEASE_DURATION": "_leaderelection.config",
    "DEFAULT_QPS": "_config",
    "DEFAULT_RENEW_DEADLINE": "_leaderelection.config",
    "DEFAULT_RETRY": "_backoff",
    "DEFAULT_RETRY_PERIOD": "_leaderelection.config",
    "DEFAULT_TIMEOUT": "_config",
    "DONE": "_controller.request",
    "DecodeError": "_errors",
    "DelayingQueue": "_workqueue.delaying",
    "Delete": "_sync.resource",
    "DeleteCollection": "_sync.resource",
    "DeleteOptions": "_meta",
    "DeletePropagation": "_request",
    "DeletedFinalStateUnknown": "_cache.tombstone",
    "DiscoveryClient": "_sync.discovery",
    "DynamicClient": "_sync.dynamic",
    "DynamicListerWatcher": "_cache.listwatch",
    "DynamicResource": "_sync.dynamic",
    "EventRecorder": "_controller.events",
    "EventType": "_watchevent",
    "ExecPluginError": "_errors",
    "ExecResult": "_channels",
    "ExecSession": "_sync.streams",
    "ExecSubresource": "_sync.connect",
    "Expired": "_errors",
    "FieldSelectorRequirement": "_meta",
    "FieldSelectorRequirementApply": "_apply",
    "FieldValidation": "_request",
    "Fields": "_selectors",
    "FieldsV1": "_types",
    "FilteringResourceEventHandler": "_cache.handlers",
    "Finalizer": "_controller.finalizers",
    "Forbidden": "_errors",
    "GENERATION_CHANGED": "_controller.predicates",
    "Get": "_sync.resource",
    "Gone": "_errors",
    "GroupInformers": "_cache.generated",
    "GroupResource": "_meta",
    "GroupResourceApply": "_apply",
    "GroupVersionClient": "_sync.clientset",
    "GroupVersionForDiscovery": "_meta",
    "GroupVersionKind": "_resources",
    "GroupVersionResource": "_resources",
    "HandlerRegistration": "_cache.threaded",
    "IndexFunc": "_cache.store",
    "Indexer": "_cache.store",
    "IntOrString": "_types",
    "Invalid": "_errors",
    "ItemExponentialFailureRateLimiter": "_workqueue.rate_limiters",
    "ItemFastSlowRateLimiter": "_workqueue.rate_limiters",
    "JSON": "_types",
    "KeyFunc": "_cache.store",
    "KubernetesError": "_errors",
    "KubernetesList": "_meta",
    "KubernetesObject": "_meta",
    "LABELS_CHANGED": "_controller.predicates",
    "LabelSelector": "_meta",
    "LabelSelectorApply": "_apply",
    "LabelSelectorRequirement": "_meta",
    "LabelSelectorRequirementApply": "_apply",
    "Labels": "_selectors",
    "LeaderContext": "_leaderelection.config",
    "LeaderElectionConfig": "_leaderelection.config",
    "LeaderElectionOptions": "_controller.manager",
    "LeaderElector": "_leaderelection.threaded",
    "Lease": "_coordination",
    "LeaseList": "_coordination",
    "LeaseLock": "_leaderelection.config",
    "LeaseSpec": "_coordination",
    "List": "_sync.resource",
    "ListMeta": "_meta",
    "ListOptions": "_request",
    "Lister": "_cache.lister",
    "ListerInNamespace": "_cache.lister",
    "ListerWatcher": "_cache.listwatch",
    "LogOptions": "_request",
    "LogSubresource": "_sync.resource",
    "ManagedFieldsEntry": "_meta",
    "Manager": "_controller.manager",
    "Manifest": "_manifests.load",
    "ManifestError": "_errors",
    "ManifestProblem": "_errors",
    "MaxOfRateLimiter": "_workqueue.rate_limiters",
    "MethodNotAllowed": "_errors",
    "MetricsProvider": "_workqueue.metrics",
    "MicroTime": "_meta",
    "NAMESPACE_INDEX": "_cache.store",
    "NO_READ_TIMEOUT": "_request",
    "NonZeroExitError": "_errors",
    "NotFound": "_errors",
    "ObjectMeta": "_meta",
    "ObjectMetaApply": "_apply",
    "OwnerReference": "_meta",
    "OwnerReferenceApply": "_apply",
    "PartialObjectMetadata": "_meta",
    "Patch": "_sync.resource",
    "PatchType": "_request",
    "PortForward": "_sync.portforward",
    "PortForwardError": "_errors",
    "PortForwardSubresource": "_sync.connect",
    "PortListener": "_sync.portforward",
    "PortStream": "_sync.portforward",
    "Preconditions": "_meta",
    "Predicate": "_controller.predicates",
    "ProxySubresource": "_sync.connect",
    "Quantity": "_types",
    "RESTClient": "_sync.rest",
    "RESTMapper": "_sync.discovery",
    "RateLimiter": "_workqueue.rate_limiters",
    "RateLimitingQueue": "_workqueue.rate_limiting",
    "RawExtension": "_types",
    "ReadVerbs": "_sync.resource",
    "ReconcileRequest": "_controller.request",
    "ReconcileResult": "_controller.request",
    "Redirected": "_errors",
    "ReflectorMetrics": "_cache.reflector",
    "ReflectorOptions": "_cache.reflector",
    "Request": "_sync.rest",
    "RequestEntityTooLarge": "_errors",
    "ResourceClient": "_sync.resource",
    "ResourceEventHandler": "_cache.handlers",
    "ResourceEventHandlerFuncs": "_cache.handlers",
    "ResourceInfo": "_resources",
    "ResourceInformer": "_cache.generated",
    "ResourceNotServed": "_errors",
    "ResourceNotSupported": "_errors",
    "ResourceVersionMatch": "_request",
    "Result": "_request",
    "STDERR": "_channels",
    "STDOUT": "_channels",
    "Scale": "_meta",
    "ScaleSpec": "_meta",
    "ScaleStatus": "_meta",
    "ScaleSubresource": "_sync.resource",
    "SchemaInvalid": "_errors",
    "Scheme": "_scheme",
    "SelectorLike": "_selectors",
    "ServerAddressByClientCIDR": "_meta",
    "ServerError": "_errors",
    "ServiceUnavailable": "_errors",
    "ShardInfo": "_meta",
    "SharedIndexInformer": "_cache.threaded",
    "SharedInformerFactory": "_cache.threaded",
    "ShutDown": "_errors",
    "Status": "_meta",
    "StatusCause": "_meta",
    "StatusDetails": "_meta",
    "StatusSubresource": "_sync.resource",
    "StreamClosed": "_errors",
    "StreamError": "_errors",
    "StreamProtocolError": "_errors",
    "StringInterner": "_cache.transform",
    "Struct": "_resources",
    "SubresourceInfo": "_resources",
    "SyncResult": "_cache.factory",
    "TLSConfigError": "_errors",
    "Time": "_types",
    "Timeout": "_errors",
    "TokenBucket": "_ratelimit",
    "TooManyRequests": "_errors",
    "Transform": "_cache.transform",
    "Transport": "_sync.transport",
    "TransportError": "_errors",
    "TransportTimeout": "_errors",
    "TypedListerWatcher": "_cache.listwatch",
    "Unauthorized": "_errors",
    "Undecodable": "_cache.undecodable",
    "UnknownKindError": "_errors",
    "Unstructured": "_unstructured",
    "UnstructuredList": "_unstructured",
    "UnsupportedMediaType": "_errors",
    "Update": "_sync.resource",
    "VersionInfo": "_meta",
    "Violation": "_violation",
    "WaitCondition": "_manifests.conditions",
    "WaitError": "_errors",
    "WaitTimeout": "_errors",
    "Watch": "_sync.resource",
    "WatchEvent": "_watchevent",
    "WatchStream": "_sync.watch",
    "WithMaxWaitRateLimiter": "_workqueue.rate_limiters",
    "WorkQueue": "_workqueue.queue",
    "WriteOptions": "_request",
    "add_finalizer": "_controller.finalizers",
    "any_of": "_controller.predicates",
    "apply_merge_patch": "_patch",
    "apply_order": "_manifests.order",
    "async_add_finalizer": "_controller.finalizers",
    "async_on_error": "_retry",
    "async_remove_finalizer": "_controller.finalizers",
    "async_retry_on_conflict": "_retry",
    "async_wait_for": "_async.wait",
    "check_generated_package": "_compat",
    "check_manifests": "_manifests.check",
    "config_from_kubeconfig": "_config",
    "controller_of": "_controller.owners",
    "copy_object": "_cache.objects",
    "crd_established": "_manifests.conditions",
    "create_merge_patch": "_patch",
    "decode_partial": "_partial",
    "default_controller_rate_limiter": "_workqueue.rate_limiters",
    "default_transform": "_cache.transform",
    "deployment_rolled_out": "_manifests.conditions",
    "dump_yaml": "_manifests.dump",
    "find_status_condition": "_controller.conditions",
    "fully_decoded": "_partial",
    "is_partial": "_partial",
    "is_status_condition_false": "_controller.conditions",
    "is_status_condition_true": "_controller.conditions",
    "job_complete": "_manifests.conditions",
    "lazy_getattr": "_lazy",
    "load_config": "_config",
    "load_incluster_config": "_config",
    "load_kubeconfig": "_config",
    "load_manifests": "_manifests.load",
    "make_transform": "_cache.transform",
    "manifest_problems": "_manifests.check",
    "merge_patch_between": "_patch",
    "meta_namespace_key": "_cache.store",
    "namespace_gone": "_manifests.conditions",
    "namespace_index_func": "_cache.store",
    "new_condition": "_controller.conditions",
    "object_deleted": "_manifests.conditions",
    "object_exists": "_manifests.conditions",
    "on_error": "_retry",
    "owner_reference": "_controller.owners",
    "parse_manifests": "_manifests.load",
    "parse_quantity": "_types",
    "partial_type": "_partial",
    "remove_finalizer": "_controller.finalizers",
    "remove_status_condition": "_controller.conditions",
    "requeue": "_controller.request",
    "requeue_after": "_controller.request",
    "retry_on_conflict": "_retry",
    "set_controller_reference": "_controller.owners",
    "set_owner_reference": "_controller.owners",
    "set_status_condition": "_controller.conditions",
    "split_meta_namespace_key": "_cache.store",
    "status_condition": "_manifests.conditions",
    "validate": "_schemacheck",
    "wait_for": "_sync.wait",
    "with_defaults": "_schemacheck",
}

if not TYPE_CHECKING:  # mypy sees the imports above; a typo in an import stays an error

    __getattr__ = _lazy_getattr(
        globals(), {name: f"kgen.runtime.{m}" for name, m in _EXPORTS.items()}
    )

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
