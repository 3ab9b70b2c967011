"""``python -m lcformer``: the same as the ``lcformer`` command."""

import sys

from lcformer.cli import main

sys.exit(main())
