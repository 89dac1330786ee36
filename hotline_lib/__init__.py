"""hotline-bulletin: a district's 12345 hotline work orders in, its monthly bulletin out."""

__version__ = "0.1.0"
