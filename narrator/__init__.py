"""narrator: turn written articles into natural, listenable audio."""

__version__ = "0.1.0"
