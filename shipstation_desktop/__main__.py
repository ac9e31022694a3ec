import sys

from shipstation_desktop.cli import main

sys.exit(main())
