from pressure.cli import run

run()
