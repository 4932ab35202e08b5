"""The regional schema (versions, volets, objectives, scenarios) is built by the schema issue."""
