"""News feeds into English digests: sources, fetching, the digest run, its journal, cache and pages."""
