"""Helpers shared by the access tests."""

import subprocess

from harness import dynamq_bin


def passwd(*args, password=None):
    """Runs `dynamq passwd ARGS…` with `password` as the first line of stdin (not a tty)."""
    return subprocess.run([dynamq_bin(), "passwd", *map(str, args)],
                          input=None if password is None else password + "\n",
                          capture_output=True, text=True, timeout=60)
