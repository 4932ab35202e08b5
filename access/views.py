"""Login and logout: every page of the product needs a login (``LOGIN_URL``)."""

from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    """Any active user may log in here (the admin's own login wants staff); a logged-in
    visitor goes straight to ``LOGIN_REDIRECT_URL``."""

    template_name = "access/login.html"
    redirect_authenticated_user = True
    # FormView would treat a PUT as a POST: the login form is shown and submitted, nothing else.
    http_method_names = ["get", "head", "post", "options"]
