"""The frozen app's entry point: exactly the `shipstation-desktop` console script.

No arguments opens the GUI, anything else is the CLI (`shipstation_desktop.cli:main`).
"""

import sys

from shipstation_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
