"""The fictitious demo region (région 99), loaded through the real importers: ``load_demo``."""
