"""Local development: DEBUG on, a throwaway secret if none is set."""

from config.settings.base import *  # noqa: F401,F403
from config.settings.base import env, env_bool

SECRET_KEY = env("DJANGO_SECRET_KEY") or "insecure-local-development-key-do-not-use-in-production"
DEBUG = env_bool("DJANGO_DEBUG", True)

FEEDBACK = {**FEEDBACK, "HASH_SALT": env("FEEDBACK_HASH_SALT") or "local-development-feature-salt"}  # noqa: F405

# Local receivers (127.0.0.1, a LAN host) are fine in development; production refuses them (SSRF).
WEBHOOKS = {**WEBHOOKS, "BLOCK_PRIVATE_ADDRESSES": False}  # noqa: F405
