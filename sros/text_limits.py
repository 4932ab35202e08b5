"""How long free text typed by users may be, in characters. The model fields carry these as
``max_length`` (which a TextField enforces in its forms, the admin's included, and in DRF model
serializers, not in the database); the plain forms and API inputs read them from there. Without
a bound a single 2 MB comment is stored and then rendered on every page that lists comments.

Sized for their use: a comment or a justification is a paragraph or a few; a description or an
evaluation a few pages; a volet's Markdown narrative a whole chapter of the schema (a PRS volet
runs to 30-60 pages, about 150,000 characters)."""

#: Comments on a version, the comment of a workflow transition, an objective's justification,
#: a scenario's description.
COMMENT = 5_000
#: Descriptions and evaluations of pilot projects and initiatives, zonings', pathways'.
DESCRIPTION = 20_000
#: The Markdown narrative of a volet.
NARRATIVE = 200_000
#: The name of an organisation typed by hand (a consultation's commenter outside the FINESS
#: registry: « URPS médecins libéraux », « Conseil départemental du Rhône »); the FINESS raison
#: sociale is at most 255 characters too.
ORGANISATION = 255
