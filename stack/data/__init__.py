"""Redis data layer."""
