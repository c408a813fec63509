from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Drivers and accounts"

    def ready(self):
        from django.db.models.signals import post_save, pre_delete, pre_save

        from accounts.models import User
        from accounts.receivers import user_deleting, user_saved, user_saving

        # Blocking a user, or replacing their password, revokes their tokens,
        # however it is done (accounts/receivers.py).
        pre_save.connect(user_saving, sender=User, dispatch_uid="accounts.user_saving")
        post_save.connect(user_saved, sender=User, dispatch_uid="accounts.user_saved")
        pre_delete.connect(user_deleting, sender=User, dispatch_uid="accounts.user_deleting")
