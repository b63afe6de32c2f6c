"""The API-semantics fixtures (``apiserver_fixtures``) for every test in this folder.

Imported here rather than named in each module's ``pytest_plugins``: a module that also imports
``since`` from ``apiserver_fixtures`` made pytest warn (an error here) that the plugin was already
imported, so a file run on its own failed to collect.
"""

from apiserver_fixtures import (  # noqa: F401
    base_url,
    client,
    headers,
    kclient,
    namespace,
    server,
    shared_server,
)
