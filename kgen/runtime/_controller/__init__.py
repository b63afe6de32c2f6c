"""The controller toolkit: controller-runtime's builder, manager and helpers, on kgen's informers.

    async def reconcile(request: ReconcileRequest, widget: Widget | None) -> ReconcileResult | None: ...

    manager = AsyncManager(namespace="prod", port=8080)
    manager.add(Controller(for_=Widget, owns=[ConfigMap], reconcile=reconcile))
    await manager.run()

The public names are imported from :mod:`kgen.runtime` (the one front door); this package re-exports
nothing. One module each, bottom up: :mod:`.request` (ReconcileRequest, ReconcileResult), :mod:`.predicates`,
:mod:`.conditions` (``SetStatusCondition``), :mod:`.owners` (``SetControllerReference``),
:mod:`.finalizers` (the twins of :mod:`kgen.runtime._async.finalizer`), :mod:`.metrics` (Prometheus,
optional), :mod:`.events` (the events.k8s.io/v1 recorder), :mod:`.runner` (Controller and its
runner), :mod:`.health` (the probes' HTTP server) and :mod:`.manager`.

Layering: the controller layer sits on the cache, the work queue and leader election; nothing below it
imports it (an import-linter contract), except :mod:`kgen.runtime._async.finalizer`, which needs only
the pure :mod:`.request`.
"""
