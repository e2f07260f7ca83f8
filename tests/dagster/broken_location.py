"""A code location that fails to import: jr must show this Python error."""

raise RuntimeError("this code location is broken on purpose")
