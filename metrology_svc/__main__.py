"""Allow `python -m metrology_svc`."""

from metrology_svc.cli.main import app

app()
