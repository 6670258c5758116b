"""Faults (the ``FAULT`` family): kill a World's process, restart it, cut its connections, and
judge what it kept on the history of the calls made around the fault (docs/faults.md)."""
