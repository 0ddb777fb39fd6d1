"""ml_monitor: machine-learning model monitoring inside the data warehouse."""

__version__ = "0.1.0"
