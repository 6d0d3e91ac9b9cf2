"""The demo workspace of `make run` (not part of the product): its data and
its first training. See bootstrap.py."""
