"""`python -m tarjama`: the same command line as the `tarjama` script."""

from tarjama.cli import run

run()
