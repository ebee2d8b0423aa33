"""Forms for managing staff accounts."""

from __future__ import annotations

from wtforms import StringField
from wtforms.fields.choices import SelectChoice

from portal.auth.forms import ChosenUsername
from portal.auth.roles import Role
from portal.forms import PortalForm, RadiosField, Required


class NewStaffForm(PortalForm):
    chosen_name = StringField(
        "Name for the username",
        validators=[Required("Enter a name for the username"), ChosenUsername()],
        description=(
            "We add 4 numbers to the end: if you enter sam, the username might be sam-4821. "
            "Spaces become hyphens and capital letters become small ones."
        ),
    )
    role = RadiosField(
        "What the account can do",
        validators=[Required("Choose what the account can do")],
        choices=[
            SelectChoice(Role.STAFF.value, "Staff: write and publish guides"),
            SelectChoice(Role.ADMIN.value, "Admin: manage staff accounts as well"),
        ],
        default=Role.STAFF.value,
        invalid_message="Choose staff or admin",
    )
