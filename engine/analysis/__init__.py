"""Fitting and stochastic analysis of two-terminal conductance traces."""
