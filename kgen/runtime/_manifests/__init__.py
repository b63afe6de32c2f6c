"""Manifests: YAML and JSON files in, typed objects out, checked before anything is sent, and back to
YAML (no I/O but reading files: the applier and the waits that send them are the twins'
``_async/manifests.py`` and ``_async/wait.py``).

- :mod:`.load`: documents of files, directories, strings and streams into objects (:class:`Manifest`);
- :mod:`.check`: every object against its schema before sending;
- :mod:`.order`: the order a set is applied and deleted in, and what a dry run's diff shows;
- :mod:`.dump`: objects back to YAML as kubectl prints them;
- :mod:`.conditions`: what a wait waits for.
"""
