"""Identity routes under ``/api/v1``."""

from argus.platform.identity.controllers.access import AccessSettingsController
from argus.platform.identity.controllers.auth import AuthController
from argus.platform.identity.controllers.tokens import ApiTokensController
from argus.platform.identity.controllers.users import MeController, UsersController

__all__ = ["AccessSettingsController", "ApiTokensController", "AuthController", "MeController",
           "UsersController"]
