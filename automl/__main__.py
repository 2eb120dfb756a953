"""Run the command line with ``python -m automl``."""

from __future__ import annotations

from automl.cli.app import main

if __name__ == "__main__":
    main()
