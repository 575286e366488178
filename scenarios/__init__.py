"""Locust journeys, journey mix, load shapes and the drill runner."""
