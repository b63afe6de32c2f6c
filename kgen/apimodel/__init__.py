"""The API model: the one format the generator writes and kgen.testing reads.

- :mod:`.ir`: the intermediate representation (groups, versions, resources, types);
- :mod:`.shared`: the shared ``meta/v1`` shapes of :mod:`kgen.runtime._meta` the model refers to;
- :mod:`.names`: the Python naming rules every final name of a model follows;
- :mod:`.serialize`: its versioned JSON form, ``apimodel.json``, embedded in every generated package.

``kgen.model`` builds a model from inputs, ``kgen.emit`` writes a package from one, and ``kgen.testing``
serves one. It is a format, not the generator's internals: it imports nothing else of kgen.
"""
