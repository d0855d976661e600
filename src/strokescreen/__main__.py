"""Allow ``python -m strokescreen``."""

from strokescreen.cli import main

main()
