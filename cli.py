"""Run the twp command line from a checkout: ``python cli.py --help``."""

from twp_i18n.cli import main

if __name__ == "__main__":
    main()
