"""Sign-in endpoints: login, logout, who am I."""

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.params import JSONBody
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_204_NO_CONTENT,
    HTTP_403_FORBIDDEN,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
)

from server.auth.middleware import CSRF_COOKIE, SESSION_COOKIE, session_cookies
from server.auth.schemas import LoginRequest, LoginResponse, MapTiles, UserRead
from server.auth.service import end_session, login
from server.core.db import DbSession
from server.core.i18n import t
from server.core.net import client_ip
from server.core.principal import Principal, signed_in
from server.org.models import User

__all__ = ["AuthController"]


def _user_read(p: Principal | User) -> UserRead:
    return UserRead(p.id, p.username, p.name, p.role, p.department_id, p.street_id, p.team_id)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", status_code=HTTP_200_OK, summary="Sign in and receive a session cookie")
    async def login(
        self, request: Request, data: JSONBody[LoginRequest], db_session: DbSession, state: State
    ) -> Response[LoginResponse]:
        # Login CSRF: a form on another site can POST JSON-looking text as text/plain or as a
        # form, and would sign this browser in to the sender's account. Only a script of this
        # origin can send application/json here (another origin's needs CORS, which we never
        # grant).
        if request.content_type[0] != "application/json":
            raise HTTPException(
                status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail=t("auth.login_json")
            )
        if request.headers.get("sec-fetch-site", "") in ("cross-site", "same-site"):
            raise HTTPException(status_code=HTTP_403_FORBIDDEN, detail=t("auth.login_cross_site"))
        settings = state.settings
        result = await login(
            db_session,
            settings,
            username=data.username,
            password=data.password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
        if result is None:
            # The failed attempt must be kept even though the request fails.
            await db_session.commit()
            raise NotAuthorizedException(detail=t("auth.bad_credentials"))
        tiles = MapTiles(settings.planning.map_tile_url, settings.planning.map_attribution)
        body = LoginResponse(_user_read(result.user), result.csrf_token, tiles)
        return Response(body, cookies=session_cookies(result.token, result.csrf_token, settings))

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        guards=[signed_in],
        summary="Sign out; the session ends on every device using it",
    )
    async def logout(self, request: Request, db_session: DbSession) -> Response[None]:
        await end_session(db_session, request.user, client_ip(request))
        response: Response[None] = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response

    @get("/me", guards=[signed_in], summary="The signed-in user")
    async def me(self, request: Request) -> UserRead:
        return _user_read(request.user)
