"""The reference portal: FastAPI app, Redis data layer and simulated outside systems."""
