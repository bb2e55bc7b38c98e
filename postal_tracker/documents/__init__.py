"""Printable documents over HTTP: labels, receipts (biên nhận) and hand-over records (biên bản giao nhận).

The drawing is the pure `labels` package; this context reads the rows and maps them to its dataclasses.
"""
