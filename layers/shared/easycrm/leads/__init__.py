"""The lead list as users read it: query plans over the indexes, summaries, CSV export."""
