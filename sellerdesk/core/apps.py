from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "sellerdesk.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # The sentences of the table reader's reasons (core.messages), so that an import's
        # stored error renders wherever it is read.
        from sellerdesk.core import tables

        tables.register_texts()
