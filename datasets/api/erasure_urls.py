"""Mounted at /api/feedback/erase-user/ (its long-standing address) by config/urls.py."""

from django.urls import path

from datasets.api.erasure import UserEraseApi

app_name = "erasure"

urlpatterns = [path("", UserEraseApi.as_view(), name="erase-user")]
