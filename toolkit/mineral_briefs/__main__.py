"""``python -m mineral_briefs`` runs the CLI."""

from mineral_briefs.cli import console_main

console_main()
