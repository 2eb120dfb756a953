"""The ``automl`` command line: parses options, calls one library function, renders the result.

Only this package imports Typer and Rich, and nothing imports this package.
"""
