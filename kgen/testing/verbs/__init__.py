"""The verbs of :class:`kgen.testing.api.API`, one module each, as the generic registry store has them:
:mod:`.create`, :mod:`.read` (get, list, watch), :mod:`.update`, :mod:`.patch` (and server-side apply),
:mod:`.delete` (and deletecollection). :mod:`.base` holds what they share (the registry, the store, the
kinds' strategies, reading and checking objects) and :mod:`.decode` what a written body must be."""
