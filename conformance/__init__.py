"""worldspec's conformance kit: the pytest plugin, the suites and the ``worldspec`` command.

Importing it first makes sure ``worldspec`` is the package itself: a folder named ``worldspec``
in the current directory (a checkout of this project, say) would otherwise be imported in its
place as an empty namespace package, and every later import would fail obscurely.
"""

from __future__ import annotations

import worldspec as _worldspec

if getattr(_worldspec, "__file__", None) is None:
    raise ImportError(
        f"'worldspec' resolves to the folder {', '.join(map(str, _worldspec.__path__))}, not to the "
        "installed package: run from another directory, or rename that folder"
    )
