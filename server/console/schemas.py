"""What the console's own forms post, as types (the planning pages' are in
server/planning/schemas.py). Every field is text as typed, empty when left out: the services
refuse what is wrong with the reason, as for the command line."""

from dataclasses import dataclass
from typing import Annotated, Any

from litestar.enums import RequestEncodingType
from litestar.params import Body

from server.auth.user_fields import UserForm

__all__ = ["ImportBody", "ImportPost", "PasswordBody", "PasswordPost", "UserBody", "UserPost"]


@dataclass
class UserPost:
    """The users page's forms: adding a user (with `username`) and editing one."""

    username: str = ""
    role: str = ""
    name: str = ""
    street: str = ""
    team: str = ""
    department: str = ""
    cert_no: str = ""
    cert_from: str = ""
    cert_until: str = ""

    def user_form(self) -> UserForm:
        """The role, name, placement and certificate, as the users service takes them."""
        return UserForm(
            role=self.role,
            name=self.name,
            street=self.street,
            team=self.team,
            department=self.department,
            cert_no=self.cert_no,
            cert_from=self.cert_from,
            cert_until=self.cert_until,
        )


@dataclass
class PasswordPost:
    """The page a one-time link opens: the new password, twice."""

    password: str = ""
    password_again: str = ""


@dataclass
class ImportPost:
    """The data page's upload: the kind of data and its workbook. A browser sends a form whose
    file was not chosen with an empty text field instead, and msgspec takes no union of a file
    and text: so `file` is whatever came, and the page refuses anything but a named file as no
    file."""

    kind: str = ""
    file: Any = None


UserBody = Annotated[UserPost, Body(media_type=RequestEncodingType.URL_ENCODED)]
PasswordBody = Annotated[PasswordPost, Body(media_type=RequestEncodingType.URL_ENCODED)]
ImportBody = Annotated[ImportPost, Body(media_type=RequestEncodingType.MULTI_PART)]
