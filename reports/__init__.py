"""Report builder (HTML with plots, Markdown summary)."""
