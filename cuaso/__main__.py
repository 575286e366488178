import sys

from cuaso.cli import main

sys.exit(main())
