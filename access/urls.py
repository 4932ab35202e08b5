from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", LogoutView.as_view(next_page="login"), name="logout"),
]
