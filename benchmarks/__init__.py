"""Benchmark suite of ``bayes_scaling`` (not part of the test tiers).

Run everything with ``make benchmark`` (or ``python -m benchmarks``); ``--quick`` checks that
the scripts work with tiny settings. Results are CSV files in ``benchmarks/results/`` and the
tables of ``BENCHMARKS.md``.

Modules
-------
``point_fits``      M1-M4 of Alabdulmohsin et al. (2022) and the least-squares references
``bootstrap``       point fit + bootstrap refits (time-to-interval of the non-Bayesian route)
``speed``           part 1: wall time, bulk ESS/s, divergences, nutpie vs PyMC vs bootstrap
``scale``           part 2: time and peak memory vs number of curves and points per curve
``extrapolation``   part 3: held-out RMSE of log loss per domain and interval coverage
``compile_cost``    part 4: compile cost of repeated CLI runs (cold vs warm caches)
"""
