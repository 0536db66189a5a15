from drf_spectacular.extensions import OpenApiAuthenticationExtension


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "rits.api.authentication.VerifiedSessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The session of a professional who logged in with password and second factor.",
        }
