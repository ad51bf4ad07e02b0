from django.apps import AppConfig


class LifecycleAppConfig(AppConfig):
    name = "tests.core.lifecycle_app"
    label = "lifecycle_app"
