"""Stage 3, rendering: localizing an article (localize), the publishing plan, pages, feeds, EPUB and OPDS.

May import ``source`` and ``catalog``; never ``publish`` or ``cli``.
"""
