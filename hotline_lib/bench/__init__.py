"""`make bench`: speed figures measured in one run, as ratios."""
