"""Benchmarks: scenarios measured beside baselines from the same run (`loanflow bench`)."""
