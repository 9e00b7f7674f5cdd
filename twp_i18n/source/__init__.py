"""Stage 1, the English source: articles on disk (content), their translatable units
(segments), and fetching them from a CMS (fetch*).

Imports only the shared modules at the top of the package and ``machinery``.
"""
