"""The seed study's road designs (roads with freeway and tollroad types), one module each, and
the road data they all store."""
