"""overlay: make a district's waste-bank clip compliant with the DLA's video rules."""

__version__ = "0.1.0"
