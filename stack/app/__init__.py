"""The FastAPI application of the reference portal."""
