"""`python -m engine.cli …` runs the same CLI as the `liandong` script."""
from engine.cli import main

main(prog_name="liandong")
