"""Which HTTP methods a page accepts.

Function views answer every method unless told otherwise: a ``PUT`` or ``DELETE`` to a page
would render it (200) as if it were a ``GET``. Each page view therefore declares its methods:
Django's ``require_safe`` (GET, HEAD) for pages that only show, ``require_POST`` for actions,
and ``require_form_methods`` below for the pages that show a form and take its submission.
"""

from django.views.decorators.http import require_http_methods

#: A form page: shown by GET (and HEAD), submitted by POST; anything else is 405.
require_form_methods = require_http_methods(["GET", "HEAD", "POST"])
