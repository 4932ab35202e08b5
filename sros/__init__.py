"""The regional schema (SROS/PRS): versions, volets, OQOS objectives, scenarios, pilot projects,
initiatives."""
