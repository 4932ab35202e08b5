from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = _("Établissements")

    def ready(self) -> None:
        # The catalogue's labels are cached per process (facilities.activities.cached_labels):
        # a change to a catalogue row, or a migration, forgets them.
        from django.db.models.signals import post_delete, post_migrate, post_save

        from .activities import forget_labels
        from .catalogue import AuthorisedActivity, Mention, Modality

        for model in (AuthorisedActivity, Modality, Mention):
            post_save.connect(forget_labels, sender=model, dispatch_uid=f"labels-{model.__name__}")
            post_delete.connect(
                forget_labels, sender=model, dispatch_uid=f"labels-del-{model.__name__}"
            )
        post_migrate.connect(forget_labels, dispatch_uid="labels-migrate")
