"""The attention lab: is attention an explanation? The classic experiments on the shipped models, as plain data.

Each module is one experiment (or its shared parts) and returns lists, floats and strings that the
command line prints and the app draws: `importance` (three importances of the source tokens for one
decoding step), `agreement` (Kendall tau between attention and them), `stats` (medians and their
bootstrap intervals, for every experiment).
"""
