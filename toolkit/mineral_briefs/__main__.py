"""``python -m mineral_briefs`` runs the CLI."""

import sys

from mineral_briefs.cli import main

sys.exit(main())
