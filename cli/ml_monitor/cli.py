"""The `ml-monitor` command: click glue only; the work happens in library modules."""

from __future__ import annotations

import sys

import click

from ml_monitor import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ml-monitor")
def main() -> None:
    """Monitor machine-learning models where their predictions live: in the warehouse.

    \b
    Exit codes: 0 all checks passed, 1 some check failed, 2 the run itself failed.
    """


@main.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Where to build the demo project (default: ./ml_monitor_demo).")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed of the synthetic data.")
def demo(directory: str | None, seed: int) -> None:
    """Build a DuckDB demo project with injected problems, run it and show what failed."""
    from ml_monitor.demo import run_demo

    sys.exit(run_demo(directory=directory, seed=seed))


if __name__ == "__main__":  # pragma: no cover
    main()
