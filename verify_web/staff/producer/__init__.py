"""``/producer``: a producer's own portal and label printing."""
