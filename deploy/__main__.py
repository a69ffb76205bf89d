"""`python -m deploy start | status | stop`: the command line of deploy/cli.py."""

import sys

from deploy.cli import main

sys.exit(main())
