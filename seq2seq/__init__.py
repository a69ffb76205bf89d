"""Attention Explorer's seq2seq library: an RNN encoder-decoder whose attention can be stepped.

Nothing heavy happens at import time: import the submodules you need
(`seq2seq.checkpoint.load_model`, `seq2seq.decoding.Translator`, ...).
This package never imports streamlit or plotly.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
