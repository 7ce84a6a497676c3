"""Use cases: they join the pure core, the curriculum and the store, and know nothing of Discord."""
