from django.urls import path

from labeling.api.webhooks import (
    WebhookDeliveryAttemptListApi,
    WebhookDeliveryListApi,
    WebhookDetailApi,
    WebhookListCreateApi,
    WebhookRedeliverApi,
    WebhookRotateSecretApi,
)

urlpatterns = [
    path("", WebhookListCreateApi.as_view(), name="webhook-list"),
    path("<int:endpoint_id>/", WebhookDetailApi.as_view(), name="webhook-detail"),
    path("<int:endpoint_id>/rotate-secret/", WebhookRotateSecretApi.as_view(), name="webhook-rotate-secret"),
    path("<int:endpoint_id>/deliveries/", WebhookDeliveryListApi.as_view(), name="webhook-deliveries"),
    path("deliveries/<int:delivery_id>/attempts/", WebhookDeliveryAttemptListApi.as_view(), name="webhook-attempts"),
    path("deliveries/<int:delivery_id>/redeliver/", WebhookRedeliverApi.as_view(), name="webhook-redeliver"),
]
