"""cuaso: load testing and capacity planning for a national e-government portal."""

__version__ = "0.1.0"
