"""Local stand-ins for AWS and third-party services, run on 127.0.0.1 without Docker.

The shared layer is on the path here as Lambda puts it there (/opt/python), so every tool
that runs the local stack or its functions (`python -m infra.local.dev`, `infra.bench`, ...)
works from the repository root with no PYTHONPATH.
"""

import sys

from infra.paths import LAYER

if str(LAYER) not in sys.path:
    sys.path.append(str(LAYER))
