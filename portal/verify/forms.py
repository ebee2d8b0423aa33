"""The form on the verify page: one file, the pack's ZIP."""

from __future__ import annotations

from flask_wtf.file import FileField

from portal.forms import PortalForm, Required


class CheckPackForm(PortalForm):
    pack = FileField(
        "The evidence pack",
        validators=[Required("Choose the ZIP file to check")],
        description="The ZIP file, as it was exported. Its name starts with “records-”.",
    )
