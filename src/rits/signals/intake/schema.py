from drf_spectacular.extensions import OpenApiAuthenticationExtension


class SignalSourceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "rits.signals.intake.authentication.SignalSourceTokenAuthentication"
    name = "signalSourceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A signal source's API key, sent as `Token <key>`. It authenticates "
            "as the organisation, can deliver signals and read its own delivery reports, "
            "and nothing else.",
        }
