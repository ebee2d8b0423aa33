"""The staff area: writing, checking, previewing, publishing and rolling back guides, anonymous
figures per guide, and the audit log. Everything staff may learn about people goes through
portal.staff.boundary."""
