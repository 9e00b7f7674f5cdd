"""Stage 2, the catalogs: PO reading and writing (pofile, poguard), extraction of templates,
merging, checks and status.

May import ``source``; never ``render``, ``publish`` or ``cli``.
"""
