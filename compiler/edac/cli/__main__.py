from edac.cli import main

main(prog_name="edac")
