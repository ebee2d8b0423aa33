"""Forms for registering, signing in and recovering an account."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import StopValidation

from portal.auth.usernames import chosen_name_problem
from portal.forms import MaxLength, PortalForm, Required
from portal.security.passwords import MAX_LENGTH, password_problem

THREE_WORDS_HINT = (
    "At least 15 characters. Three random words are strong and easy to remember, like "
    "‘purple tractor window’. You can use spaces."
)


class ChosenUsername:
    """The part of a username the person chooses."""

    def __call__(self, form: PortalForm, field: StringField) -> None:
        problem = chosen_name_problem(field.data or "")
        if problem:
            raise StopValidation(problem)


class NewPasswordRules:
    """A new password must follow the password rules; `username_field` names who it is for."""

    def __init__(self, username_field: str | None = None) -> None:
        self.username_field = username_field

    def __call__(self, form: PortalForm, field: PasswordField) -> None:
        username = getattr(form, self.username_field).data if self.username_field else None
        problem = password_problem(field.data or "", username)
        if problem:
            raise StopValidation(problem.message)


def new_password_field(
    label: str = "Create a password", username_field: str | None = None
) -> PasswordField:
    return PasswordField(
        label,
        validators=[Required("Enter a password"), NewPasswordRules(username_field)],
        description=THREE_WORDS_HINT,
    )


class RegisterForm(PortalForm):
    chosen_name = StringField(
        "Choose a username",
        validators=[Required("Enter a username"), ChosenUsername()],
        description=(
            "Do not use your real name or email address. We add 4 numbers to the end to keep it "
            "private: if you choose bluebird, your username might be bluebird-4821. Spaces "
            "become hyphens and capital letters become small ones."
        ),
    )
    password = new_password_field(username_field="chosen_name")


class SignInForm(PortalForm):
    username = StringField(
        "Username",
        validators=[Required("Enter your username"), MaxLength(80, "Check your username")],
        description="Your username ends in 4 numbers, like bluebird-4821.",
    )
    password = PasswordField(
        "Password",
        validators=[
            Required("Enter your password"),
            MaxLength(MAX_LENGTH, f"Your password is {MAX_LENGTH} characters or fewer"),
        ],
    )


class RecoveryCodeForm(PortalForm):
    username = StringField(
        "Username",
        validators=[Required("Enter your username"), MaxLength(80, "Check your username")],
    )
    code = StringField(
        "Recovery code",
        validators=[Required("Enter one of your recovery codes"), MaxLength(40, "Check the code")],
        description=(
            "One of the 10 codes you saved when you made your account, like k7qm-x2pa-9fre-tn4w."
        ),
    )
    password = new_password_field("New password", username_field="username")


class ResetRequestForm(PortalForm):
    username = StringField(
        "Username",
        validators=[Required("Enter your username"), MaxLength(80, "Check your username")],
    )


class ResetPasswordForm(PortalForm):
    password = new_password_field("New password")


class SecondFactorForm(PortalForm):
    """The code from the authenticator app, or a recovery code, after the password."""

    code = StringField(
        "Code from your authenticator app",
        validators=[
            Required("Enter the 6-digit code from your authenticator app"),
            MaxLength(40, "Check the code"),
        ],
        description="The app shows 6 numbers, and a new code every 30 seconds.",
    )


class SetUpSecondFactorForm(PortalForm):
    """The first code from a newly set-up authenticator app, showing it was set up right."""

    code = StringField(
        "Code from the app",
        validators=[
            Required("Enter the 6-digit code your authenticator app shows"),
            MaxLength(20, "Enter the 6 numbers the app shows"),
        ],
        description="6 numbers, like 123456.",
    )


class ChoosePasswordForm(PortalForm):
    """An account's own password, in place of the one an admin handed over."""

    password = new_password_field("Choose your own password")
