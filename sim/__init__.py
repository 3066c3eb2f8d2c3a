"""reesim: a discrete-event simulator of the global rare-earth supply chain."""

__version__ = "0.1.0"
