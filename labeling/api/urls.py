from django.urls import include, path

urlpatterns: list = [
    path("", include("labeling.api.agreement_urls")),
]
