"""`python -m bench [scenario…] [--size tiny|default|large]`."""

import sys

from bench.harness import main

sys.exit(main())
