"""The speed and safety machinery every stage may use: atomic writes, caches, the site lock, worker pools.

Nothing here knows what an article or a catalog is.
"""
