"""`python -m ml_monitor ...`: the same as the `ml-monitor` command (e.g. from a virtualenv whose
bin/ is not on PATH)."""

from ml_monitor.cli import main

if __name__ == "__main__":
    main()
