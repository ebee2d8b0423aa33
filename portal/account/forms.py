"""Forms on the account pages. Each change asks for the current password."""

from __future__ import annotations

from wtforms import EmailField, PasswordField
from wtforms.validators import Email, Optional

from portal.auth.forms import new_password_field
from portal.forms import MaxLength, PortalForm, Required
from portal.security.passwords import MAX_LENGTH


def current_password_field(label: str = "Your current password") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            Required("Enter your current password"),
            MaxLength(MAX_LENGTH, "That is not your current password"),
        ],
    )


class ChangePasswordForm(PortalForm):
    current_password = current_password_field()
    new_password = new_password_field("New password")


class EmailForm(PortalForm):
    email = EmailField(
        "Email address (optional)",
        validators=[
            Optional(),
            MaxLength(254, "Your email address must be 254 characters or fewer"),
            Email(
                "Enter an email address in the right format, like name@example.com",
                check_deliverability=False,
            ),
        ],
        description=(
            "Only used to send you a link if you forget your password. Leave it empty to remove it."
        ),
    )
    current_password = current_password_field()


class PasswordCheckForm(PortalForm):
    """For actions that need nothing but the password: new recovery codes."""

    current_password = current_password_field()


class DeleteAccountForm(PortalForm):
    current_password = current_password_field("Enter your password to delete your account")
