"""(being built)"""
from shop.web.admin import bp  # noqa: F401
