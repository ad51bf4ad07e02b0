from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


class PortalLocaleMiddleware:
    """The page language: the header switch's cookie, else the browser's first supported language, else
    the account's language, else Simplified Chinese."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def _from_browser(self, request) -> str | None:
        for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
            if code == "*":
                break
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                continue
        return None

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = self._from_browser(request)
        if language not in self.supported:
            user = getattr(request, "user", None)
            language = getattr(user, "language", None) if user is not None and user.is_authenticated else None
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
