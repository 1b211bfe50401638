"""``python -m tfgan_zoo COMMAND``: the same as the ``tfgan-zoo`` command."""

import sys

from .cli.app import main

sys.exit(main())
