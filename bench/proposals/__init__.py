"""Changes proposed for shared/, found with the benchmarks, each runnable beside the current code.

`python -m bench.proposals.<name>` measures the proposal and the current code in the same run
(alternating rounds) and prints both; the owner of shared/ decides whether to adopt it.
"""
