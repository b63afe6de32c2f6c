"""Reading kubeconfig files as kubectl does: find, merge, resolve relative paths, pick a context.

This package knows the file format and clientcmd's rules (``tools/clientcmd/loader.go``,
``validation.go``); :mod:`kgen.runtime._config` turns the chosen context into a
:class:`~kgen.runtime._config.Config`. Three modules: :mod:`.entries` (the file model: what one file
may hold, each value with the file and field its errors name), :mod:`.loading` (finding, parsing and
merging files into a :class:`~.loading.Kubeconfig`) and :mod:`.resolution` (checking the context in use
and reading the files it names into a :class:`~.resolution.ResolvedContext`).

- **Which files:** ``KUBECONFIG`` split on :data:`os.pathsep` (empty entries and duplicates
  dropped), else ``~/.kube/config``. Missing files are skipped; an explicit path must exist.
- **Merging:** the first file that defines a cluster, user or context name wins the *whole* entry
  (fields a later file sets for the same name are dropped); ``current-context`` comes from the first
  file that sets it.
- **Relative paths** (``certificate-authority``, ``client-certificate``, ``client-key``,
  ``tokenFile`` and an exec ``command`` containing a path separator) are relative to the directory
  of the file that defines them.
- **When:** every file is parsed and type-checked when loaded (a string where a list belongs is an
  error anywhere, as in kubectl); semantic checks and file reads happen only for the context in use.

Every error is a :class:`ConfigError` naming the file and the field, e.g.
``/home/u/.kube/config: contexts[name=dev].context.cluster: cluster "x" is not defined``. Messages
and reprs never contain tokens, passwords or key data.
"""
