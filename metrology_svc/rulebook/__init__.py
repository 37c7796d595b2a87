"""The rulebook: every legal number the service applies, as dated, sourced table versions."""
