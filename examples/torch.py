"""Lets `python examples/<name>.py` run these PyTorch programs on Ember (Python finds this file first).

`ember run examples/<name>.py` does the same without it; see README.md.
"""
from ember.compat import stand_in

stand_in(__name__)
