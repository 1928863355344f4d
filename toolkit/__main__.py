"""``python -m toolkit`` runs the CLI."""

import sys

from toolkit.cli import main

sys.exit(main())
