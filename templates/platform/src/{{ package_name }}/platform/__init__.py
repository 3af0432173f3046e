"""The paved-roads platform layer: the same governed services in every pattern.

Pattern code depends on this package; this package never imports pattern code.
"""
