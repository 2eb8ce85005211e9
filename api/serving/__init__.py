"""The serving core and what it runs: refusals, rate limits, kept renderings, metrics, logs."""
