"""``python -m conformance``: the ``worldspec`` command."""

import sys

from conformance.cli import main

sys.exit(main())
