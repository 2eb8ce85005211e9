"""Output formats: the renderer registry and each format it offers."""
