"""The anchor of bench/scan_page: the smallest Litestar page, served the way the app is."""

from litestar import Litestar, MediaType, get

PAGE = "<!doctype html><html lang=zh-CN><meta charset=utf-8><title>OneVisit</title><p>一次查</p>"


@get("/", media_type=MediaType.HTML, sync_to_thread=False)
def index() -> str:
    return PAGE


def create_app() -> Litestar:
    return Litestar(route_handlers=[index])
