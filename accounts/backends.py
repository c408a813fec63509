from django.contrib.auth.backends import ModelBackend
from phonenumber_field.phonenumber import to_python

from accounts.models import User


class AccountBackend(ModelBackend):
    """Username or phone-number login; only ACTIVE accounts get in (seed 003).

    One backend for both ways in, so the status check cannot be bypassed by
    logging in with the other identifier.
    """

    def authenticate(self, request, username=None, password=None, phone_number=None, **kwargs):
        if phone_number is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        number = to_python(phone_number)
        if password is None or number is None or not number.is_valid():
            return None
        try:
            user = User.objects.get(phone_number=number)
        except User.DoesNotExist:
            # Run the hasher anyway so an unknown number takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.may_charge
