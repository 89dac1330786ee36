"""``python -m hotline_lib.lab --notebook-dir=notebooks``: JupyterLab in Chinese (what `make lab` runs)."""

from hotline_lib.lab import main

main()
