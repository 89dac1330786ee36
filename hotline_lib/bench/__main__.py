"""`python -m hotline_lib.bench`: see hotline_lib.bench.run."""

from hotline_lib.bench.run import main

main()
