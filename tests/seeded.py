"""The false-alarm budget of the statistical tests, which run with a fresh seed in CI.

A seeded test must pass for any seed, so each one may fail a correct engine only by chance, and
rarely: at most ``FALSE_ALARM`` per test (Bonferroni over its comparisons). About 250 seeded tests
per CI run then fail a correct engine in about 1 run of 400; at 1e-3 each, as some had, 1 in 20.
"""

#: The chance that one seeded test fails a correct engine (its p-values are compared with it).
FALSE_ALARM = 1e-5
