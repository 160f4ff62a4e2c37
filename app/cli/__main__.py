"""``python -m nwn.app.cli``: the ``nwn`` command line."""

import sys

from nwn.app.cli.main import main

sys.exit(main())
