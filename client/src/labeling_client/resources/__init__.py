"""One module per area of the API; each class wraps the shared Transport."""
