"""The Foundations course on this project's own code: labs for weeks 0-6 and their checkers.

`labs/` holds each week's README and starting point; `<slug> lab check N` verifies the work for
real: it runs the learner's tests against the policies and prices they changed and against the
project's first commit, runs the eval, the shadow test and the gate. Every check writes
`labs/results/week-N.json`, which `paved-roads academy progress` reads across a cohort.
"""
