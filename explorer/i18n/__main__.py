"""``python -m explorer.i18n``: extract, update and check the message catalogs (explorer.i18n.catalogs)."""

import sys

from explorer.i18n.catalogs import main

sys.exit(main())
