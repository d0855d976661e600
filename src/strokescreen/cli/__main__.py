"""Allow ``python -m strokescreen.cli``."""

from strokescreen.cli import main

main()
